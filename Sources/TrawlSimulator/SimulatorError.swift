/// Why a world could not be written or a labels file could not be read.
public struct SimulatorError: Error, CustomStringConvertible, Sendable {
    public enum Reason: Sendable, Equatable {
        /// A `WorldSpec` field is out of range.
        case invalidSpec(String)
        /// A file or folder could not be created or written (`errno` text).
        case io(String)
        /// A labels line is not the expected JSON object.
        case malformedLabel(String)
    }

    /// The file concerned (empty for spec errors).
    public let path: String
    /// 1-based line for `malformedLabel`, 0 otherwise.
    public let line: Int
    public let reason: Reason

    public init(path: String = "", line: Int = 0, reason: Reason) {
        self.path = path
        self.line = line
        self.reason = reason
    }

    public var description: String {
        let location = path.isEmpty ? "" : line > 0 ? "\(path):\(line): " : "\(path): "
        switch reason {
        case .invalidSpec(let why): return "\(location)invalid world spec: \(why)"
        case .io(let why): return "\(location)I/O error: \(why)"
        case .malformedLabel(let why): return "\(location)malformed label: \(why)"
        }
    }
}
