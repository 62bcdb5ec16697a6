import Testing
import TrawlFeatures
import TrawlLink
import TrawlModel

/// Linking hand-built accounts whose true groups are known: operators that share proxy
/// exits, sessions, signup addresses and cards, among people who share a carrier's CGNAT
/// network, an office egress or nothing.
@Suite struct AccountLinkerTests {
    static func ip(_ text: String) -> IPAddress { IPAddress(text)! }

    /// An account from its artifacts.
    static func account(_ id: String, _ artifacts: [LinkArtifact]) -> AccountArtifacts {
        AccountArtifacts(accountID: id, artifacts: artifacts)
    }

    /// A deterministic generator for the worlds below.
    struct Dice {
        var state: UInt64
        mutating func next(_ n: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(n))
        }
    }

    /// A carrier's CGNAT /24 used by `people` unrelated accounts: each takes 3 of the 256
    /// addresses (so strangers share addresses), is active in 4 of the day's hours, and
    /// uses a default client. Two operators (8 and 12 accounts) each rotate through their
    /// own pool of 20 proxy exits (some inside the CGNAT /24), move customers' sessions
    /// between their accounts and opened them from one signup address.
    static func world(people: Int) -> (accounts: [AccountArtifacts], operators: [Set<String>]) {
        var dice = Dice(state: 7)
        let cgnat: UInt64 = (1 << 63) | (0xA6B0_6E00 >> 8)  // 166.176.110.0/24
        var accounts: [AccountArtifacts] = []
        for p in 0..<people {
            var a: [LinkArtifact] = [.network(cgnat), .client("Claude/1.251103.0 (Android 15; Pixel 8)")]
            for _ in 0..<3 { a.append(.address(IPAddress(v4: 0xA6B0_6E00 | UInt32(dice.next(256))))) }
            for _ in 0..<4 { a.append(.coactivity(NetworkHour(network: cgnat, hour: Int32(490_000 + dice.next(24))))) }
            accounts.append(account("person-\(p)", a))
        }
        var operators: [Set<String>] = []
        for (o, size) in [8, 12].enumerated() {
            let pool: [IPAddress] = (0..<20).map { k in
                k < 3
                    ? IPAddress(v4: 0xA6B0_6E00 | UInt32(200 + 10 * o + k)) : IPAddress(v4: UInt32(0x0B00_0000 + (o << 16) + (k << 8) + 9))
            }
            let signup = IPAddress(v4: UInt32(0x0C00_0001 + o))
            var members: Set<String> = []
            for m in 0..<size {
                var a: [LinkArtifact] = [.signup(signup), .payment(m % 3 == 0 ? "pf-op\(o)" : "pf-op\(o)-\(m)")]
                for _ in 0..<8 {
                    let exit = pool[dice.next(pool.count)]
                    a.append(.address(exit))
                    a.append(.network(exit.networkKey))
                }
                for _ in 0..<10 { a.append(.session(UInt64(0x5E55_0000 + o * 1000 + dice.next(30)))) }
                let id = "op\(o)-\(m)"
                members.insert(id)
                accounts.append(account(id, a))
            }
            operators.append(members)
        }
        return (accounts, operators)
    }

    @Test func operatorsAreFoundAndTheCGNATHubMergesNoOne() throws {
        let (accounts, operators) = Self.world(people: 300)
        let result = try AccountLinker().link(accounts)
        let clusters = result.clusters.map { Set($0.members.map { accounts[$0].accountID }) }
        // Each operator is one cluster, and no person is in any cluster with an operator.
        for op in operators { #expect(clusters.contains(op), "operator not found whole: \(op.sorted())") }
        for c in clusters where c.contains(where: { $0.hasPrefix("op") }) {
            #expect(!c.contains { $0.hasPrefix("person") })
        }
        // 300 strangers behind one NAT do not become one cluster; the /24 is a pruned hub.
        #expect(!clusters.contains { $0.filter { $0.hasPrefix("person") }.count > 10 })
        #expect(result.statistics.crowdedNetworks == 1)
        // The evidence of an operator's cluster names its pool, sessions, card and signup.
        let op = try #require(result.clusters.first { accounts[$0.members[0]].accountID.hasPrefix("op1") })
        #expect(op.sharedCount(.session) > 0 && op.sharedCount(.address) > 0)
        #expect(op.shared.contains { $0.artifact.kind == .signup && $0.accounts.count == 12 })
        #expect(op.shared.contains { $0.artifact.detail == .text("pf-op1") && $0.accounts.count == 4 })
        #expect(op.cohesion > 0.9)
    }

    /// Inside a crowded network an address counts as shared by the whole network.
    @Test func addressesInACrowdedNetworkCountLikeTheNetwork() throws {
        let settings = LinkSettings()
        #expect(settings.bits(.address, sharedBy: 2) == 5)
        #expect(settings.bits(.address, sharedBy: 2, networkAccounts: 32) == 1)
        #expect(settings.bits(.address, sharedBy: 2, networkAccounts: 65) == 0)
        #expect(settings.bits(.payment, sharedBy: 2) == 14)
        #expect(settings.bits(.payment, sharedBy: 257) == 0)
        // Two people share an address in the CGNAT /24 (and nothing else that links them).
        let (accounts, _) = Self.world(people: 300)
        let result = try AccountLinker().link(accounts)
        #expect(result.clusters.allSatisfy { c in !c.members.allSatisfy { accounts[$0].accountID.hasPrefix("person") } })
    }

    /// Supporting evidence alone (prompt templates, client fingerprints, networks and hours)
    /// links no one, however much of it two accounts share.
    @Test func supportingEvidenceAloneLinksNoOne() throws {
        let network: UInt64 = 1 << 63 | 0x0A0B0C
        var shared: [LinkArtifact] = (0..<20).map { k in LinkArtifact.template(UInt64(k) | 1 << 63) }
        shared.append(.client("curl/8.16.0"))
        shared.append(.network(network))
        for h in 0..<10 { shared.append(.coactivity(NetworkHour(network: network, hour: Int32(490_000 + h)))) }
        let accounts = (0..<6).map { Self.account("a\($0)", shared) }
        let result = try AccountLinker().link(accounts)
        #expect(result.graph.edgeCount == 0)
        #expect(result.clusters.isEmpty)
        // One shared card more, and they are linked.
        let paid = (0..<6).map { Self.account("a\($0)", shared + [.payment("pf-shared")]) }
        let linked = try AccountLinker().link(paid)
        #expect(linked.clusters.map(\.members) == [Array(0..<6)])
    }

    /// A supporting value's rarity counts every account that holds it, not only the
    /// accounts with a direct link: a template 300 accounts fill adds nothing to the card
    /// two of them share.
    @Test func rarityCountsEveryHolder() throws {
        let template = LinkArtifact.template(1 << 63 | 42)
        var accounts = [Self.account("a", [.payment("pf-ab"), template]), Self.account("b", [.payment("pf-ab"), template])]
        for k in 0..<298 { accounts.append(Self.account("other-\(k)", [template, .payment("pf-\(k)")])) }
        let result = try AccountLinker().link(accounts)
        #expect(result.graph.edgeCount == 1)
        #expect(result.graph.weight(0, 1) == 14)  // the card alone: 2 × log2(256 / 2)
        // Held by 20 accounts instead, the template adds its (capped) bits.
        let few = Array(accounts.prefix(20))
        let linked = try AccountLinker().link(few)
        let expected = 14 + LinkSettings().bits(.template, sharedBy: 20)
        #expect(abs(Double(linked.graph.weight(0, 1) ?? 0) - expected) < 0.01)
    }

    /// A value shared by many accounts links each to a bounded number of others, with its
    /// weight scaled so the group still holds together.
    @Test func largeGroupsAreSparsifiedButStayOneCluster() throws {
        var settings = LinkSettings()
        settings.pairsPerMember = 8
        settings.maximumEdgeBits = 1000  // a pair drawn twice keeps both shares
        let accounts = (0..<40).map { Self.account("s\($0)", [.signup(Self.ip("198.51.100.7"))]) }
        let result = try AccountLinker(settings: settings).link(accounts)
        #expect(result.clusters.map(\.members) == [Array(0..<40)])
        let graph = result.graph
        // About 8 neighbours each (4 drawn, about 4 drawing it), not 39.
        #expect((0..<40).allSatisfy { graph.neighborRange(of: $0).count <= 16 })
        #expect(graph.edgeCount <= 40 * 4)
        // The group's total evidence is what all its pairs would give (2 × log2(256 / 40) each).
        let perPair = settings.bits(.signup, sharedBy: 40)
        let total = (0..<40).reduce(0.0) { $0 + graph.strength(of: $1) } / 2
        #expect(abs(total - 40 * 39 / 2 * perPair) < 1)
    }

    @Test func settingsOutOfRangeAreRefused() {
        var s = LinkSettings()
        s.resolution = 0
        #expect(throws: LinkError.self) { try AccountLinker(settings: s) }
        s = LinkSettings()
        s.minimumDirectBits = 20
        let error = #expect(throws: LinkError.self) { try AccountLinker(settings: s) }
        #expect(error?.description.contains("minimum direct bits") == true)
    }
}
