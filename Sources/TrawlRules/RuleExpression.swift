import TrawlFeatures

/// A condition or value expression over catalog features, compiled once into closures.
///
/// The language: numbers (`12`, `0.5`, `1e3`), double-quoted strings, `true`, `false`,
/// feature names from `FeatureCatalog`, `+ - * /`, unary `-`, `< <= > >= == !=`,
/// `and or not`, parentheses, `x in [a, b]`, `x not in [a, b]` and `known(feature)`.
/// Types are checked at compile time; unknown (`nil`) feature values follow Kleene
/// three-valued logic (see `ExpressionCompiler`).
public struct RuleExpression: Sendable {
    /// The text the expression was compiled from.
    public let source: String
    /// The type of the expression's value.
    public let kind: FeatureKind
    /// Names of the features the expression reads, in order of first appearance.
    public let features: [String]
    /// The expression fully parenthesised, showing how operators were grouped.
    public let canonical: String
    let featureIndexes: [Int]
    let compiled: CompiledExpression

    /// Compiles an expression.
    /// - Throws: `RuleError` in file `<expression>`, whose line and column point into `source`.
    public init(_ source: String) throws(RuleError) {
        do {
            self = try Self.compile(source)
        } catch {
            let text = SourceText(source)
            let (line, column) = text.position(of: min(error.offset, text.scalars.count))
            let lexer = ExpressionLexer(source)
            throw RuleError(
                file: "<expression>", line: line, column: column, reason: error.reason,
                excerpt: lexer.slice(error.offset, error.offset + error.length), sourceLine: text.line(line))
        }
    }

    /// Parses, type-checks and compiles; failures carry offsets into `source`.
    static func compile(_ source: String) throws(ExpressionFailure) -> RuleExpression {
        let tree = try ExpressionParser.parse(source)
        var compiler = ExpressionCompiler(source: source)
        let compiled = try compiler.compile(tree)
        return RuleExpression(source: source, tree: tree, compiled: compiled, features: compiler.features)
    }

    private init(source: String, tree: Expr, compiled: CompiledExpression, features: [String]) {
        self.source = source
        self.kind = compiled.kind
        self.features = features
        self.canonical = tree.canonical
        self.featureIndexes = features.map { FeatureCatalog.index(of: $0)! }
        self.compiled = compiled
    }

    /// The expression's value for one feature vector; `nil` when unknown.
    /// - Complexity: O(nodes), no allocation for flag and number expressions.
    public func evaluate(_ features: FeatureVector) -> FeatureValue? {
        switch compiled {
        case .number(let f): f(features).map(FeatureValue.number)
        case .flag(let f): f(features).map(FeatureValue.flag)
        case .text(let f): f(features).map(FeatureValue.text)
        }
    }

    /// The truth of a flag expression: `true`, `false`, or `nil` for unknown.
    ///
    /// Always `nil` for number and text expressions (rules only accept flags).
    /// - Complexity: O(nodes).
    public func truth(_ features: FeatureVector) -> Bool? {
        if case .flag(let f) = compiled { return f(features) }
        return nil
    }

    /// Whether the expression reads no feature, so its value is the same for every account.
    public var isConstant: Bool { features.isEmpty }
}
