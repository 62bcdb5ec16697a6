import Foundation
import Synchronization
import Testing
import TrawlFeatures
import TrawlModel
import TrawlRules

@testable import TrawlCases

@Suite("Case store: recording results")
struct CaseStoreRecordingTests {
    /// Three accounts over two days: one flagged twice, one flagged once, one never.
    static let batch: [Result] = [
        result("acct-pool", "2025-03-01", score: 0.91),
        result("acct-pool", "2025-03-02", score: 0.97, hits: [manyIPs, aroundTheClock, proxyRanges]),
        result("acct-proxy", "2025-03-02", score: 0.88, hits: [proxyRanges]),
        result("acct-quiet", "2025-03-01", score: 0.02, flagged: false),
        result("acct-quiet", "2025-03-02", score: 0.03, flagged: false),
    ]

    @Test("recording the same results twice in one run changes nothing", arguments: StoreKind.allCases)
    func recordTwiceSameRun(kind: StoreKind) throws {
        try kind.withStore { store throws in
            let (run, first) = try store.recordRun(Self.batch)
            #expect(first == RecordOutcome(opened: 2, updated: 0, unchanged: 0, accountDaysWritten: 5, accountDaysUnchanged: 0))
            let before = try store.dump()
            let second = try store.record(runID: run, results: Self.batch, at: time(3600))
            #expect(second == RecordOutcome(opened: 0, updated: 0, unchanged: 2, accountDaysWritten: 0, accountDaysUnchanged: 5))
            #expect(try store.dump() == before)
        }
    }

    @Test(
        "a later run with the same results, in another order, changes nothing but the run table",
        arguments: StoreKind.allCases)
    func recordTwiceNewRun(kind: StoreKind) throws {
        try kind.withStore { store throws in
            try store.recordRun(Self.batch)
            var before = try store.dump()
            let auditRows = before["audit"]!.count
            let (_, second) = try store.recordRun(Self.batch.reversed(), at: time(86_400))
            #expect(second.opened == 0 && second.updated == 0 && second.accountDaysWritten == 0)
            var after = try store.dump()
            #expect(after["run"]!.count == 2)
            before["run"] = nil
            after["run"] = nil
            #expect(after == before)
            #expect(after["audit"]!.count == auditRows)
        }
    }

    @Test("the order of results does not decide case ids", arguments: StoreKind.allCases)
    func orderIndependent(kind: StoreKind) throws {
        let forward = try kind.withStore { store throws in
            try store.recordRun(Self.batch)
            return try store.dump()
        }
        let backward = try kind.withStore { store throws in
            try store.recordRun(Self.batch.reversed())
            return try store.dump()
        }
        #expect(forward == backward)
    }

    @Test("several flagged days in one call open one case with one audit entry", arguments: StoreKind.allCases)
    func oneCallOneCase(kind: StoreKind) throws {
        try kind.withStore { store throws in
            try store.recordRun(Self.batch)
            let cases = try store.listCases(CaseFilter(sort: .id))
            #expect(cases.map(\.subject) == ["acct-pool", "acct-proxy"])
            let pool = try #require(try store.caseDetail(id: cases[0].id))
            #expect(pool.summary.status == .open)
            #expect(pool.summary.score == 0.97)
            #expect(pool.summary.lastScore == 0.97)
            #expect(pool.summary.firstDay == "2025-03-01")
            #expect(pool.summary.lastDay == "2025-03-02")
            #expect(pool.summary.title == "Residential proxy ranges")
            #expect(pool.summary.tags == ["24x7", "pooling", "proxy"])
            #expect(pool.summary.createdAt == time(0) && pool.summary.updatedAt == time(0))
            #expect(pool.audit.map(\.action) == ["opened"])
            #expect(pool.audit.first?.actor == "run:1")
            #expect(Set(pool.evidence.map(\.day)) == ["2025-03-01", "2025-03-02"])
            #expect(pool.days.map(\.day) == ["2025-03-01", "2025-03-02"])
            #expect(
                pool.days.map { $0.hits.map(\.ruleID) } == [
                    ["around_the_clock", "many_ips"], ["around_the_clock", "many_ips", "proxy_ranges"],
                ])
            #expect(try store.caseOf("acct-quiet") == nil)
        }
    }

    @Test(
        "a second day updates the case: one case, last day moves, score is the maximum",
        arguments: StoreKind.allCases)
    func secondDayUpdates(kind: StoreKind) throws {
        try kind.withStore { store throws in
            try store.recordRun([result("acct-1", "2025-03-01", score: 0.80)], at: time(0))
            let (run2, second) = try store.recordRun(
                [result("acct-1", "2025-03-02", score: 0.95, hits: [manyIPs, proxyRanges])], at: time(86_400))
            #expect(second.opened == 0 && second.updated == 1)
            let (_, third) = try store.recordRun([result("acct-1", "2025-03-03", score: 0.70)], at: time(172_800))
            #expect(third.updated == 1)

            let cases = try store.listCases()
            #expect(cases.count == 1)
            let detail = try #require(try store.caseDetail(id: cases[0].id))
            #expect(detail.summary.score == 0.95)
            #expect(detail.summary.lastScore == 0.70)
            #expect(detail.summary.firstDay == "2025-03-01")
            #expect(detail.summary.lastDay == "2025-03-03")
            #expect(detail.summary.title == "Residential proxy ranges")
            #expect(detail.summary.tags == ["24x7", "pooling", "proxy"])
            #expect(detail.summary.createdAt == time(0))
            #expect(detail.summary.updatedAt == time(172_800))

            let day2 = detail.audit.filter { $0.actor == "run:\(run2)" }
            #expect(day2.allSatisfy { $0.action == "updated" && $0.at == time(86_400) })
            let changes = day2.map { [$0.field ?? "", $0.oldValue ?? "", $0.newValue ?? ""] }
            #expect(
                changes == [
                    ["score", "0.8", "0.95"],
                    ["last_score", "0.8", "0.95"],
                    ["last_day", "2025-03-01", "2025-03-02"],
                    ["title", "Many client addresses", "Residential proxy ranges"],
                    ["tags", #"["24x7","pooling"]"#, #"["24x7","pooling","proxy"]"#],
                    ["evidence:2025-03-02", "0 rows", "6 rows"],
                ])
            #expect(detail.audit.first?.action == "opened")
        }
    }

    @Test("an older day recorded late widens the case without moving its last day", arguments: StoreKind.allCases)
    func olderDayLate(kind: StoreKind) throws {
        try kind.withStore { store throws in
            try store.recordRun([result("acct-1", "2025-03-05", score: 0.80)])
            try store.recordRun([result("acct-1", "2025-03-01", score: 0.60)], at: time(10))
            let c = try #require(try store.caseOf("acct-1"))
            #expect(c.firstDay == "2025-03-01" && c.lastDay == "2025-03-05")
            #expect(c.score == 0.80 && c.lastScore == 0.80)
        }
    }

    @Test("an analyst's decision survives new evidence", arguments: StoreKind.allCases, [CaseStatus.dismissed, .confirmed])
    func decidedStatusIsKept(kind: StoreKind, decision: CaseStatus) throws {
        try kind.withStore { store throws in
            try store.recordRun([result("acct-1", "2025-03-01", score: 0.80)])
            let id = try #require(try store.caseOf("acct-1")).id
            _ = try store.update(caseID: id, status: decision, note: nil, actor: "ana", at: time(60))
            let (_, outcome) = try store.recordRun([result("acct-1", "2025-03-02", score: 0.90)], at: time(86_400))
            #expect(outcome.updated == 1)
            let detail = try #require(try store.caseDetail(id: id))
            #expect(detail.summary.status == decision)
            #expect(detail.summary.lastDay == "2025-03-02")
            #expect(detail.audit.map(\.action).filter { $0 != "new_evidence" } == ["opened", "status_changed"])
            #expect(detail.audit.contains { $0.action == "new_evidence" && $0.field == "last_day" })
        }
    }

    @Test("re-scoring a stored day replaces its rule hits and evidence", arguments: StoreKind.allCases)
    func rescoredDay(kind: StoreKind) throws {
        try kind.withStore { store throws in
            try store.recordRun([result("acct-1", "2025-03-01", score: 0.80)])
            let (_, outcome) = try store.recordRun(
                [result("acct-1", "2025-03-01", score: 0.85, hits: [manyIPs], requestIDs: ["req-9"])], at: time(5))
            #expect(outcome == RecordOutcome(opened: 0, updated: 1, unchanged: 0, accountDaysWritten: 1, accountDaysUnchanged: 0))
            let stored = try #require(try store.accountDay(accountID: "acct-1", day: day("2025-03-01")))
            #expect(stored.hits.map(\.ruleID) == ["many_ips"])
            #expect(stored.score == 0.85)
            #expect(stored.lastRunID == 2)
            let detail = try #require(try store.caseDetail(id: 1))
            #expect(detail.evidence.filter { $0.kind == .requestID }.map(\.value) == ["req-9"])
            #expect(detail.summary.lastScore == 0.85)
        }
    }

    @Test("an account day reads back exactly as recorded", arguments: StoreKind.allCases)
    func accountDayRoundTrip(kind: StoreKind) throws {
        try kind.withStore { store throws in
            let r = result("acct-1", "2025-03-01", score: 0.875, hits: [manyIPs, proxyRanges])
            let (run, _) = try store.recordRun([r])
            let stored = try #require(try store.accountDay(accountID: "acct-1", day: day("2025-03-01")))
            #expect(stored.accountID == "acct-1")
            #expect(stored.day == "2025-03-01")
            #expect(stored.features == r.features.features.named)
            #expect(FeatureVector(named: stored.features) == r.features.features)
            #expect(stored.evidence == r.features.evidence)
            #expect(stored.score == 0.875 && stored.flagged && stored.bias == -4)
            #expect(stored.lastRunID == run)
            #expect(
                stored.hits
                    == [manyIPs, proxyRanges].map {
                        StoredRuleHit(
                            ruleID: $0.ruleID, title: $0.title, weight: $0.weight, tags: $0.tags.sorted(),
                            explanation: $0.explanation, values: $0.values)
                    })
            #expect(try store.accountDay(accountID: "acct-1", day: day("2025-03-02")) == nil)
            #expect(try store.accountDay(accountID: "acct-2", day: day("2025-03-01")) == nil)
        }
    }

    @Test("stored JSON is plain: features by name with native values", arguments: StoreKind.allCases)
    func storedJSON(kind: StoreKind) throws {
        try kind.withStore { store throws in
            try store.recordRun([result("acct-1", "2025-03-01", score: 0.5, hits: [proxyRanges])])
            let row = try #require(try store.dump()["account_day"]?.first)
            #expect(
                row.contains(
                    #"'{"disposable_email":false,"distinct_ips":40,"hour_entropy":4.4,"plan":"max","requests":200,"top_ip_share":0.6}'"#))
            let hit = try #require(try store.dump()["rule_hit"]?.first)
            #expect(hit.contains(#"'{"disposable_email":true,"plan":"max"}'"#))
        }
    }

    @Test("records that cannot be stored are refused whole", arguments: StoreKind.allCases)
    func invalidInput(kind: StoreKind) throws {
        try kind.withStore { store throws in
            let run = try store.beginRun(inputs: [], inputDigest: "", at: time(0))
            var mismatched = result("acct-1", "2025-03-01", score: 0.9)
            mismatched.assessment.day += 1
            var nan = result("acct-2", "2025-03-01", score: 0.9)
            nan.assessment.score = .nan
            let twice = result("acct-3", "2025-03-01", score: 0.9, hits: [manyIPs, manyIPs])
            let cases: [([Result], String)] = [
                (
                    [result("acct-0", "2025-03-01", score: 0.9), mismatched],
                    "case store: results[1]: features and assessment are for different account days"
                ),
                ([nan], "case store: results[0]: score, bias and rule weights must be finite numbers"),
                ([twice], "case store: results[0]: rule many_ips fired twice in one assessment"),
                (
                    [result("acct-4", "2025-03-01", score: 0.9), result("acct-4", "2025-03-01", score: 0.8)],
                    "case store: results hold the same account day twice (day 2025-03-01)"
                ),
            ]
            for (results, message) in cases {
                let error = #expect(throws: CaseStoreError.self) {
                    try store.record(runID: run, results: results, at: time(0))
                }
                #expect(error?.description == message)
            }
            #expect(try store.dump()["account_day"] == [])
            #expect(try store.listCases() == [])
        }
    }

    @Test(
        "results made while earlier ones are written: whole accounts per call, every day once, stored as if made first",
        arguments: StoreKind.allCases)
    func madeWhileWritten(kind: StoreKind) throws {
        // 900 accounts with three days each, given in reverse: more than one chunk, and
        // chunk sizes (1,024) that end inside an account's days.
        let results: [Result] = Array(
            (0..<900).flatMap { a in
                (0..<3).map { d in
                    result("acct-\(a)", "2025-03-0\(d + 1)", score: a % 10 == 0 ? 0.9 : 0.1, flagged: a % 10 == 0)
                }
            }.reversed())
        let subjects = results.map { (accountID: $0.assessment.accountID, day: $0.assessment.day) }
        let calls = Mutex<[[Int]]>([])
        let streamed = try kind.withStore { store throws in
            let run = try store.beginRun(inputs: ["logs/a.jsonl"], inputDigest: "sha256:00", at: time(0))
            let (outcome, back) = try store.record(runID: run, subjects: subjects, at: time(0)) { indices in
                calls.withLock { $0.append(indices) }
                return indices.map { results[$0] }
            }
            #expect(outcome == RecordOutcome(opened: 90, updated: 0, unchanged: 0, accountDaysWritten: 2700, accountDaysUnchanged: 0))
            let inOrder = results.sorted { x, y in
                x.assessment.accountID == y.assessment.accountID
                    ? x.assessment.day < y.assessment.day
                    : x.assessment.accountID.utf8.lexicographicallyPrecedes(y.assessment.accountID.utf8)
            }
            #expect(back.map(\.assessment) == inOrder.map(\.assessment))
            return try store.dump()
        }
        let madeFirst = try kind.withStore { store throws in
            try store.recordRun(results)
            return try store.dump()
        }
        #expect(streamed == madeFirst)

        let made = calls.withLock { $0 }
        #expect(made.count > 1)
        #expect(made.flatMap { $0 }.sorted() == Array(results.indices))
        var callOf: [String: Int] = [:]
        for (c, indices) in made.enumerated() {
            for i in indices {
                let account = results[i].assessment.accountID
                #expect(callOf[account, default: c] == c, "\(account) is split over calls")
                callOf[account] = c
            }
        }
    }

    @Test("results made for another account day than asked are refused whole", arguments: StoreKind.allCases)
    func madeWrong(kind: StoreKind) throws {
        let results: [Result] = (0..<3).map { result("acct-\($0)", "2025-03-01", score: 0.9) }
        let subjects = results.map { (accountID: $0.assessment.accountID, day: $0.assessment.day) }
        try kind.withStore { store throws in
            let run = try store.beginRun(inputs: [], inputDigest: "", at: time(0))
            var error = #expect(throws: CaseStoreError.self) {
                try store.record(runID: run, subjects: subjects, at: time(0)) { indices in
                    indices.map { results[$0 == 1 ? 2 : $0] }
                }
            }
            #expect(error?.description == "case store: results[1]: not the account day asked for")
            error = #expect(throws: CaseStoreError.self) {
                try store.record(runID: run, subjects: subjects, at: time(0)) { indices in indices.dropLast().map { results[$0] } }
            }
            #expect(error?.description == "case store: 2 results made for 3 account days asked")
            #expect(try store.dump()["account_day"] == [])
            #expect(try store.listCases() == [])
        }
    }

    @Test(
        "tens of thousands of account days record in one transaction, and again as a no-op",
        arguments: StoreKind.allCases)
    func bulk(kind: StoreKind) throws {
        let count = 20_000
        let results = (0..<count).map { i in
            result(
                "acct-\(i)", "2025-03-01", score: i % 20 == 0 ? 0.9 : 0.1, flagged: i % 20 == 0,
                ips: [CountedValue("10.0.\(i / 256 % 256).\(i % 256)", 10)])
        }
        try kind.withStore { store throws in
            let clock = ContinuousClock()
            var outcome = RecordOutcome()
            let first = try clock.measure { outcome = try store.recordRun(results).outcome }
            #expect(outcome.opened == count / 20 && outcome.accountDaysWritten == count)
            let second = try clock.measure { outcome = try store.recordRun(results, at: time(60)).outcome }
            #expect(outcome.unchanged == count / 20 && outcome.accountDaysUnchanged == count)
            print("\(kind): recorded \(count) account days in \(first), again in \(second)")
        }
    }
}
