/// A problem reading a phrase lexicon file, with where it happened and what to do about it.
///
/// Prompt text itself never causes an error: any bytes normalise to some skeleton.
public struct PromptError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Reason: Sendable, Equatable {
        /// No file at the path.
        case noSuchFile
        /// The file exists but cannot be read as UTF-8 text.
        case unreadable(String)
        /// The file is not valid YAML or does not follow the lexicon format (at `line`:`column`).
        case invalidLexicon(String)
    }

    /// The lexicon file (or the name given to `parse`).
    public let file: String
    /// 1-based line and column, where known.
    public let line: Int?
    public let column: Int?
    public let reason: Reason

    public init(file: String, line: Int? = nil, column: Int? = nil, reason: Reason) {
        self.file = file
        self.line = line
        self.column = column
        self.reason = reason
    }

    public var description: String {
        var place = file
        if let line { place += ":\(line)" }
        if let column { place += ":\(column)" }
        switch reason {
        case .noSuchFile: return "\(place): no such file (check the path)"
        case .unreadable(let why): return "\(place): cannot read: \(why)"
        case .invalidLexicon(let why): return "\(place): \(why)"
        }
    }
}
