import TrawlFeatures

/// The loaded rules and scoring parameters: what scores accounts and explains the scores.
///
/// Load once at start-up; a `RuleSet` is an immutable value and safe to share across
/// threads. Conditions are compiled at load, so scoring never parses.
public struct RuleSet: Sendable {
    /// Every rule, account and cluster scope, in file order.
    public private(set) var rules: [Rule]
    public var scoring: ScoringParameters
    /// Indexes in `rules` of the account-scope rules.
    private var accountRuleIndexes: [Int]

    /// A rule set from rules made in code.
    public init(rules: [Rule], scoring: ScoringParameters = ScoringParameters()) {
        self.rules = rules
        self.scoring = scoring
        self.accountRuleIndexes = rules.indices.filter { rules[$0].scope == .account }
    }

    /// Loads every rule file in a folder (`*.yaml`, not recursive; files without a
    /// top-level `rules` or `scoring` key are skipped) and its optional `scoring` section.
    /// - Throws: the first `RuleError` found; `RuleLinter` reports all of them.
    public static func load(directory: String) throws(RuleError) -> RuleSet {
        try RuleSet(RuleLoader.load(directory: directory))
    }

    /// Loads the given rule files, in order; each must be a rule file.
    /// - Throws: the first `RuleError` found.
    public static func load(files: [String]) throws(RuleError) -> RuleSet {
        try RuleSet(RuleLoader.load(files: files, requireRuleFile: true))
    }

    /// Loads rule files given as text, each reported under its (virtual) file name.
    /// - Throws: the first `RuleError` found.
    public static func load(sources: [(file: String, yaml: String)]) throws(RuleError) -> RuleSet {
        try RuleSet(RuleLoader.load(sources: sources, requireRuleFile: true))
    }

    /// Loads one rule file given as text, reported under the file name `file`.
    /// - Throws: the first `RuleError` found.
    public init(yaml: String, file: String = "<yaml>") throws(RuleError) {
        self = try RuleSet.load(sources: [(file, yaml)])
    }

    private init(_ result: RuleLoadResult) throws(RuleError) {
        if let first = result.errors.first { throw first }
        self.init(rules: result.rules, scoring: result.scoring)
    }

    /// The rule with an id, if any.
    public func rule(id: String) -> Rule? {
        rules.first { $0.id == id }
    }

    /// The rules that `assess` evaluates.
    public var accountRules: [Rule] { accountRuleIndexes.map { rules[$0] } }

    /// The same rules with some weights replaced (by rule id), e.g. after recalibration.
    ///
    /// Ids not in the set are ignored.
    public func reweighted(_ weights: [String: Double]) -> RuleSet {
        var copy = self
        for i in copy.rules.indices {
            if let w = weights[copy.rules[i].id] { copy.rules[i].weight = w }
        }
        return copy
    }
}
