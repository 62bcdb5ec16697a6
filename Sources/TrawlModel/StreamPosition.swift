/// How far a live run has read one stream of log content: what a checkpoint stores per
/// followed file, so that a restarted run resumes with no line missed or read twice.
///
/// A *stream* is a file's content, named by the hash of its first bytes (the *head*, up to
/// 1 KiB). The content keeps its name when the file is renamed, copied by a rotator or
/// compressed, so the same bytes are read once whichever file they are read from; the
/// device and inode of the file last read from find it again after a restart.
public struct StreamPosition: Sendable, Equatable, Codable {
    /// The path the stream was last read from.
    public var path: String
    public var device: UInt64
    public var inode: UInt64
    /// Bytes of the head (1 to `FileHead.length`) and their stable hash.
    public var headLength: Int
    public var headHash: UInt64
    /// Bytes of content (decompressed) consumed: every line before it was counted.
    public var offset: Int64
    /// The content is read to its end and its file gone or complete (kept to recognise a
    /// rotator's copy or compressed version of it).
    public var finished: Bool
    /// When the stream was last read from (ms since the epoch), for forgetting old ones.
    public var lastRead: Timestamp

    public init(
        path: String, device: UInt64, inode: UInt64, headLength: Int, headHash: UInt64, offset: Int64, finished: Bool,
        lastRead: Timestamp
    ) {
        self.path = path
        self.device = device
        self.inode = inode
        self.headLength = headLength
        self.headHash = headHash
        self.offset = offset
        self.finished = finished
        self.lastRead = lastRead
    }
}
