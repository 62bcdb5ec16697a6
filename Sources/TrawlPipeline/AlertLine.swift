import Foundation
import TrawlFeatures
import TrawlModel
import TrawlRules

/// One alert of a live run: a JSONL line on `--alerts`, written when an account's (or a
/// cluster's) score enters a higher band than it had reached: once per escalation, not
/// once per request.
///
/// ```json
/// {"account_id":"acct-7","band":"high","case_id":12,"cluster_id":null,"day":"2026-11-21",
///  "event_time":"2026-11-21T13:45:12.123Z","kind":"account","members":null,
///  "previous_band":"elevated","rules":[{"explanation":"14 networks …","rule":"pool.many_networks",
///  "values":{"distinct_ips":40,"distinct_networks":14},"weight":1}],"score":0.9241,
///  "threshold":0.5,"time":"2026-11-21T13:45:13.020Z","trigger_ts":"2026-11-21T13:45:12.010Z","window":"1h"}
/// ```
public struct AlertLine: Sendable, Codable, Equatable {
    public struct Rule: Sendable, Codable, Equatable {
        public var rule: String
        public var weight: Double
        /// The feature values the rule's condition read.
        public var values: [String: FeatureValue]
        public var explanation: String
    }

    /// When the alert was raised (wall clock).
    public var time: String
    /// `account` or `cluster`.
    public var kind: String
    public var account_id: String?
    public var cluster_id: String?
    /// A cluster's accounts (`nil` for an account alert).
    public var members: [String]?
    public var score: Double
    /// `elevated` (at or over the threshold), `high` (0.9), `critical` (0.99).
    public var band: String
    public var previous_band: String?
    public var threshold: Double
    /// The window whose score it is (`1h`, `24h`).
    public var window: String
    /// The UTC day of the latest request seen (the case store's day for it).
    public var day: String
    /// The latest request time seen when the alert was raised.
    public var event_time: String
    /// The earliest of the requests that came since the account was last scored: one of
    /// them raised the score, so `time - trigger_ts` is at least the delay from the request
    /// that raised it to the alert.
    public var trigger_ts: String?
    public var rules: [Rule]
    /// The case opened or updated for it.
    public var case_id: Int64?

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(time, forKey: .time)
        try c.encode(kind, forKey: .kind)
        try c.encode(account_id, forKey: .account_id)
        try c.encode(cluster_id, forKey: .cluster_id)
        try c.encode(members, forKey: .members)
        try c.encode((score * 10000).rounded() / 10000, forKey: .score)
        try c.encode(band, forKey: .band)
        try c.encode(previous_band, forKey: .previous_band)
        try c.encode(threshold, forKey: .threshold)
        try c.encode(window, forKey: .window)
        try c.encode(day, forKey: .day)
        try c.encode(event_time, forKey: .event_time)
        try c.encode(trigger_ts, forKey: .trigger_ts)
        try c.encode(rules, forKey: .rules)
        try c.encode(case_id, forKey: .case_id)
    }

    /// The bands' names, lowest first (band 1 is the first).
    public static let bandNames = ["elevated", "high", "critical"]

    static func rules(_ hits: [RuleHit]) -> [Rule] {
        hits.map { Rule(rule: $0.ruleID, weight: $0.weight, values: $0.values, explanation: $0.explanation) }
    }
}
