import TrawlFeatures

/// One rule that fired for an account, with the values that made it fire.
public struct RuleHit: Sendable, Equatable, Codable {
    public var ruleID: String
    public var title: String
    public var weight: Double
    public var tags: [String]
    /// The rule's explanation template filled with the account's values.
    public var explanation: String
    /// The features the rule's condition reads, with their values (absent: unknown).
    public var values: [String: FeatureValue]

    public init(ruleID: String, title: String, weight: Double, tags: [String], explanation: String, values: [String: FeatureValue]) {
        self.ruleID = ruleID
        self.title = title
        self.weight = weight
        self.tags = tags
        self.explanation = explanation
        self.values = values
    }
}

/// The score of one account for one day, explained rule by rule.
///
/// `score = logistic(bias + Σ weight of the rules that fired)`.
public struct Assessment: Sendable, Equatable {
    public var accountID: String
    public var day: Int32
    public var score: Double
    public var flagged: Bool
    public var bias: Double
    public var hits: [RuleHit]

    public init(accountID: String, day: Int32, score: Double, flagged: Bool, bias: Double, hits: [RuleHit]) {
        self.accountID = accountID
        self.day = day
        self.score = score
        self.flagged = flagged
        self.bias = bias
        self.hits = hits
    }

    /// Tags of every rule that fired, sorted and unique.
    public var tags: [String] { Array(Set(hits.flatMap(\.tags))).sorted() }
}
