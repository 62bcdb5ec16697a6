import TrawlFeatures

/// What a rule is evaluated on.
public enum RuleScope: String, Sendable, Codable, CaseIterable {
    /// One account's features for one day.
    case account
    /// A linked cluster of accounts (loaded and linted; not evaluated by `RuleSet.assess`).
    case cluster
}

/// One detection rule: a compiled condition, a log-odds weight and how to explain it.
public struct Rule: Sendable {
    /// Unique id, `[a-z0-9_.-]+`, e.g. `pool.many_networks`.
    public let id: String
    /// One line for analysts, e.g. "Used from many networks in one day".
    public let title: String
    /// Longer text for analysts; empty when the file gives none.
    public let description: String
    /// What the rule is evaluated on; only `.account` rules are evaluated by `RuleSet.assess`.
    public let scope: RuleScope
    /// Log-odds added to the score when the rule fires; negative weights exonerate.
    public internal(set) var weight: Double
    /// Free-form labels (`pooling`, `exonerating`, ...), copied into each `RuleHit`.
    public let tags: [String]
    /// Papers, policies or write-ups the rule is based on.
    public let references: [String]
    /// The `when` condition; always a flag expression.
    public let condition: RuleExpression
    /// The `explain` template as written, or `nil` when the file gives none.
    public let explainTemplate: String?
    /// The file the rule was loaded from and the 1-based position of its mapping.
    public let file: String
    public let line: Int
    public let column: Int

    let explanation: ExplanationTemplate
    /// Positions of the `id`, `weight` and `when` values, for warnings.
    let marks: Marks

    struct Marks: Sendable {
        var id: (line: Int, column: Int)
        var weight: (line: Int, column: Int)
        var when: (line: Int, column: Int)
    }

    /// Names of the features the condition reads.
    public var features: [String] { condition.features }

    /// Builds a rule from its parts, compiling `when` and `explain`.
    ///
    /// For rules made in code; rule files go through `RuleSet.load`.
    /// - Throws: `RuleError` in file `<rule ID>` (line and column inside `when` or `explain`)
    ///   when `when` or `explain` does not compile or `when` is not a flag.
    public init(
        id: String, title: String, description: String = "", scope: RuleScope = .account, when: String,
        weight: Double, tags: [String] = [], explain: String? = nil, references: [String] = []
    ) throws(RuleError) {
        let file = "<rule \(id)>"
        let condition: RuleExpression
        do {
            condition = try RuleDecoding.condition(when)
        } catch {
            let text = SourceText(when)
            let (line, column) = text.position(of: min(error.offset, text.scalars.count))
            throw RuleError(
                file: file, line: line, column: column, reason: error.reason,
                excerpt: ExpressionLexer(when).slice(error.offset, error.offset + error.length), ruleID: id,
                sourceLine: text.line(line))
        }
        let template: ExplanationTemplate
        do {
            template = try explain.map(ExplanationTemplate.compile) ?? .listing(condition.features)
        } catch {
            let text = SourceText(explain ?? "")
            let (line, column) = text.position(of: min(error.offset, text.scalars.count))
            throw RuleError(
                file: file, line: line, column: column, reason: error.reason,
                excerpt: ExpressionLexer(explain ?? "").slice(error.offset, error.offset + error.length), ruleID: id,
                sourceLine: text.line(line))
        }
        if let wrong = RuleDecoding.wrongScope(condition.features + template.features, scope: scope) {
            throw RuleError(file: file, line: 1, column: 1, reason: wrong.reason, excerpt: wrong.feature, ruleID: id)
        }
        self.init(
            id: id, title: title, description: description, scope: scope, weight: weight, tags: tags,
            references: references, condition: condition, explainTemplate: explain, file: file, line: 1, column: 1,
            explanation: template, marks: Marks(id: (1, 1), weight: (1, 1), when: (1, 1)))
    }

    init(
        id: String, title: String, description: String, scope: RuleScope, weight: Double, tags: [String],
        references: [String], condition: RuleExpression, explainTemplate: String?, file: String, line: Int,
        column: Int, explanation: ExplanationTemplate, marks: Marks
    ) {
        self.id = id
        self.title = title
        self.description = description
        self.scope = scope
        self.weight = weight
        self.tags = tags
        self.references = references
        self.condition = condition
        self.explainTemplate = explainTemplate
        self.file = file
        self.line = line
        self.column = column
        self.explanation = explanation
        self.marks = marks
    }

    /// Whether the rule fires: its condition is true (not false, not unknown).
    /// - Complexity: O(size of the condition).
    public func fires(on features: FeatureVector) -> Bool {
        condition.truth(features) == true
    }

    /// The explanation template filled with an account's values (`unknown` for missing ones).
    public func explain(_ features: FeatureVector) -> String {
        explanation.render(features)
    }

    /// The hit for an account, or `nil` when the rule does not fire.
    public func hit(on features: FeatureVector) -> RuleHit? {
        fires(on: features) ? firedHit(on: features) : nil
    }

    /// The hit for an account the rule is known to fire on (the condition is not evaluated again).
    func firedHit(on features: FeatureVector) -> RuleHit {
        var values: [String: FeatureValue] = [:]
        for (name, index) in zip(condition.features, condition.featureIndexes) {
            if let value = features[index] { values[name] = value }
        }
        return RuleHit(
            ruleID: id, title: title, weight: weight, tags: tags, explanation: explain(features), values: values)
    }
}

/// Compile steps shared by the file decoder and `Rule.init`.
enum RuleDecoding {
    /// The first feature of `features` whose scope is not the rule's, with the error reason.
    static func wrongScope(_ features: [String], scope: RuleScope) -> (feature: String, reason: RuleError.Reason)? {
        for name in features {
            guard let definition = FeatureCatalog.definition(name), definition.scope.rawValue != scope.rawValue else { continue }
            return (name, .wrongScope(feature: name, featureScope: definition.scope.rawValue, ruleScope: scope.rawValue))
        }
        return nil
    }

    /// The offset in Unicode scalars of the first whole-word `name` in `source` (0 if absent).
    static func offset(of name: String, in source: String) -> Int {
        let text = Array(source.unicodeScalars), word = Array(name.unicodeScalars)
        func isWordScalar(_ c: Unicode.Scalar) -> Bool { c == "_" || c.properties.isAlphabetic || ("0"..."9").contains(c) }
        guard !word.isEmpty, text.count >= word.count else { return 0 }
        for start in 0...(text.count - word.count) where Array(text[start..<(start + word.count)]) == word {
            let before = start == 0 || !isWordScalar(text[start - 1])
            let after = start + word.count == text.count || !isWordScalar(text[start + word.count])
            if before && after { return start }
        }
        return 0
    }

    /// Compiles a `when` condition and checks that it is a flag.
    static func condition(_ source: String) throws(ExpressionFailure) -> RuleExpression {
        let expression = try RuleExpression.compile(source)
        guard expression.kind == .flag else {
            let kind = expression.kind == .number ? "a number" : "text"
            let scalars = source.unicodeScalars
            let leading = scalars.prefix { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }.count
            throw ExpressionFailure(
                offset: leading, length: scalars.count - leading,
                reason: .typeMismatch("the condition is \(kind); `when` must be true or false"))
        }
        return expression
    }
}
