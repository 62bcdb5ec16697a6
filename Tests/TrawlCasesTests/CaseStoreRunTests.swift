import Foundation
import Testing

@testable import TrawlCases

@Suite("Case store: runs")
struct CaseStoreRunTests {
    @Test("a run is stored when begun and summarised when finished", arguments: StoreKind.allCases)
    func beginAndFinish(kind: StoreKind) throws {
        try kind.withStore { store throws in
            let id = try store.beginRun(inputs: ["a.jsonl.gz", "-"], inputDigest: "sha256:abc", at: time(0))
            #expect(
                try store.runs() == [
                    RunRecord(
                        id: id, startedAt: time(0), inputs: ["a.jsonl.gz", "-"], inputDigest: "sha256:abc",
                        status: .running, summary: nil)
                ])
            let summary = RunSummary(
                finishedAt: time(90), linesRead: 1000, badLines: 3, badByReason: ["bad_json": 2, "no_account": 1],
                accounts: 12, casesOpened: 2, casesUpdated: 1, status: .completed)
            try store.finishRun(id, summary: summary)
            let runs = try store.runs()
            #expect(runs.count == 1)
            #expect(runs.first?.status == .completed)
            #expect(runs.first?.summary == summary)
        }
    }

    @Test("finishing or recording into an unknown run fails", arguments: StoreKind.allCases)
    func unknownRun(kind: StoreKind) throws {
        try kind.withStore { store throws in
            let summary = RunSummary(
                finishedAt: time(1), linesRead: 0, badLines: 0, badByReason: [:], accounts: 0, casesOpened: 0,
                casesUpdated: 0, status: .failed)
            let finish = #expect(throws: CaseStoreError.self) { try store.finishRun(7, summary: summary) }
            #expect(finish?.reason == .unknownRun(id: 7))
            #expect(finish?.description == "case store: no run with id 7")
            let record = #expect(throws: CaseStoreError.self) {
                try store.record(runID: 7, results: [result("acct-1", "2025-03-01", score: 0.9)], at: time(0))
            }
            #expect(record?.reason == .unknownRun(id: 7))
            #expect(try store.dump()["account_day"] == [])
        }
    }
}
