import TrawlFeatures
import TrawlRules

/// One rule hit as stored for an account day: the rules stage's own `RuleHit`
/// (feature values code as bare JSON values).
public typealias StoredRuleHit = RuleHit

/// One account's stored day: features, evidence, score and the rules that fired.
public struct AccountDayRecord: Sendable, Equatable, Codable {
    public var accountID: String
    /// `YYYY-MM-DD`, UTC.
    public var day: String
    /// Known feature values by name.
    public var features: [String: FeatureValue]
    public var evidence: AccountEvidence
    public var score: Double
    public var flagged: Bool
    /// The rule set's bias (log-odds before any rule fired).
    public var bias: Double
    /// Rule hits, by rule id.
    public var hits: [StoredRuleHit]
    /// The last run that changed this day (recording identical results does not).
    public var lastRunID: Int64

    public init(
        accountID: String, day: String, features: [String: FeatureValue], evidence: AccountEvidence, score: Double,
        flagged: Bool, bias: Double, hits: [StoredRuleHit], lastRunID: Int64
    ) {
        self.accountID = accountID
        self.day = day
        self.features = features
        self.evidence = evidence
        self.score = score
        self.flagged = flagged
        self.bias = bias
        self.hits = hits
        self.lastRunID = lastRunID
    }
}
