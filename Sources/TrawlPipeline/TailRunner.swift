import Foundation
import Logging
import Synchronization
import TrawlCapture
import TrawlCases
import TrawlFeatures
import TrawlIngest
import TrawlModel

/// Tells a live run to stop (from a signal handler or another thread).
public final class StopFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    public init() {}
    public func stop() { flag.store(true, ordering: .sequentiallyConsistent) }
    public var isSet: Bool { flag.load(ordering: .sequentiallyConsistent) }
}

/// What a live run did, for its summary line and for scripts.
public struct TailSummary: Sendable, Codable {
    public var runID: Int64
    public var database: String
    public var resumed: Bool
    public var lines: Int
    public var events: Int
    public var badLines: Int
    public var badByReason: [String: Int]
    public var lateRequests: Int
    public var alerts: Int
    public var casesOpened: Int
    public var casesUpdated: Int
    public var checkpoints: Int
    public var accounts: Int
    public var seconds: Double
    public var peakRSSBytes: Int
    /// Seconds of the analysis thread per phase: decode (decoding and accumulating),
    /// windows (moving state into the windows), score, record (alerts' cases), checkpoint, link.
    public var phaseSeconds: [String: Double] = [:]
    /// The longest single step of the analysis, in seconds: `tick` (drain, windows,
    /// scoring, alerts), `checkpoint` (waiting for the previous one to be written, taking
    /// the changed buckets), `link` (template sharing, rescoring template holders, taking
    /// the linking artifacts), the longest of each phase of `phaseSeconds`, and
    /// `checkpoint.write` (a checkpoint's transaction, on its own thread). A step holds up
    /// every alert of the requests that arrive during it.
    public var longestSeconds: [String: Double] = [:]
    /// Account windows scored.
    public var windowsScored = 0
    /// Connections a live capture reported (held for joins at the end).
    public var capturedConnections = 0
    /// Flagged clusters at the last linking run, the cluster cases linking opened and
    /// updated, and the linking runs started.
    public var clusters = 0
    public var clusterCasesOpened = 0
    public var clusterCasesUpdated = 0
    public var linkRuns = 0
}

/// Runs `trawl tail`: follows the sources on a reader thread (standard input and a live
/// capture on threads of their own) and analyses on the calling thread until `stop` is set,
/// the input is idle for `stopWhenIdle`, or standard input (the only source) ends; then
/// scores what is left, saves a last checkpoint and finishes the run.
///
/// A run with a checkpoint in the store resumes from it: the windows are rebuilt from the
/// stored buckets and every stream continues at its stored offset.
public enum TailRunner {
    /// - Parameters:
    ///   - onSnapshot: called on the analysis thread every `boardEvery` seconds.
    /// - Throws: `PipelineError`: usage (64), a rule file (65), a missing source (66), the
    ///   case store or an alerts file that cannot be written, a capture that fails (74).
    public static func run(
        _ options: TailOptions, stop: StopFlag = StopFlag(),
        logger: Logger = Logger(label: "trawl.tail"), onSnapshot: ((BoardSnapshot) -> Void)? = nil
    ) throws -> TailSummary {
        let started = Date()
        let clock = ContinuousClock()
        let t0 = clock.now
        func seconds() -> Double {
            let d = clock.now - t0
            return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
        }
        let files = options.sources.filter { $0 != "-" }
        let readsStandardInput = options.sources.contains("-")
        guard !options.sources.isEmpty else {
            throw PipelineError(.usage, "no source: give log files, folders, or - for standard input")
        }
        // Sources are checked before the store is opened (a mistyped path creates no store).
        do { _ = try files.isEmpty ? nil : LogFollower(paths: files) } catch let e as IngestError { throw PipelineError.from(e) }
        let context = try AnalysisContext.load(
            rulesDirectory: options.rulesDirectory, geoipPaths: options.geoipPaths, promptFeatures: options.promptFeatures)
        var registry = RegistryIndex.empty
        if let path = options.accountsPath {
            do {
                let read = try AccountRegistryReader.read(path)
                registry = RegistryIndex(accounts: read.accounts)
                if read.tally.total > 0 { logger.warning("\(path): \(read.tally.total) registry line(s) skipped") }
            } catch let e as IngestError { throw PipelineError.from(e) }
        }

        let store: CaseStore
        let checkpoint: TailCheckpoint?
        let runID: Int64
        do {
            // A small page cache: checkpoints write a few MB at a time, and memory is meant
            // to follow the windows (64 MiB per connection was resident for good).
            store = try CaseStore(path: options.databasePath, cacheMiB: 8)
            checkpoint = try store.loadTailCheckpoint()
            // A run killed before it could finish is marked so.
            if let previous = checkpoint?.runID, try store.runs().first(where: { $0.id == previous })?.status == .running {
                try store.finishRun(
                    previous,
                    summary: RunSummary(
                        finishedAt: Date(), linesRead: 0, badLines: 0, badByReason: [:], accounts: 0, casesOpened: 0, casesUpdated: 0,
                        status: .interrupted))
            }
            runID = try store.beginRun(inputs: options.sources, inputDigest: "tail", at: started)
        } catch let e as PipelineError {
            throw e
        } catch {
            throw PipelineError(.io, "\(options.databasePath): case store: \(error)")
        }
        if let checkpoint, checkpoint.windowSpans != options.windows.map(\.spanMillis) {
            logger.warning("--window differs from the checkpoint's windows: windows it did not have start empty")
        }

        var follow = options.follow
        follow.startAtEnd = !options.fromStart && checkpoint == nil
        follow.maxLineBytes = options.maxLineBytes
        let follower: LogFollower?
        do {
            follower = files.isEmpty ? nil : try LogFollower(paths: files, options: follow, resume: checkpoint?.streams ?? [])
        } catch let e as IngestError { throw PipelineError.from(e) }

        var connections: LiveConnectionIndex?
        var captureOptions = CaptureOptions()
        // Connections are joined as soon as their handshake is seen, not only when they end.
        captureOptions.recordOnHandshake = true
        if options.interface != nil {
            if let filter = options.captureFilter {
                do { try CaptureReader.validateFilter(filter) } catch {
                    throw PipelineError(.usage, "\(error.description) (--filter)")
                }
                captureOptions.filter = filter
            }
            let table = (options.rulesDirectory as NSString).appendingPathComponent("tcp_signatures.yaml")
            if FileManager.default.fileExists(atPath: table) {
                do { captureOptions.signatureTable = try SYNSignatureTable.load(path: table) } catch {
                    throw PipelineError(.badData, "\(error)")
                }
            }
            connections = LiveConnectionIndex(windowMillis: Int64(options.joinWindowSeconds * 1000), stacks: context.stacks)
        }

        let analyzer = try LiveAnalyzer(
            options: options, context: context, registry: registry, connections: connections, store: store, runID: runID,
            checkpoint: checkpoint)
        if options.link {
            analyzer.linker = WindowLinker(
                store: store, runID: runID, rules: context.rules, threshold: analyzer.threshold, settings: options.linkSettings)
        }
        analyzer.notice = { logger.warning("\($0)") }
        let alerts = try AlertWriter(path: options.alertsPath)
        // An alert that cannot be written (a closed pipe, a full disk) stops the run, after
        // its last checkpoint: the alert is not lost, its case is in the store.
        let alertFailure = Mutex<PipelineError?>(nil)
        analyzer.alertSink = { line in
            do { try alerts.write(line) } catch {
                alertFailure.withLock { $0 = $0 ?? PipelineError(.io, "\(options.alertsPath ?? "-"): cannot write alerts: \(error)") }
                stop.stop()
            }
        }

        // Threads that read: files and folders, standard input, the capture.
        // Up to 16 reads (16 MiB) ahead of the decoding thread, which waits in turn when the
        // analysis falls behind (`LiveIngest.undrainedLimit` lines or `undrainedStateLimit`
        // states): little memory then.
        let queue = BlockingQueue<FollowedChunk>(capacity: 16)
        // Chunks pushed and not yet decoded: counted up before a push, down after decoding.
        let pending = Atomic<Int>(0)
        @Sendable func enqueue(_ chunk: FollowedChunk) {
            pending.add(1, ordering: .sequentiallyConsistent)
            queue.push(chunk)
        }
        // The file reader is waited for when stopping (it checks the flag between polls);
        // standard input is not (a read may block), nor the capture (it only feeds the join).
        let fileReaderDone = Atomic<Bool>(follower == nil)
        let stdinDone = Atomic<Bool>(!readsStandardInput)
        let failure = Mutex<PipelineError?>(nil)
        func spawn(_ body: @escaping @Sendable () -> Void) {
            let thread = Thread { body() }
            thread.stackSize = 4 << 20
            thread.start()
        }
        if let follower {
            let box = UncheckedBox(follower)
            spawn {
                let follower = box.value
                while !stop.isSet {
                    let progressed = follower.poll { enqueue($0) }
                    for n in follower.takeNotices() { logger.notice("\(n)") }
                    if !progressed { usleep(10_000) }
                }
                fileReaderDone.store(true, ordering: .sequentiallyConsistent)
            }
        }
        if readsStandardInput {
            let maxLine = options.maxLineBytes
            spawn {
                do {
                    let source = try openByteSource(InputFile(path: "-"))
                    let pool = ChunkPool(chunkSize: 1 << 20)
                    let chunker = LineChunker(source: source, fileIndex: 0, pool: pool, maxLineBytes: maxLine)
                    var consumed: Int64 = 0
                    let position = StreamPosition(
                        path: "<stdin>", device: 0, inode: 0, headLength: 0, headHash: 0, offset: 0, finished: false, lastRead: 0)
                    while !stop.isSet, let chunk = chunker.next() {
                        var p = position
                        switch chunk.kind {
                        case .lines:
                            guard let buffer = chunk.buffer else { continue }
                            let bytes = Array(buffer.bytes)
                            pool.recycle(buffer)
                            consumed += Int64(bytes.count)
                            p.offset = consumed
                            enqueue(FollowedChunk(stream: -1, position: p, bytes: bytes))
                        case .overlongLine:
                            enqueue(FollowedChunk(stream: -1, position: p, bytes: [], overlongLines: 1))
                        case .truncatedTail:
                            break
                        }
                    }
                    if let e = chunker.streamError { logger.warning("\(e.description)") }
                } catch {
                    logger.error("standard input: \(error)")
                }
                stdinDone.store(true, ordering: .sequentiallyConsistent)
            }
        }
        if let interface = options.interface, let connections {
            let captureOptions = captureOptions
            spawn {
                var reader = CaptureReader(options: captureOptions)
                do {
                    try reader.readLive(interface: interface, limits: .init(shouldStop: { stop.isSet })) { connections.add($0) }
                } catch {
                    failure.withLock { $0 = PipelineError(.io, "\(error) (--interface)") }
                    stop.stop()
                }
            }
        }

        // The decoding thread: decodes what the readers queue while the analysis scores what
        // it drained before (on this thread and the lanes' threads).
        let ingest = analyzer.ingest
        let decoderStop = Atomic<Bool>(false)
        // When the last chunk with lines was decoded (nanoseconds of uptime).
        let lastInputNanos = Atomic<UInt64>(DispatchTime.now().uptimeNanoseconds)
        spawn {
            while !decoderStop.load(ordering: .sequentiallyConsistent) {
                guard let chunk = queue.pop(timeout: 0.05) else { continue }
                ingest.add(chunk)
                if !chunk.bytes.isEmpty { lastInputNanos.store(DispatchTime.now().uptimeNanoseconds, ordering: .sequentiallyConsistent) }
                pending.subtract(1, ordering: .sequentiallyConsistent)
            }
        }
        defer {
            decoderStop.store(true, ordering: .sequentiallyConsistent)
            ingest.close()
        }
        func sinceInput() -> Double {
            Double(DispatchTime.now().uptimeNanoseconds &- lastInputNanos.load(ordering: .sequentiallyConsistent)) / 1e9
        }

        // The analysis loop.
        var lastTick = seconds(), lastCheckpoint = seconds(), lastLink = seconds(), lastBoard = -Double.infinity
        var rate = (lines: 0, at: seconds(), perSecond: 0.0)
        func snapshot() -> BoardSnapshot {
            let now = seconds()
            if now - rate.at >= 0.5 {
                rate.perSecond = Double(analyzer.lines - rate.lines) / (now - rate.at)
                rate = (analyzer.lines, now, rate.perSecond)
            }
            analyzer.pruneScores()
            return BoardSnapshot(
                time: Date(), watermark: analyzer.windows.watermark, linesPerSecond: rate.perSecond, lines: analyzer.lines,
                events: analyzer.events, badLines: analyzer.badLines, lateRequests: analyzer.windows.lateRequests, alerts: analyzer.alerts,
                accounts: analyzer.windows.accountCount, windows: options.windows.map(\.description), residentBytes: currentResidentBytes(),
                sources: analyzer.positions.values.sorted { $0.path < $1.path }.map {
                    BoardSnapshot.SourceRow(path: $0.path, offset: $0.offset, finished: $0.finished)
                },
                topAccounts: analyzer.snapshot(top: 15),
                clusters: analyzer.clusters.sorted { $0.score > $1.score }.prefix(10).map {
                    BoardSnapshot.ClusterRow(id: $0.id, members: $0.members, score: $0.score, rules: $0.hits.map(\.ruleID))
                },
                linkingNote: options.link ? nil : "linking is off (--no-link)")
        }
        while true {
            if let failed = failure.withLock({ $0 }) { throw failed }
            let wait = options.evaluateEvery - (seconds() - lastTick)
            if wait > 0 { usleep(UInt32(min(wait, 0.02) * 1e6) + 1) }
            let now = seconds()
            if now - lastTick >= options.evaluateEvery {
                try analyzer.tick(now: Date())
                if seconds() - lastCheckpoint >= options.checkpointEvery {
                    try analyzer.checkpoint(now: Date())
                    lastCheckpoint = seconds()
                }
                try analyzer.collectLinking(now: Date())
                if seconds() - lastLink >= options.linkEvery {
                    try analyzer.link(now: Date())
                    lastLink = seconds()
                }
                if let onSnapshot, seconds() - lastBoard >= options.boardEvery {
                    onSnapshot(snapshot())
                    lastBoard = seconds()
                }
                lastTick = seconds()
            }
            let idle = pending.load(ordering: .sequentiallyConsistent) == 0
            if let limit = options.stopWhenIdle, idle, sinceInput() >= limit { stop.stop() }
            // Standard input alone: the run ends with it.
            if follower == nil && options.interface == nil && stdinDone.load(ordering: .sequentiallyConsistent) && idle { stop.stop() }
            if stop.isSet && fileReaderDone.load(ordering: .sequentiallyConsistent) && idle { break }
        }
        if let failed = failure.withLock({ $0 }) { throw failed }
        // What is left: scored, linked, saved.
        try analyzer.tick(now: Date())
        try analyzer.link(now: Date())
        try analyzer.finishLinking(now: Date())
        try analyzer.checkpoint(now: Date())
        try analyzer.finishCheckpoint()
        if let onSnapshot { onSnapshot(snapshot()) }
        if let failed = alertFailure.withLock({ $0 }) { throw failed }
        var summary = TailSummary(
            runID: runID, database: options.databasePath, resumed: checkpoint != nil, lines: analyzer.lines, events: analyzer.events,
            badLines: analyzer.badLines, badByReason: [:], lateRequests: analyzer.windows.lateRequests, alerts: analyzer.alerts,
            casesOpened: analyzer.casesOpened, casesUpdated: analyzer.casesUpdated, checkpoints: analyzer.checkpoints,
            accounts: analyzer.windows.accountCount, seconds: seconds(), peakRSSBytes: peakResidentBytes())
        summary.badByReason = analyzer.badLinesByReason
        summary.phaseSeconds = analyzer.phaseSeconds
        summary.longestSeconds = analyzer.longestSeconds
        summary.windowsScored = analyzer.windowsScored
        summary.capturedConnections = connections?.count ?? 0
        summary.clusters = analyzer.clusters.count
        summary.clusterCasesOpened = analyzer.clusterCasesOpened
        summary.clusterCasesUpdated = analyzer.clusterCasesUpdated
        summary.linkRuns = analyzer.linkRuns
        do {
            try store.finishRun(
                runID,
                summary: RunSummary(
                    finishedAt: Date(), linesRead: summary.lines, badLines: summary.badLines, badByReason: summary.badByReason,
                    accounts: summary.accounts, casesOpened: summary.casesOpened, casesUpdated: summary.casesUpdated, status: .completed))
        } catch {
            throw PipelineError(.io, "\(options.databasePath): case store: \(error)")
        }
        return summary
    }
}

/// Writes alert lines to a file (appended to) or standard output, one JSON object a line.
final class AlertWriter: @unchecked Sendable {
    private let handle: FileHandle?
    private let encoder: JSONEncoder

    /// - Throws: `PipelineError` (I/O) when the file cannot be opened for appending.
    init(path: String?) throws {
        encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let path else {
            handle = nil
            return
        }
        if path == "-" {
            handle = FileHandle.standardOutput
            return
        }
        if !FileManager.default.fileExists(atPath: path) {
            guard FileManager.default.createFile(atPath: path, contents: nil) else {
                throw PipelineError(.io, "\(path): cannot create the alerts file")
            }
        }
        guard let h = FileHandle(forWritingAtPath: path) else { throw PipelineError(.io, "\(path): cannot open the alerts file") }
        _ = try? h.seekToEnd()  // appended to (a pipe cannot seek, and needs not)
        handle = h
    }

    /// - Throws: the write's error (e.g. EPIPE when the reader of standard output went away).
    func write(_ line: AlertLine) throws {
        guard let handle, var data = try? encoder.encode(line) else { return }
        data.append(0x0A)
        try handle.write(contentsOf: data)
    }
}

/// A value handed to one other thread that alone uses it afterwards.
struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

/// Resident memory of this process now, in bytes (`/proc/self/statm`; 0 where there is none).
public func currentResidentBytes() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let fields = text.split(separator: " ")
    guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}
