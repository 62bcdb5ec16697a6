import Foundation
import TrawlFeatures
import TrawlModel
import TrawlRules

@testable import TrawlCases

typealias Result = (features: AccountDayFeatures, assessment: Assessment)

/// A fixed clock: `time(0)` and seconds after it.
func time(_ seconds: Int) -> Date { Date(timeIntervalSince1970: 1_740_787_200 + Double(seconds)) }

/// The day number of `YYYY-MM-DD`.
func day(_ text: String) -> Int32 { TimestampParser.parseDay(text)! }

let manyIPs = RuleHit(
    ruleID: "many_ips", title: "Many client addresses", weight: 2.0, tags: ["pooling"],
    explanation: "40 distinct addresses in one day", values: ["distinct_ips": .number(40)])
let aroundTheClock = RuleHit(
    ruleID: "around_the_clock", title: "Active around the clock", weight: 1.5, tags: ["pooling", "24x7"],
    explanation: "active 23 of 24 hours", values: ["active_hours": .number(23), "hour_entropy": .number(4.4)])
let proxyRanges = RuleHit(
    ruleID: "proxy_ranges", title: "Residential proxy ranges", weight: 2.5, tags: ["proxy"],
    explanation: "most requests from residential proxies", values: ["plan": .text("max"), "disposable_email": .flag(true)])

/// One scored account day with features, evidence and rule hits.
func result(
    _ account: String, _ dayText: String, score: Double, flagged: Bool = true,
    hits: [RuleHit] = [manyIPs, aroundTheClock],
    requestIDs: [String] = ["req-1", "req-2"],
    ips: [CountedValue] = [CountedValue("203.0.113.7", 120), CountedValue("198.51.100.4", 80)],
    userAgents: [CountedValue] = [CountedValue("claude-cli/1.0.3", 150), CountedValue("python-httpx/0.27", 50)]
) -> Result {
    var features = FeatureVector()
    features["requests"] = .number(200)
    features["distinct_ips"] = .number(40)
    features["hour_entropy"] = .number(4.4)
    features["top_ip_share"] = .number(0.6)
    features["plan"] = .text("max")
    features["disposable_email"] = .flag(false)
    var evidence = AccountEvidence()
    evidence.requestIDs = requestIDs
    evidence.topIPs = ips
    evidence.topUserAgents = userAgents
    evidence.firstSeen = 1_740_787_200_000
    evidence.lastSeen = 1_740_873_599_000
    let d = day(dayText)
    return (
        AccountDayFeatures(accountID: account, day: d, features: features, evidence: evidence),
        Assessment(accountID: account, day: d, score: score, flagged: flagged, bias: -4, hits: flagged ? hits : [])
    )
}

extension CaseStore {
    /// Begins a run and records `results` in it.
    @discardableResult
    func recordRun(_ results: [Result], at: Date = time(0)) throws -> (run: Int64, outcome: RecordOutcome) {
        let run = try beginRun(inputs: ["logs/a.jsonl"], inputDigest: "sha256:00", at: at)
        return (run, try record(runID: run, results: results, at: at))
    }

    /// The one case of `account`.
    func caseOf(_ account: String) throws -> CaseSummary? {
        try listCases(CaseFilter(kind: .account)).first { $0.subject == account }
    }
}
