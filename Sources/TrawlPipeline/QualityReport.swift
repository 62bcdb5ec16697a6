import Foundation
import TrawlSimulator

/// Detection quality of a scored world against its labels.
///
/// Pooled precision counts flagged pooled accounts against flagged pooled and benign
/// accounts (other abusive kinds flagged are neither right nor wrong for pooling); overall
/// precision counts any abusive label as right. False-positive rates are per benign population.
/// Only accounts that appear in the scores (that had traffic) are counted.
public struct QualityReport: Sendable, Codable {
    public struct Population: Sendable, Codable {
        public var name: String
        public var label: String
        public var accounts: Int
        public var flagged: Int
        public var share: Double { accounts > 0 ? Double(flagged) / Double(accounts) : 0 }
    }

    public var populations: [Population]
    public var pooledPrecision: Double
    public var pooledRecall: Double
    public var overallPrecision: Double
    public var abusiveRecall: Double
    public var flagged: Int
    /// The highest false-positive share among benign populations.
    public var worstBenignFalsePositiveShare: Double

    public static func evaluate(scores: [ScoreLine], labels: GroundTruth) -> QualityReport {
        var pops: [String: Population] = [:]
        let flaggedIDs = Set(scores.filter(\.flagged).map(\.account_id))
        // Only accounts with traffic can be judged: one absent from the log is neither
        // a miss nor a correct rejection.
        let scored = Set(scores.map(\.account_id))
        for (account, l) in labels.labels where scored.contains(account) {
            let name = l.population.isEmpty ? l.label : l.population
            var p = pops[name] ?? Population(name: name, label: l.label, accounts: 0, flagged: 0)
            p.accounts += 1
            if flaggedIDs.contains(account) { p.flagged += 1 }
            pops[name] = p
        }
        func sum(_ f: (Population) -> Bool, _ v: (Population) -> Int) -> Int { pops.values.filter(f).map(v).reduce(0, +) }
        let pooledFlagged = sum({ $0.label == "pooled" }, \.flagged)
        let pooledTotal = sum({ $0.label == "pooled" }, \.accounts)
        let benignFlagged = sum({ $0.label == "benign" }, \.flagged)
        let abusiveFlagged = sum({ $0.label != "benign" }, \.flagged)
        let abusiveTotal = sum({ $0.label != "benign" }, \.accounts)
        func ratio(_ a: Int, _ b: Int) -> Double { b > 0 ? Double(a) / Double(b) : 1 }
        let sorted = pops.values.sorted { ($0.label == "benign" ? 1 : 0, $0.name) < ($1.label == "benign" ? 1 : 0, $1.name) }
        return QualityReport(
            populations: sorted,
            pooledPrecision: ratio(pooledFlagged, pooledFlagged + benignFlagged),
            pooledRecall: ratio(pooledFlagged, pooledTotal),
            overallPrecision: ratio(abusiveFlagged, abusiveFlagged + benignFlagged),
            abusiveRecall: ratio(abusiveFlagged, abusiveTotal),
            flagged: flaggedIDs.count,
            worstBenignFalsePositiveShare: sorted.filter { $0.label == "benign" }.map(\.share).max() ?? 0)
    }

    /// A table for people.
    public var text: String {
        var lines = ["population              label           accounts  flagged   share"]
        for p in populations {
            lines.append(
                p.name.padding(toLength: 24, withPad: " ", startingAt: 0) + p.label.padding(toLength: 16, withPad: " ", startingAt: 0)
                    + String(format: "%8d %8d  %6.1f%%", p.accounts, p.flagged, p.share * 100))
        }
        lines.append(
            String(
                format: "pooled: precision %.3f, recall %.3f · all abuse: precision %.3f, recall %.3f · worst benign FP %.2f%%",
                pooledPrecision, pooledRecall, overallPrecision, abusiveRecall, worstBenignFalsePositiveShare * 100))
        return lines.joined(separator: "\n")
    }
}
