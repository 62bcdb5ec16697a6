import Testing
import TrawlModel

@testable import TrawlCases

/// A case file's pair links: the same as naming every pair of every shared value and
/// keeping the 2,000 strongest, without making every pair of a value many members share.
@Suite struct PairLinksTests {
    /// Every pair of every shared value, as the links were first made (the reference).
    static func everyPair(_ records: [ClusterLinkRecord], members: Set<String>) -> [CaseFile.Link] {
        guard let latest = records.map(\.day).max() else { return [] }
        var shared: [[String]: [CaseFile.SharedArtifact]] = [:]
        for r in records where r.day == latest {
            let holders = r.accounts.filter(members.contains).sorted()
            guard holders.count >= 2 else { continue }
            let artifact = CaseFile.SharedArtifact(kind: r.kind, value: r.value, weight: r.bits, accountsSharing: max(2, r.holders))
            for i in 0..<(holders.count - 1) {
                for j in (i + 1)..<holders.count { shared[[holders[i], holders[j]], default: []].append(artifact) }
            }
        }
        let links = shared.map { pair, artifacts in
            CaseFile.Link(
                accounts: pair, weight: artifacts.reduce(0) { $0 + $1.weight },
                shared: artifacts.sorted { ($0.weight, $0.kind, $0.value) > ($1.weight, $1.kind, $1.value) })
        }
        return Array(links.sorted { ($0.weight, $1.accounts.joined()) > ($1.weight, $0.accounts.joined()) }.prefix(2000))
    }

    /// Random clusters with few distinct bit values (so many weights tie and names decide),
    /// members named so that some are prefixes of others, an older day that must not count,
    /// and accounts outside the cluster.
    @Test(arguments: [1, 2, 3, 4, 5])
    func sameAsNamingEveryPair(seed: UInt64) {
        var state = seed
        func next(_ n: Int) -> Int {
            state &+= 0x9E37_79B9_7F4A_7C15
            return Int(mix64(state) % UInt64(n))
        }
        let size = 20 + next(100)
        let names = (0..<size).map { i in i % 3 == 0 ? "acct-\(i)" : "acct-\(i)\(i % 7)" }
        let members = Set(names.filter { _ in next(10) > 0 })
        var records: [ClusterLinkRecord] = []
        for k in 0..<(5 + next(40)) {
            let holders = Set((0..<(2 + next(k % 4 == 0 ? size : 6))).map { _ in names[next(size)] })
            records.append(
                ClusterLinkRecord(
                    day: next(8) == 0 ? "2026-11-20" : "2026-11-21", kind: ["address", "session", "payment"][next(3)],
                    value: "v\(k)", bits: [1.5, 2.0, 4.322, 8.0][next(4)], holders: holders.count + next(3),
                    accounts: Array(holders) + (next(2) == 0 ? ["outsider"] : [])))
        }
        let fast = CaseStore.pairLinks(records, members: members)
        #expect(fast == Self.everyPair(records, members: members))
        #expect(!fast.isEmpty)
    }

    /// A payment fingerprint on 256 members and an address on 200: 32,640 + 19,900 pairs,
    /// of which the 2,000 strongest are kept, strongest (both values) first.
    @Test func manyHoldersKeepTheStrongestPairs() {
        let names = (0..<256).map { String(format: "acct-%03d", $0) }
        let records = [
            ClusterLinkRecord(day: "2026-11-21", kind: "payment", value: "pf_1", bits: 8, holders: 256, accounts: names),
            ClusterLinkRecord(
                day: "2026-11-21", kind: "address", value: "203.0.113.7", bits: 2, holders: 200, accounts: Array(names.prefix(200))),
        ]
        let links = CaseStore.pairLinks(records, members: Set(names))
        #expect(links.count == 2000)
        #expect(links.allSatisfy { $0.weight == 10 && $0.shared.map(\.kind) == ["payment", "address"] })
        #expect(links.first?.accounts == ["acct-000", "acct-001"])
        #expect(links == Self.everyPair(records, members: Set(names)))
    }
}
