import Foundation
import Testing
import TrawlFeatures
import TrawlModel

@testable import TrawlCases

@Suite("Case store: live-run checkpoints")
struct CaseStoreTailTests {
    static func stream(_ path: String, offset: Int64, finished: Bool = false) -> StreamPosition {
        StreamPosition(
            path: path, device: 2049, inode: UInt64.max - 7, headLength: 1024, headHash: 0xFEDC_BA98_7654_3210, offset: offset,
            finished: finished, lastRead: 1_795_000_000_123)
    }

    static func bucket(_ account: String, span: Int64, _ n: Int64, _ state: [UInt8]) -> WindowBucketRecord {
        WindowBucketRecord(accountID: account, spanMillis: span, bucket: n, state: state)
    }

    @Test("a checkpoint reads back; the next one replaces streams, upserts buckets, deletes old ones", arguments: StoreKind.allCases)
    func checkpointsReadBackAndReplace(kind: StoreKind) throws {
        try kind.withStore { store throws in
            #expect(try store.loadTailCheckpoint() == nil)
            let first = TailCheckpoint(
                streams: [Self.stream("/var/log/api.log", offset: 4096), Self.stream("/var/log/api.log.1.gz", offset: 99, finished: true)],
                buckets: [
                    Self.bucket("acct-1", span: 3_600_000, 100, [1, 2, 3]), Self.bucket("acct-1", span: 86_400_000, 10, [4]),
                    Self.bucket("acct-2", span: 3_600_000, 101, [5, 6]),
                ],
                keepFrom: [], watermark: 1_795_000_000_000, runID: 7, windowSpans: [3_600_000, 86_400_000])
            try store.saveTailCheckpoint(first, at: time(0))
            let loaded = try #require(try store.loadTailCheckpoint())
            #expect(loaded.streams == first.streams)
            #expect(loaded.buckets == first.buckets)
            #expect(loaded.watermark == first.watermark)
            #expect(loaded.runID == 7)
            #expect(loaded.windowSpans == [3_600_000, 86_400_000])

            let second = TailCheckpoint(
                streams: [Self.stream("/var/log/api.log", offset: 8192)],
                buckets: [Self.bucket("acct-2", span: 3_600_000, 101, [7]), Self.bucket("acct-2", span: 3_600_000, 102, [8])],
                keepFrom: [WindowStart(spanMillis: 3_600_000, bucket: 101)], watermark: 1_795_000_300_000, runID: 7,
                windowSpans: [3_600_000, 86_400_000])
            try store.saveTailCheckpoint(second, at: time(1))
            let again = try #require(try store.loadTailCheckpoint())
            #expect(again.streams == second.streams)
            #expect(
                again.buckets == [
                    Self.bucket("acct-1", span: 86_400_000, 10, [4]), Self.bucket("acct-2", span: 3_600_000, 101, [7]),
                    Self.bucket("acct-2", span: 3_600_000, 102, [8]),
                ])
            #expect(again.watermark == 1_795_000_300_000)
            // A run with other windows drops the buckets of windows it no longer has.
            var third = second
            third.buckets = []
            third.keepFrom = []
            third.windowSpans = [3_600_000]
            try store.saveTailCheckpoint(third, at: time(2))
            #expect(try store.loadTailCheckpoint()?.buckets.map(\.spanMillis) == [3_600_000, 3_600_000])
        }
    }

    @Test("alert levels are kept per subject and can be cleared", arguments: StoreKind.allCases)
    func alertLevels(kind: StoreKind) throws {
        try kind.withStore { store throws in
            try store.saveTailAlertLevel(kind: .account, subject: "acct-1", level: TailAlertLevel(band: 1, score: 0.6), at: time(0))
            try store.saveTailAlertLevel(kind: .account, subject: "acct-1", level: TailAlertLevel(band: 2, score: 0.93), at: time(1))
            try store.saveTailAlertLevel(kind: .cluster, subject: "op-1", level: TailAlertLevel(band: 1, score: 0.7), at: time(1))
            #expect(try store.tailAlertLevels(kind: .account) == ["acct-1": TailAlertLevel(band: 2, score: 0.93)])
            #expect(try store.tailAlertLevels(kind: .cluster) == ["op-1": TailAlertLevel(band: 1, score: 0.7)])
            try store.saveTailAlertLevel(kind: .account, subject: "acct-1", level: nil, at: time(2))
            #expect(try store.tailAlertLevels(kind: .account).isEmpty)
        }
    }

    @Test("a case's id is found by its subject", arguments: StoreKind.allCases)
    func caseIDBySubject(kind: StoreKind) throws {
        try kind.withStore { store throws in
            try store.recordRun([result("acct-1", "2025-03-01", score: 0.9), result("acct-2", "2025-03-01", score: 0.8)])
            #expect(try store.caseID(kind: .account, subject: "acct-2") == 2)
            #expect(try store.caseID(kind: .account, subject: "acct-3") == nil)
            #expect(try store.caseID(kind: .cluster, subject: "acct-1") == nil)
        }
    }
}
