import Foundation
import Synchronization
import TrawlFeatures
import TrawlIngest
import TrawlModel

/// The decoding half of a live run, on a thread of its own: decodes followed chunks into a
/// `FeatureAccumulator` (the batch pass's own, with a bucket-long period) while the analysis
/// thread scores what was drained before.
///
/// The analysis thread takes what was decoded with `drain()`: the accumulated states with
/// the stream positions after the last chunk they hold, under one lock, so a checkpoint
/// taken after the states are in the windows stores the positions that go with them.
final class LiveIngest: Sendable {
    /// What was decoded since the last drain, and the totals so far.
    struct Drained: Sendable {
        var part: AccountDayPartition
        var ja4Names: [UInt64: String]
        /// Where each stream stands after the last chunk in `part` (stream number → position).
        var positions: [Int: StreamPosition]
        var lines: Int
        var events: Int
        /// Bad lines so far, with the first few of each reason.
        var tally: BadLineTally
    }

    private struct Side: Sendable {
        var decoder: CanonicalLogDecoder
        var accumulator: FeatureAccumulator
        var batch = DecodedBatch()
        /// Bad lines of decoders started afresh, and overlong lines.
        var tally = BadLineTally()
        var positions: [Int: StreamPosition] = [:]
        var lines = 0
        var events = 0
        /// Lines decoded since the last drain.
        var undrained = 0
        var decodeSeconds = 0.0
    }

    private let side: Mutex<Side>
    private let make: @Sendable () -> (CanonicalLogDecoder, FeatureAccumulator)
    private let maxLineBytes: Int
    private let stateLimit: Int
    private let closed = Atomic<Bool>(false)
    private let waiting = Atomic<Bool>(false)

    /// Lines decoded and not yet drained past which `add` waits for a drain: memory stays
    /// bounded when the analysis falls behind (the readers then wait in their queue).
    static let undrainedLimit = 2_000_000

    /// Undrained states (one per account and period) past which `add` waits for a drain too.
    /// Catching up on a backlog (a restart after an outage, `--from-start` on old logs) runs
    /// through event time far faster than the clock, so a few lines of each account fall in
    /// each period and the states, not the lines, take the memory: with 2,000,000 lines
    /// undrained the heap reached 2.4 GB on a 4-minute backlog of 40,000 accounts. Live, a
    /// tick drains a few thousand (40,000 accounts at 50,000 lines/s: about 6,000).
    static let undrainedStateLimit = 60_000

    /// Interned strings past which the decoder starts afresh (its interner never shrinks).
    static let internerLimit = 1 << 21

    /// - Parameter stateLimit: undrained states past which `add` waits (`undrainedStateLimit`).
    /// - Parameter make: a fresh decoder and accumulator (at the start, and when the
    ///   interner has grown past `internerLimit`).
    init(
        maxLineBytes: Int, stateLimit: Int = LiveIngest.undrainedStateLimit,
        make: @escaping @Sendable () -> (CanonicalLogDecoder, FeatureAccumulator)
    ) {
        self.make = make
        self.maxLineBytes = maxLineBytes
        self.stateLimit = stateLimit
        let (decoder, accumulator) = make()
        side = Mutex(Side(decoder: decoder, accumulator: accumulator))
    }

    /// Seconds spent decoding and accumulating so far.
    var decodeSeconds: Double { side.withLock { $0.decodeSeconds } }

    /// Undrained states (one per account and period).
    var undrainedStates: Int { side.withLock { $0.accumulator.accountDays } }

    /// Whether `add` is waiting for a drain.
    var isWaiting: Bool { waiting.load(ordering: .sequentiallyConsistent) }

    /// Decodes and accumulates one chunk, and notes its stream's position. Waits first while
    /// more than `undrainedLimit` lines or `stateLimit` states wait for a drain (unless closed).
    func add(_ chunk: FollowedChunk) {
        while side.withLock({ $0.undrained > Self.undrainedLimit || $0.accumulator.accountDays > stateLimit })
            && !closed.load(ordering: .relaxed)
        {
            waiting.store(true, ordering: .sequentiallyConsistent)
            usleep(1000)
        }
        waiting.store(false, ordering: .sequentiallyConsistent)
        side.withLock { s in
            let t0 = DispatchTime.now().uptimeNanoseconds
            if !chunk.bytes.isEmpty {
                s.batch.reset()
                let start = Int(chunk.position.offset) - chunk.bytes.count
                chunk.bytes.withUnsafeBytes {
                    s.decoder.decode($0, fileIndex: max(0, chunk.stream), sequence: max(0, start), into: &s.batch)
                }
                s.accumulator.add(s.batch.events, arena: s.batch.arena, interner: s.decoder.interner)
                s.lines += s.batch.lines
                s.undrained += s.batch.lines
                s.events += s.batch.events.count
            }
            if chunk.overlongLines > 0 {
                s.lines += chunk.overlongLines
                for _ in 0..<chunk.overlongLines {
                    s.tally.record(
                        .lineTooLong,
                        at: LinePosition(fileIndex: max(0, chunk.stream), sequence: Int(chunk.position.offset), lineInChunk: 0),
                        detail: "line is longer than --max-line-bytes \(maxLineBytes)")
                }
            }
            if chunk.stream >= 0 { s.positions[chunk.stream] = chunk.position }
            s.decodeSeconds += Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        }
    }

    /// Ends the waits of `add` for a drain (the analysis has stopped).
    func close() { closed.store(true, ordering: .relaxed) }

    /// Takes everything accumulated so far (one state per account and period).
    func drain() -> Drained {
        side.withLock { s in
            let part = s.accumulator.drain(interner: s.decoder.interner, partitions: 1) { _ in 0 }[0]
            let names = s.accumulator.takeJA4Names()
            var tally = s.tally
            tally.merge(s.decoder.tally)
            s.undrained = 0
            if s.decoder.interner.count > Self.internerLimit {
                s.tally.merge(s.decoder.tally)
                (s.decoder, s.accumulator) = make()
            }
            return Drained(part: part, ja4Names: names, positions: s.positions, lines: s.lines, events: s.events, tally: tally)
        }
    }
}
