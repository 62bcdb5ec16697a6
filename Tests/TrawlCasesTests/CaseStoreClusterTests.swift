import Foundation
import GRDB
import Testing
import TrawlFeatures
import TrawlLink
import TrawlRules

@testable import TrawlCases

let flaggedMembers = RuleHit(
    ruleID: "cluster.flagged_members", title: "Linked accounts, most of them flagged", weight: 3, tags: ["cluster", "reseller"],
    explanation: "3 of 4 flagged", values: ["cluster_flagged_accounts": .number(3)])
let sharedSessions = RuleHit(
    ruleID: "cluster.sessions_across_accounts", title: "Client sessions move between accounts", weight: 2, tags: ["cluster", "sessions"],
    explanation: "12 sessions", values: ["cluster_shared_sessions": .number(12)])

/// A flagged cluster of `members` found on `dayText`.
func observation(
    _ members: [String], _ dayText: String, score: Double = 0.97, hits: [RuleHit] = [flaggedMembers, sharedSessions],
    links: [ClusterObservation.Link]? = nil
) -> ClusterObservation {
    var features = FeatureVector()
    features["cluster_size"] = .number(Double(members.count))
    features["cluster_cohesion"] = .number(0.8)
    let d = day(dayText)
    return ClusterObservation(
        members: members.enumerated().map {
            ClusterObservation.Member(accountID: $1, score: 0.9 - 0.1 * Double($0 % 3), flagged: $0 % 3 != 2)
        },
        links: links ?? [
            ClusterObservation.Link(
                kind: .address, value: "203.0.113.7", bits: 4.321_928_094_887_363, holders: 3, accounts: Array(members.prefix(3))),
            ClusterObservation.Link(kind: .payment, value: "pf_1", bits: 12, holders: 2, accounts: Array(members.prefix(2))),
        ],
        features: features,
        assessment: Assessment(accountID: "cluster 1", day: d, score: score, flagged: true, bias: -4, hits: hits),
        firstDay: d, lastDay: d)
}

extension CaseStore {
    /// Begins a run and records cluster observations in it.
    @discardableResult
    func recordClusterRun(_ observations: [ClusterObservation], at: Date = time(0)) throws -> ClusterRecordOutcome {
        let run = try beginRun(inputs: ["logs/a.jsonl"], inputDigest: "sha256:00", at: at)
        return try recordClusters(runID: run, observations, at: at)
    }

    func clusterCases() throws -> [CaseSummary] { try listCases(CaseFilter(kind: .cluster, sort: .id)) }
}

@Suite("Case store: cluster cases")
struct CaseStoreClusterTests {
    static let four = ["acct-a", "acct-b", "acct-c", "acct-d"]

    @Test("a flagged cluster opens one case with its members and evidence", arguments: StoreKind.allCases)
    func opensACase(kind: StoreKind) throws {
        try kind.withStore { store throws in
            try store.recordRun([result("acct-a", "2025-03-01", score: 0.9)])
            let outcome = try store.recordClusterRun([observation(Self.four, "2025-03-01")])
            #expect(outcome.opened == 1 && outcome.caseIDs.count == 1)
            #expect(outcome.subjects[0].hasPrefix("cluster-") && outcome.subjects[0].count == 20)
            let c = try #require(try store.clusterCases().first)
            #expect(c.subject == outcome.subjects[0] && c.members == 4 && c.mergedInto == nil)
            #expect(c.title == "Linked accounts, most of them flagged" && c.tags == ["cluster", "reseller", "sessions"])
            #expect(c.score == 0.97 && c.firstDay == "2025-03-01")
            let detail = try #require(try store.caseDetail(id: c.id))
            let cluster = try #require(detail.cluster)
            #expect(cluster.members.map(\.accountID) == ["acct-a", "acct-d", "acct-b", "acct-c"])  // by score
            #expect(cluster.members.allSatisfy { $0.active })
            #expect(cluster.days.map(\.day) == ["2025-03-01"] && cluster.days[0].members == 4)
            #expect(cluster.days[0].hits.map(\.ruleID) == ["cluster.flagged_members", "cluster.sessions_across_accounts"])
            #expect(cluster.days[0].features["cluster_size"] == .number(4))
            // Strongest first: the card (12 bits × 1) before the address (4.322 × 2).
            #expect(cluster.links.map(\.value) == ["pf_1", "203.0.113.7"])
            #expect(cluster.links[1].bits == 4.322 && cluster.links[1].accounts == ["acct-a", "acct-b", "acct-c"])
            #expect(detail.audit.map(\.action) == ["opened"])
            // The member's own case names the cluster case.
            let account = try #require(try store.caseOf("acct-a"))
            #expect(try store.caseDetail(id: account.id)?.clusterCases == [c.id])
        }
    }

    @Test("a cluster case's snapshot for export has its members and the pairs they link", arguments: StoreKind.allCases)
    func snapshotForExport(kind: StoreKind) throws {
        try kind.withStore { store throws in
            try store.recordRun([result("acct-a", "2025-03-01", score: 0.9), result("acct-b", "2025-03-01", score: 0.8)])
            let outcome = try store.recordClusterRun([observation(Self.four, "2025-03-01")])
            let snapshot = try #require(try store.snapshot(caseID: outcome.caseIDs[0]))
            #expect(snapshot.clusterID == outcome.subjects[0])
            #expect(snapshot.members.map(\.accountID) == Self.four)
            #expect(snapshot.members.map(\.days.count) == [1, 1, 0, 0])  // days stored for a and b only
            // The card links a–b; the address a, b and c pairwise: a–b shares both.
            #expect(snapshot.links.map(\.accounts) == [["acct-a", "acct-b"], ["acct-a", "acct-c"], ["acct-b", "acct-c"]])
            #expect(snapshot.links[0].shared.map(\.kind) == ["payment", "address"])
            #expect(abs(snapshot.links[0].weight - 16.322) < 1e-9 && snapshot.links[1].weight == 4.322)
            #expect(snapshot.links[1].shared[0].accountsSharing == 3)
        }
    }

    @Test("recording the same clusters again changes nothing", arguments: StoreKind.allCases)
    func idempotent(kind: StoreKind) throws {
        try kind.withStore { store throws in
            let first = try store.recordClusterRun([observation(Self.four, "2025-03-01"), observation(["acct-x", "acct-y"], "2025-03-01")])
            let rows = try store.dump().filter { $0.key != "run" }
            let again = try store.recordClusterRun(
                [observation(Self.four, "2025-03-01"), observation(["acct-x", "acct-y"], "2025-03-01")], at: time(60))
            #expect(again.opened == 0 && again.updated == 0 && again.unchanged == 2)
            #expect(again.caseIDs == first.caseIDs && again.subjects == first.subjects)
            #expect(try store.dump().filter { $0.key != "run" } == rows)
        }
    }

    @Test("the next day's cluster updates its case by member overlap", arguments: StoreKind.allCases)
    func nextDayUpdates(kind: StoreKind) throws {
        try kind.withStore { store throws in
            let first = try store.recordClusterRun([observation(Self.four, "2025-03-01", score: 0.95)])
            // One account left, two joined: 3 of 5 in common, the same cluster.
            let next = try store.recordClusterRun(
                [observation(["acct-a", "acct-b", "acct-c", "acct-e", "acct-f"], "2025-03-02", score: 0.99)], at: time(86_400))
            #expect(next.updated == 1 && next.opened == 0 && next.caseIDs == first.caseIDs)
            let c = try #require(try store.clusterCases().first)
            #expect(c.members == 5 && c.firstDay == "2025-03-01" && c.lastDay == "2025-03-02" && c.score == 0.99)
            let detail = try #require(try store.caseDetail(id: c.id)?.cluster)
            #expect(detail.days.map(\.day) == ["2025-03-01", "2025-03-02"])
            #expect(detail.members.first { $0.accountID == "acct-d" }?.active == false)
            let a = try #require(detail.members.first { $0.accountID == "acct-a" })
            #expect(a.firstDay == "2025-03-01" && a.lastDay == "2025-03-02")
            let audit = try #require(try store.caseDetail(id: c.id)?.audit)
            #expect(audit.contains { $0.action == "updated" && $0.field == "members" && $0.newValue == "5 accounts (+2 -1)" })
            #expect(audit.contains { $0.action == "updated" && $0.field == "last_day" && $0.newValue == "2025-03-02" })
        }
    }

    @Test("two cases found in one cluster are merged into the older", arguments: StoreKind.allCases)
    func merges(kind: StoreKind) throws {
        try kind.withStore { store throws in
            let first = try store.recordClusterRun([
                observation(Self.four, "2025-03-01"), observation(["acct-x", "acct-y", "acct-z"], "2025-03-01"),
            ])
            let merged = try store.recordClusterRun(
                [observation(Self.four + ["acct-x", "acct-y", "acct-z"], "2025-03-02")], at: time(86_400))
            #expect(merged.updated == 1 && merged.merged == 1 && merged.opened == 0)
            #expect(merged.caseIDs == [first.caseIDs[0]])
            let cases = try store.clusterCases()
            #expect(cases.map(\.members) == [7, 0] && cases[1].mergedInto == cases[0].id)
            let absorbed = try #require(try store.caseDetail(id: cases[1].id))
            #expect(absorbed.cluster?.mergedInto == cases[0].id)
            #expect(absorbed.audit.contains { $0.action == "merged" && $0.field == "merged_into" && $0.newValue == String(cases[0].id) })
            let target = try #require(try store.caseDetail(id: cases[0].id))
            #expect(target.audit.contains { $0.action == "merged" && $0.field == "absorbed" && $0.newValue == String(cases[1].id) })
            // The merged case is no longer matched: the same cluster again changes nothing.
            let again = try store.recordClusterRun(
                [observation(Self.four + ["acct-x", "acct-y", "acct-z"], "2025-03-02")], at: time(90_000))
            #expect(again.unchanged == 1 && again.merged == 0 && again.opened == 0)
        }
    }

    @Test("a cluster that falls apart keeps its case for the larger part", arguments: StoreKind.allCases)
    func splits(kind: StoreKind) throws {
        try kind.withStore { store throws in
            let six = ["acct-1", "acct-2", "acct-3", "acct-4", "acct-5", "acct-6"]
            let first = try store.recordClusterRun([observation(six, "2025-03-01")])
            let split = try store.recordClusterRun(
                [observation(["acct-1", "acct-2"], "2025-03-02"), observation(["acct-3", "acct-4", "acct-5", "acct-6"], "2025-03-02")],
                at: time(86_400))
            #expect(split.opened == 1 && split.split == 1 && split.updated == 1)
            #expect(split.caseIDs[1] == first.caseIDs[0] && split.caseIDs[0] != first.caseIDs[0])
            let old = try #require(try store.caseDetail(id: first.caseIDs[0]))
            #expect(old.summary.members == 4)
            #expect(old.audit.contains { $0.action == "split" && $0.field == "split_into" && $0.newValue == String(split.caseIDs[0]) })
            let new = try #require(try store.caseDetail(id: split.caseIDs[0]))
            #expect(new.audit.map(\.action) == ["opened", "split"])
            #expect(new.audit.last?.field == "split_from" && new.audit.last?.newValue == String(first.caseIDs[0]))
        }
    }

    @Test("a decided case keeps its status and logs new evidence", arguments: StoreKind.allCases)
    func decidedCaseKeepsStatus(kind: StoreKind) throws {
        try kind.withStore { store throws in
            let first = try store.recordClusterRun([observation(Self.four, "2025-03-01")])
            _ = try store.update(caseID: first.caseIDs[0], status: .confirmed, note: nil, actor: "ana", at: time(10))
            try store.recordClusterRun([observation(Self.four, "2025-03-02", score: 0.99)], at: time(86_400))
            let detail = try #require(try store.caseDetail(id: first.caseIDs[0]))
            #expect(detail.summary.status == .confirmed)
            #expect(detail.audit.filter { $0.actor.hasPrefix("run:") && $0.action != "opened" }.allSatisfy { $0.action == "new_evidence" })
            #expect(detail.audit.contains { $0.action == "new_evidence" && $0.field == "score" })
        }
    }

    @Test("bad observations are refused and nothing is stored", arguments: StoreKind.allCases)
    func refusesBadInput(kind: StoreKind) throws {
        try kind.withStore { store throws in
            let run = try store.beginRun(inputs: [], inputDigest: "", at: time(0))
            let before = try store.dump()
            var twice = observation(["acct-a", "acct-a"], "2025-03-01")
            var error = #expect(throws: CaseStoreError.self) { try store.recordClusters(runID: run, [twice], at: time(0)) }
            #expect(error?.reason == .invalidInput("clusters[0]: an account is a member twice"))
            twice.members = []
            error = #expect(throws: CaseStoreError.self) {
                try store.recordClusters(runID: run, [observation(["acct-q", "acct-r"], "2025-03-01"), twice], at: time(0))
            }
            #expect(error?.reason == .invalidInput("clusters[1]: a cluster needs members"))
            error = #expect(throws: CaseStoreError.self) {
                try store.recordClusters(runID: 99, [observation(Self.four, "2025-03-01")], at: time(0))
            }
            #expect(error?.reason == .unknownRun(id: 99))
            #expect(try store.dump() == before)
        }
    }

    /// Attacker-chosen account ids and values are bound, never spliced into SQL.
    @Test("hostile ids and values are stored as given", arguments: StoreKind.allCases)
    func hostileText(kind: StoreKind) throws {
        try kind.withStore { store throws in
            let evil = ["x'); DROP TABLE abuse_case; --", "acct \"quoted\" \\ back", "日本-\u{1}"]
            let link = ClusterObservation.Link(kind: .client, value: "ua'); DELETE FROM audit; --", bits: 3, holders: 2, accounts: evil)
            let outcome = try store.recordClusterRun([observation(evil, "2025-03-01", links: [link])])
            let detail = try #require(try store.caseDetail(id: outcome.caseIDs[0])?.cluster)
            #expect(Set(detail.members.map(\.accountID)) == Set(evil))
            #expect(detail.links.first?.value == link.value && detail.links.first?.accounts == evil)
            #expect(try store.tableNames() == CaseStoreSchemaTests.expectedTables)
        }
    }
}
