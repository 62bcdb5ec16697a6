import Yams

/// Reads one YAML rule file strictly, through Yams' node API, into rules and scoring.
///
/// A file is a rule file when its top-level mapping has the key `rules` or `scoring`;
/// those are then the only keys allowed. Every rule key is checked: unknown keys,
/// missing required keys (`id`, `title`, `when`, `weight`), wrong types and bad values
/// are errors at the offending node. Errors are collected, not thrown, so a linter can
/// report them all; a rule with any error is left out.
struct RuleFileDecoder {
    static let topLevelKeys = ["rules", "scoring"]
    static let ruleKeys = ["id", "title", "description", "scope", "when", "weight", "tags", "explain", "references"]
    static let requiredRuleKeys = ["id", "title", "when", "weight"]
    static let scoringKeys = ["bias", "threshold"]

    struct Output {
        /// Whether the file is a rule file (or could not be parsed, so may be one).
        var isRuleFile = false
        var rules: [Rule] = []
        var scoring: ScoringParameters?
        var scoringPosition = (line: 0, column: 0)
    }

    let file: String
    let text: String
    let source: SourceText
    private(set) var errors: [RuleError] = []

    init(file: String, text: String) {
        self.file = file
        self.text = text
        self.source = SourceText(text)
    }

    // MARK: - Errors

    private mutating func fail(
        at position: (line: Int, column: Int), _ reason: RuleError.Reason, excerpt: String = "", ruleID: String? = nil
    ) {
        errors.append(
            RuleError(
                file: file, line: position.line, column: position.column, reason: reason, excerpt: excerpt,
                ruleID: ruleID, sourceLine: source.line(position.line)))
    }

    private mutating func fail(
        _ node: Node, _ reason: RuleError.Reason, excerpt: String? = nil, ruleID: String? = nil
    ) {
        fail(at: position(node), reason, excerpt: excerpt ?? node.scalar?.string ?? "", ruleID: ruleID)
    }

    private func position(_ node: Node) -> (line: Int, column: Int) {
        node.mark.map { ($0.line, $0.column) } ?? (1, 1)
    }

    /// The resolved tag of a node (`str`, `int`, `null`, ...).
    private func tagName(_ node: Node) -> Tag.Name {
        Tag.Name(rawValue: node.tag.rawValue)
    }

    /// What a node is, for "found ..." in messages.
    private func describe(_ node: Node) -> String {
        switch node {
        case .scalar(let s):
            let shown = s.string.count > 40 ? String(s.string.prefix(37)) + "..." : s.string
            switch tagName(node) {
            case .null: return "nothing (null)"
            case .int, .float: return "a number `\(shown)`"
            case .bool: return "a flag `\(shown)`"
            default: return "text `\(shown)`"
            }
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }

    // MARK: - Typed values

    /// The text of a non-null scalar, or an error.
    private mutating func text(_ node: Node, key: String, ruleID: String?) -> String? {
        guard case .scalar(let s) = node, tagName(node) != .null else {
            fail(node, .wrongType(key: key, expected: "text", found: describe(node)), excerpt: "", ruleID: ruleID)
            return nil
        }
        return s.string
    }

    /// A finite number from an int or float scalar, or an error.
    private mutating func number(_ node: Node, key: String, ruleID: String?) -> Double? {
        guard case .scalar = node, tagName(node) == .int || tagName(node) == .float, let value = node.float else {
            fail(node, .wrongType(key: key, expected: "a number", found: describe(node)), ruleID: ruleID)
            return nil
        }
        guard value.isFinite else {
            fail(node, .invalidValue(key: key, problem: "must be a finite number"), ruleID: ruleID)
            return nil
        }
        return value
    }

    /// A list of non-empty texts, or an error.
    private mutating func texts(_ node: Node, key: String, ruleID: String?) -> [String]? {
        guard case .sequence(let items) = node else {
            fail(node, .wrongType(key: key, expected: "a list of text", found: describe(node)), ruleID: ruleID)
            return nil
        }
        var result: [String] = []
        var ok = true
        for item in items {
            guard let value = text(item, key: key, ruleID: ruleID) else {
                ok = false
                continue
            }
            if value.isEmpty {
                fail(item, .invalidValue(key: key, problem: "empty text"), ruleID: ruleID)
                ok = false
            }
            result.append(value)
        }
        return ok ? result : nil
    }

    /// The key/value pairs of a mapping with scalar keys from `allowed`; reports the others.
    private mutating func fields(
        _ mapping: Node.Mapping, allowed: [String], ruleID: String?
    ) -> [String: (key: Node, value: Node)] {
        var result: [String: (key: Node, value: Node)] = [:]
        for (key, value) in mapping {
            guard case .scalar(let k) = key, tagName(key) != .null else {
                fail(key, .wrongType(key: "key", expected: "a key name", found: describe(key)), ruleID: ruleID)
                continue
            }
            guard allowed.contains(k.string) else {
                fail(key, .unknownKey(k.string, suggestion: closestName(to: k.string, among: allowed)), ruleID: ruleID)
                continue
            }
            result[k.string] = (key, value)
        }
        return result
    }

    // MARK: - File

    /// Decodes the file.
    ///
    /// With `requireRuleFile`, a file that is not a rule file is an error; otherwise it
    /// is skipped quietly (data files such as `plans.yaml` live beside the rules).
    mutating func decode(requireRuleFile: Bool) -> Output {
        var output = Output()
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            output.isRuleFile = true
            errors.append(yamlError(error))
            return output
        }
        guard let root, case .mapping(let top) = root,
            top.keys.contains(where: { Self.topLevelKeys.contains($0.scalar?.string ?? "") })
        else {
            if requireRuleFile {
                fail(at: (1, 1), .unreadable("not a rule file: no top-level `rules` or `scoring` key"))
            }
            return output
        }
        output.isRuleFile = true
        let sections = fields(top, allowed: Self.topLevelKeys, ruleID: nil)
        if let (key, value) = sections["scoring"] {
            output.scoring = scoring(value)
            output.scoringPosition = position(key)
        }
        if let (_, value) = sections["rules"] {
            guard case .sequence(let items) = value else {
                fail(value, .wrongType(key: "rules", expected: "a list of rules", found: describe(value)))
                return output
            }
            var seen: [String: (line: Int, column: Int)] = [:]
            for (n, item) in items.enumerated() {
                if let rule = rule(item, number: n + 1, seen: &seen) { output.rules.append(rule) }
            }
        }
        return output
    }

    private mutating func scoring(_ node: Node) -> ScoringParameters? {
        guard case .mapping(let mapping) = node else {
            fail(node, .wrongType(key: "scoring", expected: "a mapping with `bias` and `threshold`", found: describe(node)))
            return nil
        }
        let before = errors.count
        var parameters = ScoringParameters()
        let f = fields(mapping, allowed: Self.scoringKeys, ruleID: nil)
        if let (_, value) = f["bias"], let bias = number(value, key: "bias", ruleID: nil) {
            parameters.bias = bias
        }
        if let (_, value) = f["threshold"], let threshold = number(value, key: "threshold", ruleID: nil) {
            if (0...1).contains(threshold) {
                parameters.threshold = threshold
            } else {
                fail(value, .invalidValue(key: "threshold", problem: "must be between 0 and 1"))
            }
        }
        return errors.count == before ? parameters : nil
    }

    // MARK: - Rule

    private static func isValidID(_ id: String) -> Bool {
        !id.isEmpty
            && id.unicodeScalars.allSatisfy {
                ($0 >= "a" && $0 <= "z") || ($0 >= "0" && $0 <= "9") || $0 == "_" || $0 == "." || $0 == "-"
            }
    }

    private mutating func rule(_ node: Node, number: Int, seen: inout [String: (line: Int, column: Int)]) -> Rule? {
        guard case .mapping(let mapping) = node else {
            fail(node, .wrongType(key: "rules", expected: "a rule (a mapping)", found: describe(node)))
            return nil
        }
        let before = errors.count
        // Find the id first so that every other error can name the rule.
        var id: String? = nil
        if let pair = mapping.first(where: { $0.key.scalar?.string == "id" }),
            let value = text(pair.value, key: "id", ruleID: nil)
        {
            if !Self.isValidID(value) {
                fail(pair.value, .invalidValue(key: "id", problem: "`\(value)` must match [a-z0-9_.-]+"))
            } else if let first = seen[value] {
                fail(
                    pair.value, .duplicateID(value, firstAt: "\(file):\(first.line):\(first.column)"), ruleID: value)
            } else {
                seen[value] = position(pair.value)
            }
            id = value
        }
        let f = fields(mapping, allowed: Self.ruleKeys, ruleID: id)
        let context = id.map { "rule `\($0)`" } ?? "rule #\(number)"
        for key in Self.requiredRuleKeys where f[key] == nil {
            fail(node, .missingKey(key, context: context), excerpt: "", ruleID: id)
        }

        var title = ""
        if let (_, value) = f["title"], let t = text(value, key: "title", ruleID: id) {
            if t.trimmingBlanks().isEmpty {
                fail(value, .invalidValue(key: "title", problem: "must not be empty"), ruleID: id)
            }
            title = t
        }
        var description = ""
        if let (_, value) = f["description"], let d = text(value, key: "description", ruleID: id) {
            description = d
        }
        var scope = RuleScope.account
        if let (_, value) = f["scope"], let s = text(value, key: "scope", ruleID: id) {
            if let parsed = RuleScope(rawValue: s) {
                scope = parsed
            } else {
                fail(value, .invalidValue(key: "scope", problem: "`\(s)` is not `account` or `cluster`"), ruleID: id)
            }
        }
        var weight = 0.0
        if let (_, value) = f["weight"], let w = self.number(value, key: "weight", ruleID: id) {
            weight = w
        }
        var tags: [String] = []
        if let (_, value) = f["tags"], let t = texts(value, key: "tags", ruleID: id) { tags = t }
        var references: [String] = []
        if let (_, value) = f["references"], let r = texts(value, key: "references", ruleID: id) { references = r }

        var condition: RuleExpression? = nil
        if let (_, value) = f["when"], let source = text(value, key: "when", ruleID: id), case .scalar(let s) = value {
            do {
                condition = try RuleDecoding.condition(source)
            } catch {
                fail(
                    at: self.source.position(in: s, offset: error.offset), error.reason,
                    excerpt: ExpressionLexer(source).slice(error.offset, error.offset + error.length), ruleID: id)
            }
        }
        var explainTemplate: String? = nil
        var explanation: ExplanationTemplate? = nil
        if let (_, value) = f["explain"], let template = text(value, key: "explain", ruleID: id),
            case .scalar(let s) = value
        {
            explainTemplate = template
            do {
                explanation = try ExplanationTemplate.compile(template)
            } catch {
                fail(
                    at: self.source.position(in: s, offset: error.offset), error.reason,
                    excerpt: ExpressionLexer(template).slice(error.offset, error.offset + error.length), ruleID: id)
            }
        }

        // Each rule reads the features of its own scope only.
        if let condition, let (_, value) = f["when"], case .scalar(let s) = value {
            if let wrong = RuleDecoding.wrongScope(condition.features, scope: scope) {
                let offset = RuleDecoding.offset(of: wrong.feature, in: s.string)
                fail(at: self.source.position(in: s, offset: offset), wrong.reason, excerpt: wrong.feature, ruleID: id)
            }
        }
        if let explanation, let (_, value) = f["explain"], case .scalar(let s) = value {
            if let wrong = RuleDecoding.wrongScope(explanation.features, scope: scope) {
                let offset = RuleDecoding.offset(of: wrong.feature, in: s.string)
                fail(at: self.source.position(in: s, offset: offset), wrong.reason, excerpt: wrong.feature, ruleID: id)
            }
        }

        guard errors.count == before, let id, let condition else { return nil }
        let marks = Rule.Marks(
            id: f["id"].map { position($0.value) } ?? position(node),
            weight: f["weight"].map { position($0.value) } ?? position(node),
            when: f["when"].map { position($0.value) } ?? position(node))
        let (line, column) = position(node)
        return Rule(
            id: id, title: title, description: description, scope: scope, weight: weight, tags: tags,
            references: references, condition: condition, explainTemplate: explainTemplate, file: file, line: line,
            column: column, explanation: explanation ?? .listing(condition.features), marks: marks)
    }

    // MARK: - YAML errors

    /// A Yams error as a `RuleError` at the parser's position.
    private func yamlError(_ error: any Error) -> RuleError {
        var position = (line: 1, column: 1)
        var message = "\(error)"
        if let yaml = error as? YamlError {
            switch yaml {
            case .scanner(let context, let problem, let mark, _),
                .parser(let context, let problem, let mark, _),
                .composer(let context, let problem, let mark, _):
                position = (mark.line, mark.column)
                message = problem
                if let context {
                    message += " (\(context.text) at line \(context.mark.line), column \(context.mark.column))"
                }
            case .reader(let problem, let offset, _, _):
                message = problem
                if let offset { position = utf8Position(offset) }
            case .duplicatedKeysInMapping(let duplicates, let context):
                let key = duplicates.first ?? ""
                position = repeatedKey(key, after: (context.mark.line, context.mark.column))
                message = "duplicate key `\(key)` (first at line \(context.mark.line), column \(context.mark.column))"
            default:
                break
            }
        }
        return RuleError(
            file: file, line: position.line, column: position.column, reason: .yamlSyntax(message),
            sourceLine: source.line(position.line))
    }

    /// The line and column of a UTF-8 byte offset.
    private func utf8Position(_ offset: Int) -> (line: Int, column: Int) {
        var bytes = 0
        for (i, scalar) in source.scalars.enumerated() {
            if bytes >= offset { return source.position(of: i) }
            bytes += UTF8.width(scalar)
        }
        return source.position(of: source.scalars.count)
    }

    /// Where a block-mapping key written first at `first` is written again.
    ///
    /// Yams reports the first occurrence; the second is the next line with the same key
    /// at the same column before the mapping ends (a line indented less). Falls back to
    /// the first occurrence (for example in flow mappings).
    private func repeatedKey(_ key: String, after first: (line: Int, column: Int)) -> (line: Int, column: Int) {
        var lineNumber = first.line + 1
        while let line = source.line(lineNumber) {
            let scalars = Array(line.unicodeScalars)
            let indent = scalars.prefix { $0 == " " || $0 == "\t" }.count
            let blank = indent == scalars.count || scalars[indent] == "#"
            if !blank {
                if indent + 1 < first.column { break }
                if indent + 1 == first.column {
                    var rest = String.UnicodeScalarView()
                    rest.append(contentsOf: scalars[indent...])
                    let text = String(rest)
                    if text.hasPrefix(key), text.dropFirst(key.count).trimmingBlanksPrefix().hasPrefix(":") {
                        return (lineNumber, first.column)
                    }
                }
            }
            lineNumber += 1
        }
        return first
    }
}

extension Substring {
    fileprivate func trimmingBlanksPrefix() -> Substring {
        drop { $0 == " " || $0 == "\t" }
    }
}
