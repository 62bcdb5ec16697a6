import TrawlFeatures

/// One rule hit as stored for an account day.
public struct StoredRuleHit: Sendable, Equatable, Codable {
    public var ruleID: String
    public var title: String
    public var weight: Double
    public var tags: [String]
    public var explanation: String
    /// The features the rule read, with their values; coded as bare JSON values.
    public var values: [String: FeatureValue]

    public init(ruleID: String, title: String, weight: Double, tags: [String], explanation: String, values: [String: FeatureValue]) {
        self.ruleID = ruleID
        self.title = title
        self.weight = weight
        self.tags = tags
        self.explanation = explanation
        self.values = values
    }

    private enum CodingKeys: String, CodingKey { case ruleID, title, weight, tags, explanation, values }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        ruleID = try c.decode(String.self, forKey: .ruleID)
        title = try c.decode(String.self, forKey: .title)
        weight = try c.decode(Double.self, forKey: .weight)
        tags = try c.decode([String].self, forKey: .tags)
        explanation = try c.decode(String.self, forKey: .explanation)
        values = try c.decode([String: NativeFeatureValue].self, forKey: .values).mapValues(\.value)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(ruleID, forKey: .ruleID)
        try c.encode(title, forKey: .title)
        try c.encode(weight, forKey: .weight)
        try c.encode(tags, forKey: .tags)
        try c.encode(explanation, forKey: .explanation)
        try c.encode(values.mapValues(NativeFeatureValue.init), forKey: .values)
    }
}

/// One account's stored day: features, evidence, score and the rules that fired.
public struct AccountDayRecord: Sendable, Equatable, Codable {
    public var accountID: String
    /// `YYYY-MM-DD`, UTC.
    public var day: String
    /// Known feature values by name; coded as bare JSON values.
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

    private enum CodingKeys: String, CodingKey {
        case accountID, day, features, evidence, score, flagged, bias, hits, lastRunID
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        accountID = try c.decode(String.self, forKey: .accountID)
        day = try c.decode(String.self, forKey: .day)
        features = try c.decode([String: NativeFeatureValue].self, forKey: .features).mapValues(\.value)
        evidence = try c.decode(AccountEvidence.self, forKey: .evidence)
        score = try c.decode(Double.self, forKey: .score)
        flagged = try c.decode(Bool.self, forKey: .flagged)
        bias = try c.decode(Double.self, forKey: .bias)
        hits = try c.decode([StoredRuleHit].self, forKey: .hits)
        lastRunID = try c.decode(Int64.self, forKey: .lastRunID)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(accountID, forKey: .accountID)
        try c.encode(day, forKey: .day)
        try c.encode(features.mapValues(NativeFeatureValue.init), forKey: .features)
        try c.encode(evidence, forKey: .evidence)
        try c.encode(score, forKey: .score)
        try c.encode(flagged, forKey: .flagged)
        try c.encode(bias, forKey: .bias)
        try c.encode(hits, forKey: .hits)
        try c.encode(lastRunID, forKey: .lastRunID)
    }
}
