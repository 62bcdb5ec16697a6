import TrawlModel

#if canImport(Glibc)
    import Glibc
#endif

/// The first bytes of a file's (decompressed) content and their hash: what names a stream
/// of log content across renames, copies and compression (see `StreamPosition`).
public struct FileHead: Sendable, Equatable {
    /// Heads are this long once the file is (1 KiB: a few log lines, unique by their times
    /// and request ids).
    public static let length = 1024

    public var bytes: [UInt8]

    public init(_ bytes: some Collection<UInt8>) { self.bytes = Array(bytes.prefix(Self.length)) }

    public var hash: UInt64 { Self.hash(bytes[...]) }

    public var isComplete: Bool { bytes.count == Self.length }

    /// The stable hash of a head's bytes.
    public static func hash(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        bytes.withUnsafeBytes { stableHash($0) }
    }

    /// Whether this head starts with the head a stream was named by (`length` bytes hashing
    /// to `hash`): the file holds that stream's content, perhaps more of it.
    public func continues(headLength: Int, headHash: UInt64) -> Bool {
        headLength > 0 && headLength <= bytes.count && Self.hash(bytes[..<headLength]) == headHash
    }
}

/// Device, inode and size of an open file or a path.
struct FileStatus: Equatable {
    var device: UInt64
    var inode: UInt64
    var size: Int64
    var modified: Int64

    init(_ st: stat) {
        device = UInt64(st.st_dev)
        inode = UInt64(st.st_ino)
        size = Int64(st.st_size)
        modified = Int64(st.st_mtim.tv_sec) * 1000 + Int64(st.st_mtim.tv_nsec) / 1_000_000
    }

    static func of(fd: Int32) -> FileStatus? {
        var st = stat()
        return fstat(fd, &st) == 0 ? FileStatus(st) : nil
    }

    /// The status of a regular file at `path` (following links); `nil` when missing or not a file.
    static func of(path: String) -> FileStatus? {
        var st = stat()
        guard stat(path, &st) == 0, st.st_mode & S_IFMT == S_IFREG else { return nil }
        return FileStatus(st)
    }

    func sameFile(_ o: FileStatus) -> Bool { device == o.device && inode == o.inode }
}
