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
    /// How well flagged clusters (`cluster_id`) recover the world's operators.
    public var clusters: ClusterQuality

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
            worstBenignFalsePositiveShare: sorted.filter { $0.label == "benign" }.map(\.share).max() ?? 0,
            clusters: ClusterQuality.evaluate(scores: scores, labels: labels))
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
        lines.append(clusters.text)
        return lines.joined(separator: "\n")
    }
}

/// Flagged clusters against the world's operators (`labels.jsonl` `operator`).
///
/// An operator is found when at least half of its accounts (that had traffic) are in one
/// flagged cluster; operator recall is the share found, over operators with at least two
/// accounts with traffic. A flagged cluster's purity is the share of its accounts from its
/// most common operator (benign accounts count against it); `purity` is over all flagged
/// clusters' accounts together, `worstPurity` the lowest cluster's.
public struct ClusterQuality: Sendable, Codable {
    public struct Operator: Sendable, Codable {
        public var name: String
        public var population: String
        public var accounts: Int
        /// The most of its accounts in one flagged cluster.
        public var inBestCluster: Int
        public var found: Bool { 2 * inBestCluster >= accounts }
    }

    public var operators: [Operator]
    public var flaggedClusters: Int
    public var operatorRecall: Double
    public var purity: Double
    public var worstPurity: Double
    /// Benign accounts in flagged clusters, by population (every benign population listed).
    public var benignInFlaggedClusters: [String: Int]

    public static func evaluate(scores: [ScoreLine], labels: GroundTruth) -> ClusterQuality {
        var members: [String: [String]] = [:]
        for s in scores { if let c = s.cluster_id { members[c, default: []].append(s.account_id) } }
        var clusterOf: [String: String] = [:]
        for (c, list) in members { for a in list { clusterOf[a] = c } }
        var byOperator: [String: [String]] = [:]
        let scored = Set(scores.map(\.account_id))
        var benign: [String: Int] = [:]
        for (account, l) in labels.labels where scored.contains(account) {
            if let op = l.operator { byOperator[op, default: []].append(account) }
            if l.label == "benign" {
                let name = l.population.isEmpty ? l.label : l.population
                benign[name, default: 0] += clusterOf[account] == nil ? 0 : 1
            }
        }
        var operators: [Operator] = []
        for (name, accounts) in byOperator where accounts.count >= 2 {
            var counts: [String: Int] = [:]
            for a in accounts { if let c = clusterOf[a] { counts[c, default: 0] += 1 } }
            operators.append(
                Operator(
                    name: name, population: labels.labels[accounts[0]]?.population ?? "", accounts: accounts.count,
                    inBestCluster: counts.values.max() ?? 0))
        }
        operators.sort { ($0.population, $0.name.count, $0.name) < ($1.population, $1.name.count, $1.name) }
        var majority = 0, total = 0
        var worst = 1.0
        for list in members.values {
            var counts: [String: Int] = [:]
            for a in list { counts[labels.labels[a]?.operator ?? "benign:\(a)", default: 0] += 1 }
            let top = counts.values.max() ?? 0
            majority += top
            total += list.count
            worst = min(worst, Double(top) / Double(list.count))
        }
        let found = operators.filter(\.found).count
        return ClusterQuality(
            operators: operators, flaggedClusters: members.count,
            operatorRecall: operators.isEmpty ? 1 : Double(found) / Double(operators.count),
            purity: total == 0 ? 1 : Double(majority) / Double(total), worstPurity: members.isEmpty ? 1 : worst,
            benignInFlaggedClusters: benign)
    }

    /// Lines for people.
    public var text: String {
        var lines = [
            String(
                format: "clusters: %d flagged · operator recall %.3f (%d of %d operators) · purity %.3f (worst %.3f)", flaggedClusters,
                operatorRecall, operators.filter(\.found).count, operators.count, purity, worstPurity)
        ]
        let missed = operators.filter { !$0.found }
        if !missed.isEmpty {
            lines.append(
                "  operators not found: "
                    + missed.map { "\($0.name) (\($0.population), \($0.inBestCluster) of \($0.accounts) in one flagged cluster)" }
                    .joined(separator: ", "))
        }
        let merged = benignInFlaggedClusters.filter { $0.value > 0 }.sorted { $0.key < $1.key }
        lines.append(
            "  benign accounts in flagged clusters: "
                + (merged.isEmpty ? "none" : merged.map { "\($0.key) \($0.value)" }.joined(separator: ", ")))
        return lines.joined(separator: "\n")
    }
}
