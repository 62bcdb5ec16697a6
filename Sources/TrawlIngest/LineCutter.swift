import TrawlModel

#if canImport(Glibc)
    import Glibc
#endif

/// Cuts a byte stream fed in pieces into runs of whole lines, knowing exactly how many
/// bytes each run ends at (a checkpoint's offset).
///
/// A line longer than `maxLineBytes` is skipped whole (its bytes count as consumed, and it
/// is reported as one overlong line).
struct LineCutter {
    let maxLineBytes: Int
    /// Bytes accounted for: handed out in runs, or skipped in overlong lines.
    private(set) var consumed: Int64 = 0
    private var carry: [UInt8] = []
    /// Inside an overlong line: discard up to its newline.
    private var skipping = false

    init(maxLineBytes: Int) { self.maxLineBytes = maxLineBytes }

    /// Feeds bytes; calls `emit(run, overlongLines, consumedAfter)` for each run of whole lines.
    mutating func feed(_ piece: ArraySlice<UInt8>, _ emit: ([UInt8], Int, Int64) -> Void) {
        var rest = piece
        var overlong = 0
        if skipping {
            guard let nl = rest.firstIndex(of: 0x0A) else {
                consumed += Int64(rest.count)
                return
            }
            consumed += Int64(nl - rest.startIndex + 1)
            rest = rest[(nl + 1)...]
            skipping = false
            overlong += 1
        }
        guard let last = rest.lastIndex(of: 0x0A) else {
            carry.append(contentsOf: rest)
            if carry.count > maxLineBytes {
                consumed += Int64(carry.count)
                carry = []
                skipping = true
            }
            if overlong > 0 { emit([], overlong, consumed) }
            return
        }
        var run = carry
        carry = []
        run.append(contentsOf: rest[...last])
        // Lines inside the run longer than the limit (when the carry held one) are rare;
        // the decoder reports any over its own limit.
        consumed += Int64(run.count)
        carry.append(contentsOf: rest[(last + 1)...])
        emit(run, overlong, consumed)
    }

    /// The bytes of a last line without its newline (counted as consumed), if any.
    mutating func finish() -> [UInt8]? {
        guard !carry.isEmpty, !skipping else { return nil }
        defer { carry = [] }
        consumed += Int64(carry.count)
        return carry
    }
}

/// Milliseconds since the epoch, now.
func nowMillis() -> Timestamp {
    var t = timespec()
    clock_gettime(CLOCK_REALTIME, &t)
    return Int64(t.tv_sec) * 1000 + Int64(t.tv_nsec) / 1_000_000
}

/// Seconds on a clock that never goes back, for timeouts.
func monotonicSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}
