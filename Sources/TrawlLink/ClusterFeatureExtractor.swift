import TrawlFeatures
import TrawlModel

/// An account's own verdict, as cluster features read it: its highest day score and
/// whether any of its days was flagged.
public struct MemberScore: Sendable, Equatable {
    public var score: Double
    public var flagged: Bool
    public init(score: Double, flagged: Bool) {
        self.score = score
        self.flagged = flagged
    }
}

/// Turns a cluster into the `scope: cluster` features of `FeatureCatalog` (the
/// `cluster_*` names): size and usage, the members' own scores, cohesion, what the members
/// share by kind, signup burstiness and how much of the cluster is one organisation.
public enum ClusterFeatureExtractor {
    /// - Parameters:
    ///   - accounts: the linker's accounts (the cluster's members index them).
    ///   - scores: each account's own score, by the same index.
    public static func features(_ c: LinkedCluster, accounts: [AccountArtifacts], scores: [MemberScore]) -> FeatureVector {
        var v = FeatureVector()
        let n = c.members.count
        v["cluster_size"] = .number(Double(n))
        var requests = 0
        var tokens: Int64 = 0
        var flagged = 0
        var scoreSum = 0.0, maxScore = 0.0
        var created: [Timestamp] = []
        var orgs: [UInt64: Int] = [:]
        for m in c.members {
            let a = accounts[m]
            requests += a.requests
            tokens = tokens.addingReportingOverflow(a.tokens).partialValue
            let s = scores[m]
            if s.flagged { flagged += 1 }
            scoreSum += s.score
            maxScore = max(maxScore, s.score)
            if let t = a.createdAt { created.append(t) }
            if a.orgHash != 0 { orgs[a.orgHash, default: 0] += 1 }
        }
        v["cluster_requests"] = .number(Double(requests))
        v["cluster_tokens"] = .number(Double(tokens))
        v["cluster_flagged_accounts"] = .number(Double(flagged))
        v["cluster_flagged_share"] = .number(n > 0 ? Double(flagged) / Double(n) : 0)
        v["cluster_mean_score"] = .number(n > 0 ? scoreSum / Double(n) : 0)
        v["cluster_max_score"] = .number(maxScore)
        v["cluster_cohesion"] = .number(c.cohesion)
        if c.linkedPairs > 0 { v["cluster_link_bits"] = .number(c.bits / Double(c.linkedPairs)) }
        let names: [(ArtifactKind, String)] = [
            (.address, "cluster_shared_addresses"), (.network, "cluster_shared_networks"), (.coactivity, "cluster_shared_coactivity"),
            (.session, "cluster_shared_sessions"), (.client, "cluster_shared_clients"), (.template, "cluster_shared_templates"),
            (.payment, "cluster_shared_cards"), (.signup, "cluster_shared_signups"),
        ]
        for (kind, name) in names { v[name] = .number(Double(c.sharedCount(kind))) }
        if created.count >= 2 && n > 0 {
            v["cluster_signup_burst_share"] = .number(Double(densestWindow(created, width: TimestampParser.millisPerDay)) / Double(n))
        }
        v["cluster_org_share"] = .number(n > 0 ? Double(orgs.values.max() ?? 0) / Double(n) : 0)
        return v
    }

    /// The most of `times` that fall within one window of `width` (inclusive).
    static func densestWindow(_ times: [Timestamp], width: Int64) -> Int {
        let t = times.sorted()
        var best = 0, lo = 0
        for hi in t.indices {
            while t[hi] - t[lo] > width { lo += 1 }
            best = max(best, hi - lo + 1)
        }
        return best
    }
}
