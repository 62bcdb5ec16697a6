import Foundation
import Synchronization
import Testing
import TrawlFeatures
import TrawlIngest
import TrawlModel

@testable import TrawlPipeline

/// The decoding thread of a live run hands the analysis states and positions that go
/// together: whatever a drain holds is exactly the lines before the positions it reports.
@Suite struct LiveIngestTests {
    /// `count` lines of three accounts, one a second each, all valid.
    static func lines(_ count: Int) -> [String] {
        let t0: Int64 = Int64(TimestampParser.parseDay("2026-11-21")!) * TimestampParser.millisPerDay
        return (0..<count).map { n in
            #"{"ts":\#(t0 + Int64(n) * 1000),"account_id":"acct-\#(n % 3)","client_ip":"10.0.0.\#(n % 50)","request_id":"r\#(n)","input_tokens":10,"output_tokens":5}"#
        }
    }

    @Test func drainsHoldExactlyTheLinesBeforeTheirPositions() throws {
        let all = Self.lines(30_000)
        // Chunks of 1 to 40 lines, each ending at a known offset.
        var chunks: [FollowedChunk] = []
        var linesBefore: [Int64: Int] = [0: 0]
        var offset: Int64 = 0
        var i = 0
        while i < all.count {
            let n = min(all.count - i, 1 + (i * 7) % 40)
            let bytes = Array((all[i..<(i + n)].joined(separator: "\n") + "\n").utf8)
            offset += Int64(bytes.count)
            i += n
            linesBefore[offset] = i
            let position = StreamPosition(
                path: "log", device: 1, inode: 1, headLength: 0, headHash: 0, offset: offset, finished: false, lastRead: 0)
            chunks.append(FollowedChunk(stream: 0, position: position, bytes: bytes))
        }
        let ingest = LiveIngest(maxLineBytes: 1 << 20) {
            var a = FeatureAccumulator(plans: PlanCatalog())
            a.periodMillis = 60_000
            return (CanonicalLogDecoder(maxLineBytes: 1 << 20), a)
        }
        let done = DispatchSemaphore(value: 0)
        let feed = chunks
        Thread.detachNewThread {
            for c in feed { ingest.add(c) }
            done.signal()
        }
        var requests: [String: Int] = [:]
        var drains = 0
        var finished = false
        while !finished {
            finished = done.wait(timeout: .now() + 0.001) == .success
            let d = ingest.drain()
            drains += 1
            for k in 0..<d.part.count { requests[d.part.keys[k].accountID, default: 0] += d.part.states[k].requests }
            // Every request drained so far, and no more, is before the drained position.
            let before = d.positions[0].map { linesBefore[$0.offset]! } ?? 0
            #expect(d.lines == before)
            #expect(requests.values.reduce(0, +) == before)
            #expect(d.events == before)
        }
        #expect(requests == ["acct-0": 10_000, "acct-1": 10_000, "acct-2": 10_000])
        #expect(ingest.drain().part.count == 0)
        #expect(drains > 1)
    }

    /// Catching up on a backlog, event time runs through many periods per drain and every
    /// account's few lines in each make a state of their own: the decoder waits once the
    /// undrained states pass the limit, however few lines they hold, and loses none.
    @Test func decoderWaitsForADrainPastTheStateLimit() throws {
        let t0: Int64 = Int64(TimestampParser.parseDay("2026-11-21")!) * TimestampParser.millisPerDay
        // 400 chunks of 25 lines: 25 accounts, each line in a minute of its own (period 1 min),
        // so every line is a new state: 10,000 states in 10,000 lines.
        var chunks: [FollowedChunk] = []
        var offset: Int64 = 0
        for c in 0..<400 {
            let lines = (0..<25).map { k in
                #"{"ts":\#(t0 + Int64(c) * 60_000 + Int64(k)),"account_id":"acct-\#(k)","client_ip":"10.0.0.1","request_id":"r\#(c)-\#(k)"}"#
            }
            let bytes = Array((lines.joined(separator: "\n") + "\n").utf8)
            offset += Int64(bytes.count)
            let position = StreamPosition(
                path: "log", device: 1, inode: 1, headLength: 0, headHash: 0, offset: offset, finished: false, lastRead: 0)
            chunks.append(FollowedChunk(stream: 0, position: position, bytes: bytes))
        }
        let limit = 1_000
        let ingest = LiveIngest(maxLineBytes: 1 << 20, stateLimit: limit) {
            var a = FeatureAccumulator(plans: PlanCatalog())
            a.periodMillis = 60_000
            return (CanonicalLogDecoder(maxLineBytes: 1 << 20), a)
        }
        let finished = Atomic<Bool>(false)
        let feed = chunks
        Thread.detachNewThread {
            for c in feed { ingest.add(c) }
            finished.store(true, ordering: .sequentiallyConsistent)
        }
        var requests = 0
        var stalls = 0
        while !finished.load(ordering: .sequentiallyConsistent) {
            // Drained only once the decoder waits: it must stop within a chunk of the limit.
            guard ingest.isWaiting else {
                usleep(200)
                continue
            }
            let held = ingest.undrainedStates
            #expect(held > limit && held <= limit + 25)
            stalls += 1
            let d = ingest.drain()
            for k in 0..<d.part.count { requests += d.part.states[k].requests }
            // Until the decoder has seen the drain.
            while ingest.isWaiting && !finished.load(ordering: .sequentiallyConsistent) { usleep(100) }
        }
        let d = ingest.drain()
        for k in 0..<d.part.count { requests += d.part.states[k].requests }
        #expect(requests == 10_000)
        #expect(d.lines == 10_000)
        // 10,000 states through a limit of 1,000: the decoder waited at least 9 times.
        #expect(stalls >= 9)
    }
}
