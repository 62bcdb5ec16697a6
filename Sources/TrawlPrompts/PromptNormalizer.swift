import TrawlModel

/// Turns prompt text into a ``PromptSkeleton`` (see there for the format and placeholders).
///
/// Deterministic: the same text gives the same skeleton on every machine and run, whatever
/// the locale. Invalid UTF-8 (from `normalize(utf8:into:)`) counts as U+FFFD.
///
/// Hand-written byte scanner rather than regular expressions: it runs on the per-line path
/// for every line with prompt text, and a regex engine per line (or Foundation's string
/// machinery) costs allocations and backtracking we cannot bound. Two linear passes instead:
/// the first folds widths and whitespace into a scratch buffer, the second reads words,
/// numbers, quotes, code, URLs and e-mails straight off the bytes. Searches for a closing
/// quote are bounded (4096 bytes for `"` and CJK brackets, 512 on one line for `'`, 1024 on
/// one line for `` ` ``) and remember where a closer is known to be absent, so unbalanced
/// quotes cannot make a prompt quadratic.
///
/// Keep one normaliser per worker: its scratch buffer is reused.
/// - Complexity: O(n) in the prompt's bytes.
public struct PromptNormalizer: Sendable {
    /// The folded text is `wide[0..<wideCount]` (the array only grows).
    var wide: [UInt8] = []
    var wideCount = 0
    var skeletonScratch: [UInt8] = []
    var foldedScratch: [UInt8] = []

    public init() {}

    /// The skeleton of `text`.
    public mutating func normalize(_ text: String) -> PromptSkeleton {
        var skeleton = PromptSkeleton()
        normalize(text, into: &skeleton)
        return skeleton
    }

    /// Normalises `text` into `skeleton`, reusing its buffers.
    public mutating func normalize(_ text: String, into skeleton: inout PromptSkeleton) {
        var copy = text
        copy.withUTF8 { normalize(utf8: UnsafeRawBufferPointer($0), into: &skeleton) }
    }

    /// Normalises UTF-8 bytes (for example a slice of a log line) into `skeleton`.
    public mutating func normalize(utf8: UnsafeRawBufferPointer, into skeleton: inout PromptSkeleton) {
        skeleton.removeAll()
        foldWidths(utf8)
        let table = ScalarClass.table
        let capacity = SkeletonScanner.Output.capacity(for: wideCount)
        if skeletonScratch.count < capacity {
            skeletonScratch = [UInt8](repeating: 0, count: capacity)
            foldedScratch = [UInt8](repeating: 0, count: capacity)
        }
        table.withUnsafeBufferPointer { tp in
            wide.withUnsafeBufferPointer { whole in
                let wp = UnsafeBufferPointer(rebasing: whole[0..<wideCount])
                skeletonScratch.withUnsafeMutableBufferPointer { sp in
                    foldedScratch.withUnsafeMutableBufferPointer { fp in
                        var scanner = SkeletonScanner(text: wp, table: tp, skeleton: sp, folded: fp)
                        swap(&scanner.tokens, &skeleton.tokens)
                        scanner.scan(0, wp.count, on: true)
                        swap(&scanner.tokens, &skeleton.tokens)
                        skeleton.bytes.append(contentsOf: UnsafeBufferPointer(start: scanner.sk.base, count: scanner.sk.count))
                        skeleton.folded.append(contentsOf: UnsafeBufferPointer(start: scanner.fo.base, count: scanner.fo.count))
                    }
                }
            }
        }
    }

    /// Pass 1: width and compatibility folding, control characters and whitespace runs to
    /// one space (or one newline if the run held a line break), ends trimmed.
    ///
    /// Written into `wide`, sized first for the worst case (three bytes out per byte in: a
    /// malformed byte becomes U+FFFD), through one buffer pointer: appending byte by byte
    /// checked the array's capacity and uniqueness for every byte of every prompt.
    mutating func foldWidths(_ p: UnsafeRawBufferPointer) {
        let n = p.count
        if wide.count < 3 * n + 4 { wide = [UInt8](repeating: 0, count: 3 * n + 4) }
        wideCount = wide.withUnsafeMutableBufferPointer { out in
            var count = 0
            @inline(__always) func put(_ b: UInt8) {
                out[count] = b
                count += 1
            }
            var pending: UInt8 = 0
            @inline(__always) func flush() {
                if pending != 0 {
                    if count > 0 { put(pending) }
                    pending = 0
                }
            }
            var i = 0
            while i < n {
                let b = p[i]
                if b < 0x80 {
                    i += 1
                    if b <= 32 || b == 127 {
                        if b >= 10 && b <= 13 { pending = 10 } else if pending == 0 { pending = 32 }
                        continue
                    }
                    flush()
                    put(b)
                    continue
                }
                let (v, len) = decodeScalar(p, i, n)
                i += len
                switch ScalarClass.width(v) {
                case .keep:
                    flush()
                    encodeUTF8(v) { put($0) }
                case .ascii(let a):
                    if a == 32 { continue }
                    flush()
                    put(a)
                case .space(let newline):
                    if newline { pending = 10 } else if pending == 0 { pending = 32 }
                case .drop:
                    continue
                case .ellipsis:
                    flush()
                    put(46)
                    put(46)
                    put(46)
                }
            }
            return count
        }
    }
}

/// Decodes the scalar at `i` (U+FFFD and one byte for anything malformed).
@inline(__always) func decodeScalar(_ p: UnsafeRawBufferPointer, _ i: Int, _ n: Int) -> (UInt32, Int) {
    let b0 = UInt32(p[i])
    if b0 < 0x80 { return (b0, 1) }
    if b0 < 0xC2 { return (0xFFFD, 1) }
    if b0 < 0xE0 {
        guard i + 1 < n, p[i + 1] & 0xC0 == 0x80 else { return (0xFFFD, 1) }
        return ((b0 & 0x1F) << 6 | UInt32(p[i + 1] & 0x3F), 2)
    }
    if b0 < 0xF0 {
        guard i + 2 < n, p[i + 1] & 0xC0 == 0x80, p[i + 2] & 0xC0 == 0x80 else { return (0xFFFD, 1) }
        let v = (b0 & 0x0F) << 12 | UInt32(p[i + 1] & 0x3F) << 6 | UInt32(p[i + 2] & 0x3F)
        guard v >= 0x800, v < 0xD800 || v > 0xDFFF else { return (0xFFFD, 1) }
        return (v, 3)
    }
    if b0 < 0xF5 {
        guard i + 3 < n, p[i + 1] & 0xC0 == 0x80, p[i + 2] & 0xC0 == 0x80, p[i + 3] & 0xC0 == 0x80 else { return (0xFFFD, 1) }
        let v = (b0 & 0x07) << 18 | UInt32(p[i + 1] & 0x3F) << 12 | UInt32(p[i + 2] & 0x3F) << 6 | UInt32(p[i + 3] & 0x3F)
        guard v >= 0x10000, v <= 0x10FFFF else { return (0xFFFD, 1) }
        return (v, 4)
    }
    return (0xFFFD, 1)
}

/// Decodes the scalar at `i` of text known to be valid UTF-8.
@inline(__always) func decodeValid(_ t: UnsafeBufferPointer<UInt8>, _ i: Int) -> (UInt32, Int) {
    let b0 = UInt32(t[i])
    if b0 < 0x80 { return (b0, 1) }
    if b0 < 0xE0 { return ((b0 & 0x1F) << 6 | UInt32(t[i + 1] & 0x3F), 2) }
    if b0 < 0xF0 { return ((b0 & 0x0F) << 12 | UInt32(t[i + 1] & 0x3F) << 6 | UInt32(t[i + 2] & 0x3F), 3) }
    return ((b0 & 0x07) << 18 | UInt32(t[i + 1] & 0x3F) << 12 | UInt32(t[i + 2] & 0x3F) << 6 | UInt32(t[i + 3] & 0x3F), 4)
}

/// Writes the UTF-8 encoding of the scalar value `v` through `emit`, byte by byte.
@inline(__always) func encodeUTF8(_ v: UInt32, _ emit: (UInt8) -> Void) {
    if v < 0x80 {
        emit(UInt8(v))
    } else if v < 0x800 {
        emit(UInt8(0xC0 | v >> 6))
        emit(UInt8(0x80 | v & 0x3F))
    } else if v < 0x10000 {
        emit(UInt8(0xE0 | v >> 12))
        emit(UInt8(0x80 | (v >> 6) & 0x3F))
        emit(UInt8(0x80 | v & 0x3F))
    } else {
        emit(UInt8(0xF0 | v >> 18))
        emit(UInt8(0x80 | (v >> 12) & 0x3F))
        emit(UInt8(0x80 | (v >> 6) & 0x3F))
        emit(UInt8(0x80 | v & 0x3F))
    }
}

@inline(__always) func isASCIIAlnum(_ b: UInt8) -> Bool {
    (b &- 48) < 10 || ((b | 0x20) &- 97) < 26
}

@inline(__always) func isWordByte(_ b: UInt8) -> Bool { isASCIIAlnum(b) || b == 95 }
