/// One finding of `RuleLinter`: an error that stops loading, or a warning about a rule
/// that loads but is probably not what its author meant.
public struct RuleDiagnostic: Sendable, Equatable, CustomStringConvertible {
    /// An error stops loading; a warning does not.
    public enum Severity: String, Sendable, Codable {
        case error, warning
    }

    public let severity: Severity
    public let file: String
    /// 1-based line and column; 0 when the finding is about a whole file.
    public let line: Int
    public let column: Int
    public let message: String
    public let ruleID: String?

    public init(severity: Severity, file: String, line: Int, column: Int, message: String, ruleID: String? = nil) {
        self.severity = severity
        self.file = file
        self.line = line
        self.column = column
        self.message = message
        self.ruleID = ruleID
    }

    /// The error as a diagnostic.
    public init(_ error: RuleError) {
        self.init(
            severity: .error, file: error.file, line: error.line, column: error.column,
            message: error.reason.description, ruleID: error.ruleID)
    }

    /// `file:line:col: severity: message`.
    public var description: String {
        let place = line > 0 ? "\(file):\(line):\(column)" : file
        return "\(place): \(severity.rawValue): \(message)"
    }
}
