import Synchronization

/// A block of memory holding whole lines, handed from the reader to a decoding worker.
public final class ChunkBuffer: @unchecked Sendable {
    public let storage: UnsafeMutableRawBufferPointer
    public var count = 0
    public var capacity: Int { storage.count }

    init(capacity: Int) { storage = .allocate(byteCount: capacity, alignment: 64) }
    deinit { storage.deallocate() }

    /// The filled part of the buffer.
    public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: storage[0..<count]) }
}

/// Reuses chunk buffers so steady-state reading allocates nothing.
public final class ChunkPool: Sendable {
    public let chunkSize: Int
    private let free = Mutex<[ChunkBuffer]>([])

    public init(chunkSize: Int) { self.chunkSize = chunkSize }

    func take() -> ChunkBuffer {
        free.withLock { $0.popLast() } ?? ChunkBuffer(capacity: chunkSize)
    }

    /// Returns a buffer for reuse (buffers grown for long lines are dropped).
    public func recycle(_ buffer: ChunkBuffer) {
        guard buffer.capacity == chunkSize else { return }
        buffer.count = 0
        free.withLock { if $0.count < 64 { $0.append(buffer) } }
    }
}

/// A run of whole lines from one input, or a marker for a line that was dropped.
public struct LineChunk: @unchecked Sendable {
    public enum Kind: Sendable { case lines, overlongLine, truncatedTail }
    public let kind: Kind
    public let fileIndex: Int
    /// Position of the chunk within its file (0, 1, 2, …); line numbers are resolved from it.
    public let sequence: Int
    public let buffer: ChunkBuffer?
}

/// Cuts a byte stream into chunks that end on a newline.
///
/// Chunks are `pool.chunkSize` bytes (the read size); a line longer than that grows the
/// buffer up to `maxLineBytes + 1`, and a longer line is skipped whole and reported as
/// one `overlongLine` chunk. A stream that fails (truncated or corrupt compression)
/// keeps every complete line before the failure; the incomplete tail comes out as a
/// `truncatedTail` chunk and the error is left in `streamError`.
public final class LineChunker {
    private let source: any ByteSource
    private let fileIndex: Int
    private let pool: ChunkPool
    private let maxLineBytes: Int
    private var carry: [UInt8] = []
    private var eof = false
    private var sequence = 0
    public private(set) var streamError: IngestError?

    public init(source: any ByteSource, fileIndex: Int, pool: ChunkPool, maxLineBytes: Int) {
        self.source = source
        self.fileIndex = fileIndex
        self.pool = pool
        self.maxLineBytes = maxLineBytes
    }

    public var bytesConsumed: Int { source.bytesConsumed }

    private func emit(_ kind: LineChunk.Kind, _ buffer: ChunkBuffer?) -> LineChunk {
        defer { sequence += 1 }
        return LineChunk(kind: kind, fileIndex: fileIndex, sequence: sequence, buffer: buffer)
    }

    /// The next chunk, or `nil` at the end of the input.
    public func next() -> LineChunk? {
        var buf = pool.take()
        if carry.count > buf.capacity { buf = ChunkBuffer(capacity: max(carry.count * 2, pool.chunkSize)) }
        carry.withUnsafeBytes { buf.storage.copyMemory(from: $0) }
        buf.count = carry.count
        carry.removeAll(keepingCapacity: true)
        while true {
            fill(buf)
            if let nl = lastNewline(buf) {
                let tail = buf.count - (nl + 1)
                if tail > 0 { carry.append(contentsOf: UnsafeRawBufferPointer(rebasing: buf.storage[(nl + 1)..<buf.count])) }
                buf.count = nl + 1
                return emit(.lines, buf)
            }
            if eof {
                if buf.count == 0 {
                    pool.recycle(buf)
                    return nil
                }
                if streamError != nil {
                    pool.recycle(buf)
                    return emit(.truncatedTail, nil)
                }
                return emit(.lines, buf)  // last line without a newline
            }
            // Buffer full and no newline: grow up to the line limit, else skip the line.
            if buf.capacity < maxLineBytes + 1 {
                let bigger = ChunkBuffer(capacity: min(max(buf.capacity * 2, 1 << 16), maxLineBytes + 1))
                bigger.storage.copyMemory(from: buf.bytes)
                bigger.count = buf.count
                pool.recycle(buf)
                buf = bigger
                continue
            }
            pool.recycle(buf)
            skipPastNewline()
            return emit(.overlongLine, nil)
        }
    }

    private func fill(_ buf: ChunkBuffer) {
        while !eof && buf.count < buf.capacity {
            do {
                let n = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: buf.storage[buf.count...]))
                if n == 0 { eof = true } else { buf.count += n }
            } catch let e as IngestError {
                streamError = e
                eof = true
            } catch {
                streamError = IngestError(file: "?", reason: .unreadable("\(error)"))
                eof = true
            }
        }
    }

    private func lastNewline(_ buf: ChunkBuffer) -> Int? {
        let p = buf.storage.baseAddress!.assumingMemoryBound(to: UInt8.self)
        var i = buf.count - 1
        while i >= 0 {
            if p[i] == 0x0A { return i }
            i -= 1
        }
        return nil
    }

    /// Discards input up to and including the next newline; what follows becomes `carry`.
    private func skipPastNewline() {
        let scratch = pool.take()
        defer { pool.recycle(scratch) }
        while true {
            scratch.count = 0
            fill(scratch)
            let p = scratch.storage.baseAddress!.assumingMemoryBound(to: UInt8.self)
            for i in 0..<scratch.count where p[i] == 0x0A {
                carry.append(contentsOf: UnsafeRawBufferPointer(rebasing: scratch.storage[(i + 1)..<scratch.count]))
                return
            }
            if eof { return }
        }
    }
}
