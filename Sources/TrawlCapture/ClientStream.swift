/// Reassembles the start of one connection's client-to-server byte stream, as far as
/// `ClientStreamParser` needs it, from TCP segments that may arrive split, out of order,
/// retransmitted or overlapping.
///
/// Stream offsets count from the first byte after the client's SYN (or from the first
/// data segment seen when the SYN was not captured). Bytes are buffered only while the
/// parser waits for them and only within `limit` bytes of the parser's cursor; when a
/// segment overlaps bytes already held, the bytes that arrived first win (a deterministic
/// rule: a retransmission never rewrites what was read). Once the parser is done, the
/// buffer is released and later segments cost nothing.
///
/// The common case, a ClientHello in one in-order segment, is parsed straight from the
/// packet without copying.
struct ClientStream {
    /// Bytes buffered at most per flow (the parser's cursor to the furthest byte kept).
    static let limit = 65_536
    /// Disjoint out-of-order pieces held at most; a segment that would make more is dropped.
    static let maxPieces = 32

    var parser = ClientStreamParser()
    /// Stream offset of the next byte the parser wants; everything before is used up.
    private(set) var cursor = 0
    /// Bytes for offsets `cursor ..< cursor + window.count`, valid where `pieces` say.
    private var window: [UInt8] = []
    /// Received ranges inside the window (absolute stream offsets), sorted and disjoint.
    private var pieces: [Range<Int>] = []
    /// Contiguous bytes the parser last asked for: no use driving it with fewer.
    private var needed = 0

    var isDone: Bool { parser.isFinished }
    /// Bytes currently held (for tests and memory accounting).
    var bufferedBytes: Int { window.count }

    /// Adds the captured bytes of one segment that starts at stream offset `offset`.
    mutating func insert(_ bytes: UnsafeRawBufferPointer, at offset: Int) {
        guard !parser.isFinished, !bytes.isEmpty else { return }
        let start = max(offset, cursor)
        let end = min(offset + bytes.count, cursor + Self.limit)
        guard start < end else { return }
        if pieces.isEmpty && start == cursor {
            // Fast path: in order with nothing held; parse from the packet itself.
            let view = UnsafeRawBufferPointer(rebasing: bytes[(start - offset)..<(end - offset)])
            let used = drive(view)
            if parser.isFinished {
                release()
            } else if used < view.count && cursor == start + used {
                window.append(contentsOf: UnsafeRawBufferPointer(rebasing: view[used...]))
                pieces = [cursor..<(cursor + window.count)]
            }
            return
        }
        store(bytes, offset: offset, start: start, end: end)
        guard let first = pieces.first, first.lowerBound == cursor, first.count >= needed else { return }
        let oldCursor = cursor
        _ = window.withUnsafeBytes { drive(UnsafeRawBufferPointer(rebasing: $0[0..<first.count])) }
        dropConsumed(oldCursor: oldCursor)
    }

    /// Copies the parts of `[start, end)` not held yet into the window (first arrival wins).
    private mutating func store(_ bytes: UnsafeRawBufferPointer, offset: Int, start: Int, end: Int) {
        if window.count < end - cursor { window.append(contentsOf: repeatElement(0, count: end - cursor - window.count)) }
        var gaps: [Range<Int>] = []
        var at = start
        for piece in pieces where piece.upperBound > at && piece.lowerBound < end {
            if piece.lowerBound > at { gaps.append(at..<piece.lowerBound) }
            at = max(at, piece.upperBound)
        }
        if at < end { gaps.append(at..<end) }
        if gaps.isEmpty { return }
        var merged = pieces + gaps
        merged.sort { $0.lowerBound < $1.lowerBound }
        var joined: [Range<Int>] = []
        for r in merged {
            if let last = joined.last, last.upperBound >= r.lowerBound {
                joined[joined.count - 1] = last.lowerBound..<max(last.upperBound, r.upperBound)
            } else {
                joined.append(r)
            }
        }
        guard joined.count <= Self.maxPieces else { return }
        window.withUnsafeMutableBytes { w in
            for gap in gaps {
                let source = UnsafeRawBufferPointer(rebasing: bytes[(gap.lowerBound - offset)..<(gap.upperBound - offset)])
                UnsafeMutableRawBufferPointer(rebasing: w[(gap.lowerBound - cursor)...]).copyMemory(from: source)
            }
        }
        pieces = joined
    }

    /// Runs the parser over contiguous bytes at the cursor; returns how many it used
    /// (the cursor may move further, past the bytes, when the parser skips).
    private mutating func drive(_ view: UnsafeRawBufferPointer) -> Int {
        var used = 0
        needed = 0
        while true {
            let step = parser.step(UnsafeRawBufferPointer(rebasing: view[used...]))
            switch step {
            case .consume(let n):
                used += n
                cursor += n
            case .skip(let n):
                let here = min(n, view.count - used)
                used += here
                cursor += n
                if here < n { return used }
            case .need(let n):
                needed = n
                if n > Self.limit {
                    _ = parser.finish(parser.hellos.isEmpty && parser.http == nil ? .clientStreamTooLarge : nil)
                }
                return used
            case .done:
                return used
            }
        }
    }

    /// After a drive over the window: drop the used bytes and the pieces before the cursor.
    private mutating func dropConsumed(oldCursor: Int) {
        if parser.isFinished {
            release()
            return
        }
        let drop = min(cursor - oldCursor, window.count)
        window.removeFirst(drop)
        if cursor - oldCursor > drop { window.removeAll(keepingCapacity: true) }
        pieces = pieces.compactMap { r in
            let lower = max(r.lowerBound, cursor)
            return lower < r.upperBound ? lower..<r.upperBound : nil
        }
        if pieces.isEmpty { window.removeAll(keepingCapacity: window.count <= 4096) }
    }

    private mutating func release() {
        window = []
        pieces = []
    }
}
