import CISAL
import CZstd

#if canImport(Glibc)
    import Glibc
#endif

/// A stream of decompressed bytes from one input.
public protocol ByteSource: AnyObject {
    /// Reads up to `buffer.count` bytes; returns 0 at the end of the stream.
    /// - Throws: `IngestError` for I/O errors and corrupt or truncated streams.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
    /// Compressed (on-disk) bytes consumed so far, for progress.
    var bytesConsumed: Int { get }
}

/// How an input is compressed, detected from its first bytes (not its name).
public enum Compression: String, Sendable {
    case none, gzip, zstd

    static func detect(_ head: UnsafeRawBufferPointer) -> Compression {
        if head.count >= 2 && head[0] == 0x1F && head[1] == 0x8B { return .gzip }
        if head.count >= 4 && head[0] == 0x28 && head[1] == 0xB5 && head[2] == 0x2F && head[3] == 0xFD { return .zstd }
        // A skippable frame (magic 0x184D2A50-5F, little-endian) can open a zstd file (pzstd writes one).
        if head.count >= 4 && head[0] & 0xF0 == 0x50 && head[1] == 0x2A && head[2] == 0x4D && head[3] == 0x18 { return .zstd }
        return .none
    }
}

/// Opens a file (or standard input for `-`) as a byte source, decompressing gzip or zstd.
///
/// - Parameter tap: Called with every block of raw (on-disk, still compressed) bytes as it
///   is read, in order, each byte once: what the source files' digests are computed from
///   without a second read. It runs on the reading thread, before decompression.
public func openByteSource(_ input: InputFile, tap: ((UnsafeRawBufferPointer) -> Void)? = nil) throws -> any ByteSource {
    let fd: Int32
    if input.isStandardInput {
        fd = 0
    } else {
        fd = open(input.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let err = errno
            throw IngestError(file: input.path, reason: err == ENOENT ? .noSuchInput : .unreadable(String(cString: strerror(err))))
        }
        posix_fadvise(fd, 0, 0, Int32(POSIX_FADV_SEQUENTIAL))
    }
    let raw = FileDescriptorSource(fd: fd, path: input.path, owned: !input.isStandardInput)
    raw.tap = tap
    let head = try raw.peek(4)
    switch head.withUnsafeBytes({ Compression.detect($0) }) {
    case .none: return raw
    case .gzip: return GzipSource(raw)
    case .zstd: return try ZstdSource(raw)
    }
}

/// Unbuffered reads from a file descriptor, with a small look-ahead for magic bytes.
final class FileDescriptorSource: ByteSource {
    let fd: Int32
    let path: String
    let owned: Bool
    /// Sees every block read from the descriptor (see `openByteSource(_:tap:)`).
    var tap: ((UnsafeRawBufferPointer) -> Void)?
    private var pending: [UInt8] = []
    private(set) var bytesConsumed = 0

    init(fd: Int32, path: String, owned: Bool) {
        self.fd = fd
        self.path = path
        self.owned = owned
    }

    deinit { if owned { close(fd) } }

    /// Reads ahead `n` bytes (fewer at end of file) without consuming them.
    func peek(_ n: Int) throws -> [UInt8] {
        var buf = [UInt8](repeating: 0, count: n)
        var got = 0
        while got < n {
            let r = try buf.withUnsafeMutableBytes { try readRaw(UnsafeMutableRawBufferPointer(rebasing: $0[got...])) }
            if r == 0 { break }
            got += r
        }
        pending = Array(buf[0..<got])
        return pending
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if !pending.isEmpty {
            let n = min(pending.count, buffer.count)
            pending.withUnsafeBytes { buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            pending.removeFirst(n)
            bytesConsumed += n
            return n
        }
        let r = try readRaw(buffer)
        bytesConsumed += r
        return r
    }

    private func readRaw(_ buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while true {
            let r = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if r >= 0 {
                if r > 0, let tap { tap(UnsafeRawBufferPointer(rebasing: buffer[0..<r])) }
                return r
            }
            if errno == EINTR { continue }
            throw IngestError(file: path, reason: .unreadable(String(cString: strerror(errno))))
        }
    }
}

/// gzip through ISA-L's igzip inflater (several times zlib's speed on x86-64),
/// including multi-member files (concatenated gzip streams).
final class GzipSource: ByteSource {
    private let raw: FileDescriptorSource
    private var state = inflate_state()
    private let input: UnsafeMutableRawBufferPointer
    private var inputEnd = false
    private var memberDone = false
    /// An error found after some output was produced: thrown by the next `read`.
    private var pendingError: IngestError?

    init(_ raw: FileDescriptorSource) {
        self.raw = raw
        input = .allocate(byteCount: 1 << 20, alignment: 64)
        isal_inflate_init(&state)
        state.crc_flag = UInt32(ISAL_GZIP)
        state.avail_in = 0
    }

    deinit { input.deallocate() }

    var bytesConsumed: Int { raw.bytesConsumed - Int(state.avail_in) }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if let e = pendingError { throw e }
        while true {
            if state.avail_in == 0 && !inputEnd {
                let n = try raw.read(into: input)
                if n == 0 {
                    inputEnd = true
                } else {
                    state.next_in = input.baseAddress!.assumingMemoryBound(to: UInt8.self)
                    state.avail_in = UInt32(n)
                }
            }
            if memberDone {
                // A finished member: another may follow (multi-member gzip), or the file ends.
                if state.avail_in == 0 {
                    if inputEnd { return 0 }
                    continue
                }
                let next = state.next_in
                let avail = state.avail_in
                isal_inflate_reset(&state)
                state.crc_flag = UInt32(ISAL_GZIP)
                state.next_in = next
                state.avail_in = avail
                memberDone = false
            }
            state.next_out = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
            state.avail_out = UInt32(min(buffer.count, Int(UInt32.max)))
            // At the end of the input, inflate once more: it may still hold output.
            let rc = isal_inflate(&state)
            let produced = buffer.count - Int(state.avail_out)
            if rc < 0 {
                let e = IngestError(file: raw.path, reason: .corruptStream("gzip error \(rc)"))
                if produced > 0 {
                    pendingError = e
                    return produced  // every byte before the damage is kept
                }
                throw e
            }
            if state.block_state == ISAL_BLOCK_FINISH { memberDone = true }
            if produced > 0 { return produced }
            if state.avail_in == 0 && inputEnd && !memberDone {
                throw IngestError(file: raw.path, reason: .truncatedStream("gzip"))
            }
        }
    }
}

/// zstd through libzstd's streaming decompressor (multi-frame files included).
final class ZstdSource: ByteSource {
    private let raw: FileDescriptorSource
    private let dctx: OpaquePointer
    private let input: UnsafeMutableRawBufferPointer
    private var inBuf = ZSTD_inBuffer(src: nil, size: 0, pos: 0)
    private var inputEnd = false
    private var frameOpen = false
    private var pendingError: IngestError?

    init(_ raw: FileDescriptorSource) throws {
        self.raw = raw
        guard let d = ZSTD_createDCtx() else { throw IngestError(file: raw.path, reason: .unreadable("out of memory")) }
        dctx = d
        input = .allocate(byteCount: ZSTD_DStreamInSize(), alignment: 64)
    }

    deinit {
        ZSTD_freeDCtx(dctx)
        input.deallocate()
    }

    var bytesConsumed: Int { raw.bytesConsumed - (inBuf.size - inBuf.pos) }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if let e = pendingError { throw e }
        while true {
            if inBuf.pos == inBuf.size && !inputEnd {
                let n = try raw.read(into: input)
                if n == 0 { inputEnd = true } else { inBuf = ZSTD_inBuffer(src: input.baseAddress, size: n, pos: 0) }
            }
            if inBuf.pos == inBuf.size && inputEnd {
                if frameOpen { throw IngestError(file: raw.path, reason: .truncatedStream("zstd")) }
                return 0
            }
            var out = ZSTD_outBuffer(dst: buffer.baseAddress, size: buffer.count, pos: 0)
            let rc = ZSTD_decompressStream(dctx, &out, &inBuf)
            if ZSTD_isError(rc) != 0 {
                let e = IngestError(file: raw.path, reason: .corruptStream(String(cString: ZSTD_getErrorName(rc))))
                if out.pos > 0 {
                    pendingError = e
                    return out.pos
                }
                throw e
            }
            frameOpen = rc != 0
            if out.pos > 0 { return out.pos }
        }
    }
}
