/// A problem reading input, with where it happened and what to do about it.
public struct IngestError: Error, CustomStringConvertible, Sendable {
    public enum Reason: Sendable, Equatable {
        case noSuchInput
        case unreadable(String)
        case notAFile
        case noInputFiles
        case corruptStream(String)
        case truncatedStream(String)
    }

    public let file: String
    public let line: Int?
    public let reason: Reason

    public init(file: String, line: Int? = nil, reason: Reason) {
        self.file = file
        self.line = line
        self.reason = reason
    }

    public var description: String {
        let place = line.map { "\(file):\($0)" } ?? file
        switch reason {
        case .noSuchInput: return "\(place): no such file or directory (check the path, or pass - for standard input)"
        case .unreadable(let why): return "\(place): cannot read: \(why)"
        case .notAFile: return "\(place): not a regular file or directory"
        case .noInputFiles: return "\(place): matched no log files (*.jsonl, *.json, *.ndjson, *.log, optionally .gz or .zst)"
        case .corruptStream(let why): return "\(place): corrupt compressed stream: \(why)"
        case .truncatedStream(let what): return "\(place): \(what) stream ends early (truncated file?)"
        }
    }
}
