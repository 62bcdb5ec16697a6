import TrawlFeatures

/// The loaded rules and scoring parameters: what scores accounts and explains the scores.
///
/// Load once at start-up; a `RuleSet` is an immutable value and safe to share across
/// threads. Conditions are compiled at load, so scoring never parses.
///
/// ## Rule files
/// A rule file is a `*.yaml` file in the rules folder (not recursive) whose top-level
/// mapping has the key `rules` (or `scoring`); other YAML files there, such as
/// `plans.yaml`, are data for other stages and are skipped. Files load in name order.
///
/// ```yaml
/// scoring: {bias: -4.0, threshold: 0.5}   # optional, in one file only (scoring.yaml)
/// rules:
///   - id: pool.many_networks              # required, unique, [a-z0-9_.-]+
///     title: Used from many networks      # required
///     description: ...                    # optional (lint warns when absent)
///     scope: account                      # optional: account (default) | cluster
///     when: distinct_networks >= 8        # required: a flag expression (RuleExpression)
///     weight: 1.0                         # required: log-odds, may be negative
///     tags: [pooling]                     # optional list of text
///     explain: "{distinct_networks} networks"  # optional; default lists the features read
///     references: ["https://..."]         # optional (lint warns when absent)
/// ```
///
/// Strict: unknown keys, missing required keys, wrong YAML types (a quoted weight is
/// text, not a number), bad values and duplicate ids in one file are errors. An id
/// defined again in a later file replaces the earlier rule (a lint warning). Every
/// error is a `RuleError` at the 1-based line and column of the offending node; for a
/// `when` or `explain` error, at the offending token inside the scalar, also in quoted
/// scalars (escapes counted) and in multi-line plain, `|` and `>` scalars (see
/// `SourceText.position(in:offset:)`; a scalar with escapes such as `\t` falls back to
/// the scalar's start).
///
/// Cluster-scope rules (over the `cluster_*` features of linked accounts) are evaluated by
/// `assessCluster`, account-scope rules by `assess`; a rule reads only features of its scope.
public struct RuleSet: Sendable {
    /// Every rule, account and cluster scope, in file order.
    public let rules: [Rule]
    /// Bias and flagging threshold (defaults: -4 and 0.5).
    public var scoring: ScoringParameters
    /// The account-scope rules, each behind one reference: `assess` runs every rule on
    /// every account-day, and reading a `Rule` out of an array copies it (retaining each
    /// string and array it holds) where a reference costs one retain.
    let accountRuleReferences: [RuleReference]
    /// The cluster-scope rules, for `assessCluster`.
    let clusterRuleReferences: [RuleReference]

    /// A rule set from rules made in code.
    public init(rules: [Rule], scoring: ScoringParameters = ScoringParameters()) {
        self.rules = rules
        self.scoring = scoring
        self.accountRuleReferences = rules.filter { $0.scope == .account }.map(RuleReference.init)
        self.clusterRuleReferences = rules.filter { $0.scope == .cluster }.map(RuleReference.init)
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
    public var accountRules: [Rule] { accountRuleReferences.map(\.rule) }

    /// The rules that `assessCluster` evaluates.
    public var clusterRules: [Rule] { clusterRuleReferences.map(\.rule) }

    /// The same rules with some weights replaced (by rule id), e.g. after recalibration.
    ///
    /// Ids not in the set are ignored.
    public func reweighted(_ weights: [String: Double]) -> RuleSet {
        var rules = self.rules
        for i in rules.indices {
            if let w = weights[rules[i].id] { rules[i].weight = w }
        }
        return RuleSet(rules: rules, scoring: scoring)
    }
}

/// A rule behind a reference (see `RuleSet.accountRuleReferences`), with what scoring
/// reads of it on every account held apart: reaching them through `rule` copied the whole
/// struct (a dozen retains and releases) per account and rule, 4% of a batch pass.
final class RuleReference: Sendable {
    let rule: Rule
    let weight: Double
    /// The condition's compiled test (`nil`: not a condition, never fires).
    private let test: (@Sendable (FeatureVector) -> Bool?)?

    init(_ rule: Rule) {
        self.rule = rule
        weight = rule.weight
        if case .flag(let f) = rule.condition.compiled { test = f } else { test = nil }
    }

    /// Whether the rule fires (`Rule.fires(on:)`).
    @inline(__always) func fires(on features: FeatureVector) -> Bool { test?(features) == true }

    /// The hit (`Rule.hit(on:)`), made only when the rule fires.
    @inline(__always) func hit(on features: FeatureVector) -> RuleHit? {
        fires(on: features) ? rule.firedHit(on: features) : nil
    }
}
