import Foundation
import Synchronization
import TrawlCases
import TrawlFeatures
import TrawlIngest
import TrawlModel
import TrawlPrompts

/// What reading the logs produced: per account-day state and the damage found.
public struct AggregateResult: Sendable {
    /// The account-day states, split by account (each account's days are in one part).
    public var partitions: [AccountDayPartition] = []
    public var tally = BadLineTally()
    public var linesRead = 0
    public var events = 0
    public var bytesRead = 0
    public var files: [InputFile] = []
    /// The text of every JA4 the logs named, by stable hash.
    public var ja4Names: [UInt64: String] = [:]
    /// Every input read, with the SHA-256 of its bytes (computed as it was read), in order.
    public var digests: [RunInputFile] = []
    /// Failures that stopped a whole file (it could not be opened).
    public var fileErrors: [IngestError] = []
    /// Bad-line samples with absolute line numbers, in input order: "file:line: reason: detail".
    public var reports: [String] = []
    /// Seconds spent decoding (all workers) and merging their states.
    public var decodeSeconds = 0.0
    public var mergeSeconds = 0.0

    /// Account-days over all partitions.
    public var accountDays: Int { partitions.reduce(0) { $0 + $1.count } }

    /// Distinct accounts over all partitions.
    public var accounts: Int { partitions.reduce(0) { $0 + Set($1.keys.map(\.accountID)).count } }
}

/// Progress of a running aggregation, for a terminal progress line.
public struct ProgressSnapshot: Sendable {
    public var bytesDone: Int
    public var bytesTotal: Int?
    public var lines: Int
    public var seconds: Double
    /// What the run is doing: reading, merging, scoring or storing.
    public var phase = "reading"
}

/// Reads, decodes and aggregates access logs on all cores.
///
/// One reader thread opens the files in order, decompresses them and cuts them into
/// chunks of whole lines; chunk `k` goes to worker `k mod N` to be decoded. Each worker owns
/// its decoder, interner and accumulator, and the accounts whose hash is its number mod N:
/// the events of a decoded chunk go to the workers that own their accounts, and every
/// worker accumulates its shares in chunk order. So each account-day has one state, built
/// from its requests in input order, and the result is the same run after run, whatever
/// the number of workers and the read size.
public struct LogAggregator: Sendable {
    public var chunkSize = 4 << 20
    public var maxLineBytes = 1 << 20
    public var workers = max(1, ProcessInfo.processInfo.activeProcessorCount)
    /// Quote offending values in bad-line reports (see `CanonicalLogDecoder.quoteValues`).
    public var quoteValues = false
    public let plans: PlanCatalog
    /// Enrichment of client addresses (GeoIP), or `nil` for none.
    public var enricher: (any AddressEnricher)?
    /// Captured connections to join requests to, or `nil`.
    public var connections: (any ConnectionLookup)?
    /// The TLS stack table for tls_ua_mismatch_share and relay_stack_share, or `nil`.
    public var stacks: TLSStackTable?
    /// Prompt analysis (copied to each worker), or `nil` to skip prompt text altogether.
    public var prompts: PromptAnalyzer?
    /// Prompt texts kept per account-day for evidence (`--keep-samples`).
    public var keepSamples = 0

    public init(plans: PlanCatalog, enricher: (any AddressEnricher)? = nil) {
        self.plans = plans
        self.enricher = enricher
    }

    private final class Worker: @unchecked Sendable {
        let index: Int
        var decoder: CanonicalLogDecoder
        var accumulator: FeatureAccumulator
        var batch = DecodedBatch()
        /// (file, sequence, lines) of every chunk decoded, to resolve line numbers.
        var chunkLines: [(Int, Int, Int)] = []
        /// The worker's state by partition (account hash mod partitions), exported in its
        /// thread; one box per partition, so merge threads each take their own.
        var exported: [Box<AccountDayPartition>] = []
        var ja4Names: [UInt64: String] = [:]
        let queue: BlockingQueue<Work>
        /// Shares of other workers' chunks for this worker's accounts, by chunk number.
        let inbox = Inbox()
        /// How many of this decoder's interned strings each other worker has been sent.
        var stringsSent: [Int]
        /// Id translation from each other worker's interner to this one's (`[0] == 0`).
        var idMaps: [[UInt32]]
        /// The next chunk whose share this worker accumulates.
        var nextChunk = 0
        /// This worker's share of the chunk it decoded last.
        var own: [RequestEvent] = []

        init(
            index: Int, workers: Int, maxLineBytes: Int, plans: PlanCatalog, enricher: (any AddressEnricher)?,
            connections: (any ConnectionLookup)?, stacks: TLSStackTable?, prompts: PromptAnalyzer?, keepSamples: Int
        ) {
            self.index = index
            decoder = CanonicalLogDecoder(maxLineBytes: maxLineBytes)
            decoder.keepPromptText = prompts != nil
            accumulator = FeatureAccumulator(
                plans: plans, enricher: enricher, connections: connections, stacks: stacks, prompts: prompts,
                keepSamples: keepSamples)
            queue = BlockingQueue(capacity: 4)
            stringsSent = Array(repeating: 0, count: workers)
            idMaps = Array(repeating: [0], count: workers)
        }

        /// Splits the decoded batch by the worker that owns each event's account: keeps its
        /// own share in `own` and sends each other worker its share (empty ones too: every
        /// worker takes one share of every chunk, in chunk order).
        func route(chunk: Int, to workers: [Worker]) {
            own.removeAll(keepingCapacity: true)
            let n = workers.count
            var shares = Array(repeating: [RequestEvent](), count: n)
            if n == 1 {
                own.append(contentsOf: batch.events)
            } else {
                for e in batch.events {
                    let owner = Int(decoder.interner.hash(e.account) % UInt64(n))
                    if owner == index { own.append(e) } else { shares[owner].append(e) }
                }
            }
            let interned = decoder.interner.count
            for w in workers where w !== self {
                var share = Share(events: shares[w.index], arena: [])
                if !share.events.isEmpty {
                    share.arena = batch.arena
                    // The strings interned since this worker last sent it any, so that it can
                    // translate the share's ids (sent in id order; ids start at 1).
                    if stringsSent[w.index] < interned {
                        share.strings = ((stringsSent[w.index] + 1)...interned).map { decoder.interner.string(UInt32($0)) }
                        stringsSent[w.index] = interned
                    }
                    share.interned = interned
                }
                w.inbox.put(chunk, share)
            }
        }

        /// Accumulates every share up to and including chunk `last`, in chunk order (waiting
        /// for other workers' shares), so the states see the requests in input order.
        func accumulate(through last: Int, workers: Int) {
            while nextChunk <= last {
                if nextChunk % workers == index {
                    accumulator.add(own, arena: batch.arena, interner: decoder.interner)
                    own.removeAll(keepingCapacity: true)
                } else {
                    var share = inbox.take(nextChunk)
                    if !share.events.isEmpty {
                        let from = nextChunk % workers
                        for s in share.strings { idMaps[from].append(decoder.interner.intern(s)) }
                        // The map is read unchecked below: it must cover every id the sender had.
                        precondition(idMaps[from].count == share.interned + 1, "string deltas out of step")
                        idMaps[from].withUnsafeBufferPointer { map in
                            for i in share.events.indices { share.events[i].remapInterned(map) }
                        }
                        accumulator.add(share.events, arena: share.arena, interner: decoder.interner)
                    }
                }
                nextChunk += 1
            }
        }
    }

    /// A chunk number handed to its decoding worker (chunk `k` goes to worker `k mod N`).
    struct Work: Sendable {
        var chunk: LineChunk
        var number: Int
    }

    /// One worker's share of a chunk another worker decoded: the events of its accounts,
    /// the text they point into, and the decoder's strings interned since the last share.
    struct Share: Sendable {
        var events: [RequestEvent]
        var arena: [UInt8]
        var strings: [String] = []
        /// How many strings the sender's interner held when it made the share.
        var interned = 0
    }

    /// Shares waiting for a worker, by chunk number.
    final class Inbox: @unchecked Sendable {
        private let condition = NSCondition()
        private var shares: [Int: Share] = [:]

        func put(_ chunk: Int, _ share: Share) {
            condition.lock()
            shares[chunk] = share
            condition.broadcast()
            condition.unlock()
        }

        /// The share of `chunk`, waiting until it comes.
        func take(_ chunk: Int) -> Share {
            condition.lock()
            defer { condition.unlock() }
            while true {
                if let share = shares.removeValue(forKey: chunk) { return share }
                condition.wait()
            }
        }
    }

    public func run(_ files: [InputFile], progress: (@Sendable (ProgressSnapshot) -> Void)? = nil) -> AggregateResult {
        let started = Date()
        let pool = ChunkPool(chunkSize: chunkSize)
        let workers = (0..<self.workers).map { i in
            Worker(
                index: i, workers: self.workers, maxLineBytes: maxLineBytes, plans: plans, enricher: enricher,
                connections: connections, stacks: stacks, prompts: prompts, keepSamples: keepSamples)
        }
        for w in workers { w.decoder.quoteValues = quoteValues }
        let linesDone = Atomic<Int>(0)
        // Chunks handed out in all; set before the queues close.
        let chunksTotal = Atomic<Int>(0)
        let partitions = workers.count
        let group = DispatchGroup()
        // Each worker decodes every N-th chunk, but accumulates the requests of its own
        // accounts (account hash mod N) from every chunk: its decoded chunk is split by
        // account and the shares go to their owners. So an account's state is built in one
        // worker only — a state per account-day, not one per worker (which held half the
        // memory of the pass) — and in input order, whichever worker ran ahead.
        for w in workers {
            group.enter()
            let thread = Thread {
                while let work = w.queue.pop() {
                    let chunk = work.chunk
                    let pos = LinePosition(fileIndex: chunk.fileIndex, sequence: chunk.sequence, lineInChunk: 0)
                    w.batch.reset()
                    switch chunk.kind {
                    case .lines:
                        guard let buffer = chunk.buffer else { break }
                        w.decoder.decode(buffer.bytes, fileIndex: chunk.fileIndex, sequence: chunk.sequence, into: &w.batch)
                        pool.recycle(buffer)
                        w.chunkLines.append((chunk.fileIndex, chunk.sequence, w.batch.lines))
                        linesDone.add(w.batch.lines, ordering: .relaxed)
                    case .overlongLine:
                        w.decoder.recordDropped(.lineTooLong, at: pos, detail: "line is longer than --max-line-bytes \(maxLineBytes)")
                        w.chunkLines.append((chunk.fileIndex, chunk.sequence, 1))
                        linesDone.add(1, ordering: .relaxed)
                    case .truncatedTail:
                        w.chunkLines.append((chunk.fileIndex, chunk.sequence, 0))
                    }
                    w.route(chunk: work.number, to: workers)
                    w.accumulate(through: work.number, workers: workers.count)
                }
                w.accumulate(through: chunksTotal.load(ordering: .acquiring) - 1, workers: workers.count)
                // Export on the worker's own thread, split by account into one part per
                // worker (all but its own part empty), so that the merge below runs in
                // parallel too.
                w.exported = w.accumulator.drain(interner: w.decoder.interner, partitions: partitions) {
                    Int(stableHash($0) % UInt64(partitions))
                }.map(Box.init)
                w.ja4Names = w.accumulator.ja4Names
                w.accumulator = FeatureAccumulator(plans: plans)
                group.leave()
            }
            thread.stackSize = 8 << 20
            thread.start()
        }

        var result = AggregateResult()
        result.files = files
        let sizes = files.map { f -> Int? in
            f.isStandardInput ? nil : ((try? FileManager.default.attributesOfItem(atPath: f.path)[.size]) as? NSNumber)?.intValue
        }
        let total: Int? = sizes.contains { $0 == nil } ? nil : sizes.reduce(0) { $0 + ($1 ?? 0) }
        var bytesBefore = 0
        var next = 0
        var lastReport = Date()
        // Stream failures by file, with the chunk count at which they happened.
        var streamFailures: [(file: Int, chunks: Int, error: IngestError)] = []
        for (fileIndex, file) in files.enumerated() {
            let source: any ByteSource
            let digest = SourceDigest()
            do {
                source = try openByteSource(file) { digest.add($0) }
            } catch let e as IngestError {
                result.fileErrors.append(e)
                continue
            } catch {
                continue
            }
            let chunker = LineChunker(source: source, fileIndex: fileIndex, pool: pool, maxLineBytes: maxLineBytes)
            var chunks = 0
            while let chunk = chunker.next() {
                workers[next % workers.count].queue.push(Work(chunk: chunk, number: next))
                next += 1
                chunks += 1
                if let progress, Date().timeIntervalSince(lastReport) > 0.2 {
                    lastReport = Date()
                    progress(
                        ProgressSnapshot(
                            bytesDone: bytesBefore + chunker.bytesConsumed, bytesTotal: total,
                            lines: linesDone.load(ordering: .relaxed), seconds: Date().timeIntervalSince(started)))
                }
            }
            bytesBefore += chunker.bytesConsumed
            if let e = chunker.streamError { streamFailures.append((fileIndex, chunks, e)) }
            result.digests.append(digest.finish(file))
        }
        chunksTotal.store(next, ordering: .releasing)
        for w in workers { w.queue.close(consumers: 1) }
        group.wait()
        progress?(
            ProgressSnapshot(
                bytesDone: bytesBefore, bytesTotal: total, lines: linesDone.load(ordering: .relaxed),
                seconds: Date().timeIntervalSince(started), phase: "merging account state"))
        result.bytesRead = bytesBefore
        let decoded = Date()
        result.decodeSeconds = decoded.timeIntervalSince(started)

        // Worker p built partition p alone (the others' parts p are empty), so the merge
        // below moves states rather than merging them.
        for w in workers {
            result.tally.merge(w.decoder.tally)
            result.ja4Names.merge(w.ja4Names) { a, _ in a }
        }
        // Each part's states were moved out of the workers, so they are uniquely owned
        // and merge in place.
        result.partitions = concurrentMap(count: partitions) { p in
            var part = AccountDayPartition()
            swap(&part, &workers[p].exported[p].value)
            for w in workers where w.index != p { part.merge(&w.exported[p].value) }
            part.dropPositions()
            return part
        }
        for w in workers { w.exported = [] }
        // Resolve chunk-relative positions to absolute line numbers.
        var perFile: [Int: [Int: Int]] = [:]
        for w in workers { for (f, s, n) in w.chunkLines { perFile[f, default: [:]][s] = n } }
        var startLine: [Int: [Int: Int]] = [:]
        var linesPerFile: [Int: Int] = [:]
        for (f, seqs) in perFile {
            var running = 0
            var starts: [Int: Int] = [:]
            for s in seqs.keys.sorted() {
                starts[s] = running
                running += seqs[s]!
            }
            startLine[f] = starts
            linesPerFile[f] = running
        }
        result.linesRead = linesPerFile.values.reduce(0, +)
        for failure in streamFailures {
            let reason: BadLineReason = {
                if case .truncatedStream = failure.error.reason { return .truncatedStream }
                return .corruptStream
            }()
            let line = (linesPerFile[failure.file] ?? 0) + 1
            result.tally.record(
                reason, at: LinePosition(fileIndex: failure.file, sequence: Int.max, lineInChunk: line),
                detail: failure.error.description)
        }
        var samples = result.tally.samples.values.flatMap { $0 }
        samples.sort { $0.position < $1.position }
        result.reports = samples.map { s in
            let path = files[s.position.fileIndex].path
            let line =
                s.position.sequence == Int.max
                ? s.position.lineInChunk
                : (startLine[s.position.fileIndex]?[s.position.sequence] ?? 0) + s.position.lineInChunk + 1
            return "\(path == "-" ? "<stdin>" : path):\(line): \(s.reason.key): \(s.detail)"
        }
        result.events = result.partitions.reduce(0) { $0 + $1.states.reduce(0) { $0 + $1.requests } }
        result.mergeSeconds = Date().timeIntervalSince(decoded)
        return result
    }
}

/// A value one thread hands to another through a shared array, each slot taken by one
/// thread only (hence unchecked).
final class Box<Value>: @unchecked Sendable {
    var value: Value
    init(_ value: Value) { self.value = value }
}
