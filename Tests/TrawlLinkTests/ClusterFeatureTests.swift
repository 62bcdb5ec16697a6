import Testing
import TrawlFeatures
import TrawlLink
import TrawlModel

@Suite struct ClusterFeatureTests {
    @Test func featuresAddUpMembersAndEvidence() throws {
        let signup = IPAddress("198.51.100.9")!
        var accounts: [AccountArtifacts] = []
        for i in 0..<4 {
            var a = AccountArtifacts(
                accountID: "m\(i)", artifacts: [.signup(signup), .session(77), .session(78), .payment(i < 2 ? "pf-1" : "pf-\(i)")])
            a.requests = 100 * (i + 1)
            a.tokens = 1000
            // Three opened within a day, one a month before.
            a.createdAt = i < 3 ? 1_790_000_000_000 + Int64(i) * 3_600_000 : 1_787_000_000_000
            a.orgHash = i == 0 ? 5 : 0
            accounts.append(a)
        }
        let scores = [
            MemberScore(score: 0.9, flagged: true), MemberScore(score: 0.7, flagged: true),
            MemberScore(score: 0.2, flagged: false), MemberScore(score: 0.1, flagged: false),
        ]
        let result = try AccountLinker().link(accounts)
        let cluster = try #require(result.clusters.first)
        #expect(cluster.members == [0, 1, 2, 3])
        let v = ClusterFeatureExtractor.features(cluster, accounts: accounts, scores: scores)
        #expect(v["cluster_size"] == .number(4))
        #expect(v["cluster_requests"] == .number(1000))
        #expect(v["cluster_tokens"] == .number(4000))
        #expect(v["cluster_flagged_accounts"] == .number(2))
        #expect(v["cluster_flagged_share"] == .number(0.5))
        #expect(v["cluster_mean_score"]?.number.map { abs($0 - 0.475) < 1e-9 } == true)
        #expect(v["cluster_max_score"] == .number(0.9))
        #expect(v["cluster_cohesion"] == .number(1))
        #expect(v["cluster_shared_sessions"] == .number(2))
        #expect(v["cluster_shared_cards"] == .number(1))
        #expect(v["cluster_shared_signups"] == .number(1))
        #expect(v["cluster_shared_addresses"] == .number(0))
        #expect(v["cluster_signup_burst_share"] == .number(0.75))
        #expect(v["cluster_org_share"] == .number(0.25))
    }
}
