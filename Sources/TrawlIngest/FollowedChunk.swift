import TrawlModel

/// Whole lines read from one followed stream, with where the stream stands after them.
///
/// A chunk with no bytes only moves the position: a stream that starts past its first byte
/// (`--from end`), a compressed copy whose content was read already, a line skipped for
/// being too long, a file that is done.
public struct FollowedChunk: Sendable {
    /// The stream's number in this run.
    public var stream: Int
    /// The stream after these bytes (`offset` past them).
    public var position: StreamPosition
    /// Whole lines; the last may lack its newline when its file is done.
    public var bytes: [UInt8]
    /// Lines skipped for being longer than `FollowOptions.maxLineBytes`.
    public var overlongLines = 0

    public init(stream: Int, position: StreamPosition, bytes: [UInt8], overlongLines: Int = 0) {
        self.stream = stream
        self.position = position
        self.bytes = bytes
        self.overlongLines = overlongLines
    }
}
