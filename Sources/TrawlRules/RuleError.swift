/// An error in a rule file or a rule expression, with where it is and why.
///
/// `line` and `column` are 1-based; the column counts Unicode scalars, like the YAML
/// parser and most editors. Both are 0 when the error is about a whole file or folder
/// (for example one that cannot be read). The description is `file:line:col: message`
/// and quotes the offending text; rule files hold no account data, so nothing is hidden.
public struct RuleError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Why a rule file or expression was rejected.
    public enum Reason: Sendable, Equatable, CustomStringConvertible {
        /// The file is not valid YAML; the text is the parser's own message.
        case yamlSyntax(String)
        /// A mapping has a key the format does not define.
        case unknownKey(String, suggestion: String?)
        /// A required key is absent; `context` says where (for example "rule `pool.x`").
        case missingKey(String, context: String)
        /// A value has the wrong YAML type.
        case wrongType(key: String, expected: String, found: String)
        /// A value has the right type but is not allowed (bad id, unknown scope, out of range).
        case invalidValue(key: String, problem: String)
        /// Two rules in the same file share an id; `firstAt` is `line:col` of the first.
        case duplicateID(String, firstAt: String)
        /// An expression names a feature that is not in `FeatureCatalog`.
        case unknownFeature(String, suggestion: String?)
        /// The expression does not parse: `expected` was wanted where `found` is.
        case syntax(expected: String, found: String, note: String?)
        /// The expression parses but its operand types do not fit (a full sentence).
        case typeMismatch(String)
        /// An explanation template names a feature that is not in `FeatureCatalog`.
        case unknownPlaceholder(String, suggestion: String?)
        /// An explanation template has a `{` without its `}` or a stray `}`.
        case badTemplate(String)
        /// A file or folder cannot be read, or is not a rule file.
        case unreadable(String)
        /// An expression or template reads a feature of the other scope (a cluster feature
        /// in an account rule, or an account feature in a cluster rule).
        case wrongScope(feature: String, featureScope: String, ruleScope: String)

        public var description: String {
            switch self {
            case .yamlSyntax(let text):
                return "YAML syntax error: \(text)"
            case .unknownKey(let key, let suggestion):
                return "unknown key `\(key)`" + didYouMean(suggestion)
            case .missingKey(let key, let context):
                return "missing key `\(key)` in \(context)"
            case .wrongType(let key, let expected, let found):
                return "wrong type for `\(key)`: expected \(expected), found \(found)"
            case .invalidValue(let key, let problem):
                return "invalid `\(key)`: \(problem)"
            case .duplicateID(let id, let firstAt):
                return "duplicate rule id `\(id)` (first defined at \(firstAt))"
            case .unknownFeature(let name, let suggestion):
                return "unknown feature `\(name)`" + didYouMean(suggestion)
            case .syntax(let expected, let found, let note):
                return "syntax error: expected \(expected), found \(found)" + (note.map { " (\($0))" } ?? "")
            case .typeMismatch(let text):
                return "type error: \(text)"
            case .unknownPlaceholder(let name, let suggestion):
                return "unknown placeholder `{\(name)}` in explain" + didYouMean(suggestion)
            case .badTemplate(let text):
                return "bad explain template: \(text)"
            case .unreadable(let text):
                return text
            case .wrongScope(let feature, let featureScope, let ruleScope):
                return
                    "`\(feature)` is \(featureScope == "cluster" ? "a cluster" : "an account") feature; a rule with scope \(ruleScope) cannot read it"
                    + " (set `scope: \(featureScope)` or use \(ruleScope == "cluster" ? "a cluster_* feature" : "an account feature"))"
            }
        }

        private func didYouMean(_ suggestion: String?) -> String {
            suggestion.map { " (did you mean `\($0)`?)" } ?? ""
        }
    }

    /// The file as given to the loader, or a virtual name such as `<expression>`.
    public let file: String
    public let line: Int
    public let column: Int
    /// Why, in words a rule author can act on.
    public let reason: Reason
    /// The offending text (a token, key or value), empty when there is none.
    public let excerpt: String
    /// The id of the rule the error is in, when it is known.
    public let ruleID: String?
    /// The whole source line the error is on, for a caret display; `nil` when unknown.
    public let sourceLine: String?

    public init(
        file: String, line: Int, column: Int, reason: Reason, excerpt: String = "", ruleID: String? = nil,
        sourceLine: String? = nil
    ) {
        self.file = file
        self.line = line
        self.column = column
        self.reason = reason
        self.excerpt = excerpt
        self.ruleID = ruleID
        self.sourceLine = sourceLine
    }

    /// `file:line:col: reason`, or `file: reason` for errors about a whole file.
    public var description: String {
        line > 0 ? "\(file):\(line):\(column): \(reason)" : "\(file): \(reason)"
    }

    /// The description followed by the source line and a caret under the column.
    public var annotated: String {
        guard let sourceLine, column > 0 else { return description }
        var caret = ""
        for (i, scalar) in sourceLine.unicodeScalars.enumerated() where i < column - 1 {
            caret.unicodeScalars.append(scalar == "\t" ? "\t" : " ")
        }
        return "\(description)\n\(sourceLine)\n\(caret)^"
    }
}
