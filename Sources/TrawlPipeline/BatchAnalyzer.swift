import Foundation
import Logging
import Synchronization
import TrawlCapture
import TrawlCases
import TrawlFeatures
import TrawlIngest
import TrawlLink
import TrawlModel
import TrawlPrompts
import TrawlRules

/// Settings of one batch analysis (`trawl analyze`).
public struct AnalyzeOptions: Sendable {
    public var inputs: [String]
    public var accountsPath: String?
    /// GeoIP databases (files or folders of `*.mmdb`); none turns the GeoIP features off.
    public var geoipPaths: [String] = []
    /// Packet captures whose connections requests are joined to (pcap or pcapng).
    public var pcapPaths: [String] = []
    /// How long after a connection's first packet a request may come and still join it.
    public var joinWindowSeconds = 600.0
    public var databasePath: String = "trawl.sqlite"
    public var rulesDirectory: String = "rules"
    public var scoresPath: String?
    /// Write one JSONL line per cluster found (flagged or not) to this file (`-`: standard output).
    public var clustersPath: String?
    public var threshold: Double?
    public var maxLineBytes = 1 << 20
    public var maxBadRatio: Double?
    public var chunkSize = 4 << 20
    public var workers = max(1, ProcessInfo.processInfo.activeProcessorCount)
    /// Quote offending values in bad-line reports.
    public var verbose = false
    /// Analyse prompt text and prompt_simhash (the prompt features); off, prompts are skipped.
    public var promptFeatures = true
    /// Redacted, truncated prompt samples kept per flagged account-day as case evidence
    /// (0: no prompt text reaches the case store).
    public var keepSamples = 0
    /// Link accounts into clusters, score them with the cluster rules and keep a case per
    /// flagged cluster (`--no-link` turns it off).
    public var linkClusters = true
    /// How accounts are linked (weights, hub limits, resolution).
    public var linkSettings = LinkSettings()

    public init(inputs: [String]) { self.inputs = inputs }
}

/// What a batch run did, for the summary and for scripts (`--summary-json`).
public struct AnalyzeSummary: Sendable, Codable {
    public var runID: Int64?
    public var database: String
    public var files: Int
    public var bytesRead: Int
    public var linesRead: Int
    public var events: Int
    public var badLines: Int
    public var badByReason: [String: Int]
    public var ignoredFields: [String: Int]
    public var registryAccounts: Int
    /// GeoIP databases used, as `path (database_type)`.
    public var geoipDatabases: [String] = []
    /// Address lookups that failed on a damaged database.
    public var geoipFailures = 0
    /// Networks read from the GeoIP databases (each covers every address of its network).
    public var geoipNetworks = 0
    /// TCP connections read from the captures of `--pcap`.
    public var capturedConnections = 0
    public var registryBadLines: Int
    public var accounts: Int
    public var accountDays: Int
    public var flaggedAccounts: Int
    public var casesOpened: Int
    public var casesUpdated: Int
    /// Clusters of linked accounts found, and those the cluster rules flagged.
    public var clusters = 0
    public var flaggedClusters = 0
    /// Cluster cases opened and updated (merged and split ones included).
    public var clusterCasesOpened = 0
    public var clusterCasesUpdated = 0
    public var seconds: Double
    public var linesPerSecond: Double
    public var peakRSSBytes: Int
    /// Seconds per phase: `read` (reading the logs, within it `decode` until the last
    /// chunk is accumulated and `merge` of the workers' shares), `index` (what scoring
    /// needs from every account), `store` (everything after), within it `record` (account days scored and written,
    /// overlapped; `score` is the scoring alone, summed over its threads) and `link` (on
    /// its own thread once every account day is scored).
    public var phaseSeconds: [String: Double] = [:]
    /// The first few bad lines, as `file:line: reason: detail`.
    public var reports: [String]
}

/// One scored account: the `--scores` JSONL line.
public struct ScoreLine: Sendable, Codable, Equatable {
    public struct Reason: Sendable, Codable, Equatable {
        public var rule: String
        public var weight: Double
        public var explanation: String
    }
    public var account_id: String
    public var day: String
    public var score: Double
    public var flagged: Bool
    public var cluster_id: String?
    public var reasons: [Reason]

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(account_id, forKey: .account_id)
        try c.encode(day, forKey: .day)
        try c.encode((score * 10000).rounded() / 10000, forKey: .score)
        try c.encode(flagged, forKey: .flagged)
        try c.encode(cluster_id, forKey: .cluster_id)  // explicit null outside flagged clusters
        try c.encode(reasons, forKey: .reasons)
    }
}

/// Runs the batch pipeline: read → decode → features → rules → case store.
public enum BatchAnalyzer {
    /// Everything a run produced, for callers that want more than the summary.
    public struct Outcome: Sendable {
        public var summary: AnalyzeSummary
        public var results: [(features: AccountDayFeatures, assessment: Assessment)]
        public var scores: [ScoreLine]
        /// Every cluster found (flagged or not); `nil` with `linkClusters` off.
        public var clusters: ClusterRun?
    }

    /// - Throws: `PipelineError` (missing input, too many bad lines, unreadable rules, store failures).
    public static func run(
        _ options: AnalyzeOptions, logger: Logger = Logger(label: "trawl"),
        progress: (@Sendable (ProgressSnapshot) -> Void)? = nil
    ) throws -> Outcome {
        let started = Date()
        let files: [InputFile]
        do { files = try InputResolver.resolve(options.inputs) } catch let e as IngestError { throw PipelineError.from(e) }
        guard !files.isEmpty else { throw PipelineError(.usage, "no input: give log files, folders, globs or - for standard input") }

        let context = try AnalysisContext.load(
            rulesDirectory: options.rulesDirectory, geoipPaths: options.geoipPaths, promptFeatures: options.promptFeatures)
        let (plans, rules, enricher, stacks, prompts) = (context.plans, context.rules, context.enricher, context.stacks, context.prompts)

        var connections: ConnectionIndex?
        if !options.pcapPaths.isEmpty {
            do {
                // The SYN signature table of the rules folder names each SYN's OS (none without it).
                var captureOptions = CaptureOptions()
                let table = (options.rulesDirectory as NSString).appendingPathComponent("tcp_signatures.yaml")
                if FileManager.default.fileExists(atPath: table) {
                    captureOptions.signatureTable = try SYNSignatureTable.load(path: table)
                }
                let read = try CaptureReader.records(files: options.pcapPaths, options: captureOptions)
                connections = ConnectionIndex(
                    records: read.records, windowMillis: Int64(options.joinWindowSeconds * 1000), stacks: stacks)
            } catch let e as CaptureError {
                let kind: PipelineError.Kind =
                    switch e.reason {
                    case .noSuchFile: .missingInput
                    case .unreadable, .cannotWrite: .io
                    default: .badData
                    }
                throw PipelineError(kind, "\(e.description) (--pcap)")
            }
        }

        // The registry is read on its own thread while the logs are decoded: it is a
        // second, independent input, and reading it first would delay the hot path.
        // A missing file still fails at once, before any decoding.
        let registryRead = Mutex<Result<AccountRegistryReader.Result, any Error>?>(nil)
        let registryDone = DispatchGroup()
        if let path = options.accountsPath {
            if path != "-" && !FileManager.default.fileExists(atPath: path) {
                throw PipelineError.from(IngestError(file: path, reason: .noSuchInput))
            }
            registryDone.enter()
            Thread.detachNewThread {
                let r = Result { try AccountRegistryReader.read(path) }
                registryRead.withLock { $0 = r }
                registryDone.leave()
            }
        }

        var aggregator = LogAggregator(plans: plans, enricher: enricher)
        aggregator.connections = connections
        aggregator.stacks = stacks
        aggregator.prompts = prompts
        aggregator.keepSamples = options.promptFeatures ? max(0, options.keepSamples) : 0
        aggregator.chunkSize = options.chunkSize
        aggregator.maxLineBytes = options.maxLineBytes
        aggregator.workers = options.workers
        aggregator.quoteValues = options.verbose
        var aggregate = aggregator.run(files, progress: progress)
        let aggregated = Date()
        for e in aggregate.fileErrors { logger.error("\(e.description)") }

        registryDone.wait()
        var registry = AccountRegistryReader.Result()
        if let path = options.accountsPath, let read = registryRead.withLock({ $0 }) {
            do { registry = try read.get() } catch let e as IngestError { throw PipelineError.from(e) }
            for (reason, count) in registry.tally.counts {
                logger.warning("\(path): \(count) registry line(s) skipped: \(reason.key)")
            }
            for s in registry.tally.samples.values.flatMap({ $0 }).sorted(by: { $0.position < $1.position }) {
                logger.warning("\(path):\(s.position.lineInChunk + 1): \(s.reason.key): \(s.detail)")
            }
        }

        var summary = AnalyzeSummary(
            runID: nil, database: options.databasePath, files: files.count, bytesRead: aggregate.bytesRead,
            linesRead: aggregate.linesRead, events: aggregate.events, badLines: aggregate.tally.total,
            badByReason: aggregate.tally.countsByKey,
            ignoredFields: Dictionary(uniqueKeysWithValues: aggregate.tally.ignoredFields.map { ($0.key.name, $0.value) }),
            registryAccounts: registry.accounts.count,
            geoipDatabases: enricher?.resolver.databases.map { "\($0.path) (\($0.databaseType))" } ?? [],
            registryBadLines: registry.tally.total,
            accounts: aggregate.accounts, accountDays: aggregate.accountDays,
            flaggedAccounts: 0, casesOpened: 0, casesUpdated: 0, seconds: 0, linesPerSecond: 0, peakRSSBytes: 0,
            reports: aggregate.reports)

        if let limit = options.maxBadRatio, aggregate.linesRead > 0,
            Double(aggregate.tally.total) / Double(aggregate.linesRead) > limit
        {
            summary.seconds = Date().timeIntervalSince(started)
            summary.peakRSSBytes = peakResidentBytes()
            throw BadInputError(summary: summary, limit: limit)
        }

        // Features and scores, in a stable order so every run writes the same thing.
        func announce(_ phase: String) {
            progress?(
                ProgressSnapshot(
                    bytesDone: aggregate.bytesRead, bytesTotal: nil, lines: aggregate.linesRead,
                    seconds: Date().timeIntervalSince(started), phase: phase))
        }
        announce("indexing \(summary.accounts) accounts")
        let registryIndex = RegistryIndex(accounts: registry.accounts)
        var extractor = FeatureExtractor(plans: plans, registry: registryIndex, enricher: enricher)
        (extractor.templateSharing, extractor.modelLaunches) = acrossAccounts(aggregate.partitions)
        extractor.ja4Names = aggregate.ja4Names.merging(connections?.ja4Names ?? [:]) { a, _ in a }
        let pending = PendingDays(&aggregate.partitions)
        let indexed = Date()
        summary.phaseSeconds["read"] = aggregated.timeIntervalSince(started)
        summary.phaseSeconds["decode"] = aggregate.decodeSeconds
        summary.phaseSeconds["merge"] = aggregate.mergeSeconds
        summary.phaseSeconds["index"] = indexed.timeIntervalSince(aggregated)
        announce("scoring \(summary.accountDays) account-days")

        // Each account's linking artifacts are taken as its days are scored; linking starts
        // on a thread of its own once the last day is scored, while SQLite still writes
        // the last chunks (on one core) and copies its log into the file. The clusters are
        // scored from their members' scores afterwards, and their cases recorded after the
        // account cases.
        // `parts`: each scoring call's artifacts; `artifacts`: all of them, sorted by account.
        let linking = Mutex<
            (
                parts: [[AccountArtifacts]], scored: Int, artifacts: [AccountArtifacts], run: Result<LinkResult, any Error>?,
                seconds: Double
            )
        >(([], 0, [], nil, 0))
        let linkDone = DispatchGroup()
        let linkClusters = options.linkClusters
        let settings = options.linkSettings
        if linkClusters { linkDone.enter() }
        @Sendable func startLinking() {
            Thread.detachNewThread {
                let t0 = Date()
                let artifacts = linking.withLock { l in
                    defer { l.parts = [] }
                    return l.parts.flatMap { $0 }
                }.sorted { $0.accountID < $1.accountID }
                let run = Result { try link(artifacts, settings: settings) }
                linking.withLock {
                    $0.artifacts = artifacts
                    $0.run = run
                    $0.seconds = Date().timeIntervalSince(t0)
                }
                linkDone.leave()
            }
        }

        var results: [(features: AccountDayFeatures, assessment: Assessment)] = []
        var scores: [ScoreLine] = []
        var clusterRun: ClusterRun?
        var clusterSubjects: [String] = []
        do {
            let store = try CaseStore(path: options.databasePath)
            let runID = try store.beginRun(
                inputs: files.map(\.path), inputDigest: inputDigest(files), at: started,
                provenance: RunProvenance(
                    trawlVersion: TrawlVersion.current, rulesVersion: RulesDigest.of(directory: options.rulesDirectory)),
                files: aggregate.digests)
            let t0 = Date()
            // Scored on the store's threads, in account and day order, each state freed
            // as soon as it is scored; prompt samples and case-file detail are kept only
            // for what cases show.
            let scoring = Mutex<Double>(0)
            let (extractor, rules, threshold, total) = (extractor, rules, options.threshold, pending.keys.count)
            let recorded = try store.record(
                runID: runID, subjects: pending.keys.map { (accountID: $0.accountID, day: $0.day) }, at: Date()
            ) { indices in
                let t = Date()
                var artifacts = ArtifactRun(registry: registryIndex)
                var run = indices.map { i in
                    let (key, state) = (pending.keys[i], pending.take(i))
                    if linkClusters { artifacts.add(key, state) }
                    let f = extractor.features(for: key, state: state)
                    return (features: f, assessment: rules.assess(f, threshold: threshold))
                }
                keepEvidenceForCases(&run)
                scoring.withLock { $0 += Date().timeIntervalSince(t) }
                if linkClusters {
                    let last = linking.withLock { l in
                        l.parts.append(artifacts.finish())
                        l.scored += indices.count
                        return l.scored == total
                    }
                    if last { startLinking() }
                }
                return run
            }
            results = recorded.results
            let outcome = recorded.outcome
            summary.phaseSeconds["record"] = Date().timeIntervalSince(t0)
            summary.phaseSeconds["score"] = scoring.withLock { $0 }
            scores = scoreLines(results)
            summary.flaggedAccounts = scores.filter(\.flagged).count
            summary.runID = runID
            summary.casesOpened = outcome.opened
            summary.casesUpdated = outcome.updated
            if linkClusters {
                if total == 0 { startLinking() }
                linkDone.wait()
                let (artifacts, run, seconds) = linking.withLock { ($0.artifacts, $0.run!, $0.seconds) }
                clusterRun = assessClusters(
                    try run.get(), artifacts: artifacts, scores: memberScores(artifacts, results: results), rules: rules,
                    threshold: options.threshold)
                summary.clusters = clusterRun!.clusters.count
                summary.flaggedClusters = clusterRun!.flagged.count
                summary.phaseSeconds["link"] = seconds
            }
            if let flagged = clusterRun?.flagged, !flagged.isEmpty {
                let clusterOutcome = try store.recordClusters(runID: runID, flagged, at: Date())
                summary.clusterCasesOpened = clusterOutcome.opened
                summary.clusterCasesUpdated = clusterOutcome.updated
                // Each member's cluster_id is its flagged cluster's case subject.
                var clusterOf: [String: String] = [:]
                for (c, subject) in zip(flagged, clusterOutcome.subjects) { for m in c.members { clusterOf[m.accountID] = subject } }
                for i in scores.indices { scores[i].cluster_id = clusterOf[scores[i].account_id] }
                clusterSubjects = clusterOutcome.subjects
            }
            summary.seconds = Date().timeIntervalSince(started)
            try store.finishRun(
                runID,
                summary: RunSummary(
                    finishedAt: Date(), linesRead: summary.linesRead, badLines: summary.badLines, badByReason: summary.badByReason,
                    accounts: summary.accounts, casesOpened: outcome.opened + summary.clusterCasesOpened,
                    casesUpdated: outcome.updated + summary.clusterCasesUpdated, status: .completed))
        } catch let e as PipelineError {
            throw e
        } catch {
            throw PipelineError(.io, "\(options.databasePath): case store: \(error)")
        }

        summary.phaseSeconds["store"] = Date().timeIntervalSince(indexed)
        summary.capturedConnections = connections?.connectionCount ?? 0
        if let enricher {
            summary.geoipNetworks = enricher.networkCount
            summary.geoipFailures = enricher.resolver.failureCount
            if let e = enricher.resolver.firstError {
                logger.warning("\(enricher.resolver.failureCount) GeoIP lookup(s) failed; first: \(e.description)")
            }
        }
        if let path = options.scoresPath { try writeScores(scores, to: path) }
        if let path = options.clustersPath, let run = clusterRun {
            var subjects = clusterSubjects.makeIterator()
            let lines = run.clusters.map { c in ClusterLine(c, clusterID: c.assessment.flagged ? subjects.next() : nil) }
            try writeLines(lines, to: path, what: "clusters")
        }
        summary.seconds = Date().timeIntervalSince(started)
        summary.linesPerSecond = summary.seconds > 0 ? Double(summary.linesRead) / summary.seconds : 0
        summary.peakRSSBytes = peakResidentBytes()
        return Outcome(summary: summary, results: results, scores: scores, clusters: clusterRun)
    }

    /// Prompt analysis with the phrase lexicons of `rulesDirectory/lexicons/` (none when the
    /// folder is missing: the lexicon features are then unknown).
    /// - Throws: `PipelineError` (bad data) naming the lexicon file, line and column.
    public static func promptAnalyzer(rulesDirectory: String) throws -> PromptAnalyzer {
        let folder = (rulesDirectory as NSString).appendingPathComponent("lexicons")
        var lexicons: [PhraseLexicon] = []
        if FileManager.default.fileExists(atPath: folder) {
            do { lexicons = try PhraseLexicon.loadAll(directory: folder) } catch {
                throw PipelineError(
                    .badData, "\(error.description)\nfix the lexicon, or check it with: trawl rules lint --rules \(rulesDirectory)")
            }
        }
        return PromptAnalyzer(lexicons: lexicons)
    }

    /// Every problem in the lexicon files of `rulesDirectory/lexicons/` (each file checked on
    /// its own), as `file:line:col: reason`, plus classes defined twice; empty when all load.
    public static func lexiconProblems(rulesDirectory: String) -> [String] {
        let folder = (rulesDirectory as NSString).appendingPathComponent("lexicons")
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return [] }
        var problems: [String] = []
        var classes: [String: String] = [:]
        for name in names.sorted() where name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
            let path = (folder as NSString).appendingPathComponent(name)
            do {
                let lexicon = try PhraseLexicon.load(path: path)
                if let other = classes[lexicon.className] {
                    problems.append("\(path): class `\(lexicon.className)` is also defined in \(other)")
                }
                classes[lexicon.className] = path
            } catch {
                problems.append(error.description)
            }
        }
        return problems
    }

    /// What needs every account: who holds which top template, and when each model first
    /// appeared (one thread per partition, then combined).
    static func acrossAccounts(_ partitions: [AccountDayPartition]) -> (TemplateSharingIndex, ModelLaunchIndex) {
        let parts = concurrentMap(count: partitions.count) { p in
            var sharing = TemplateSharingIndex()
            var launches = ModelLaunchIndex()
            let part = partitions[p]
            // Through a buffer: an array's subscript copies the whole state (retaining each of
            // its arrays and sketches) to read a part of it.
            part.states.withUnsafeBufferPointer { states in
                for i in states.indices {
                    launches.add(states[i])
                    if let prompts = states[i].prompts {
                        sharing.add(prompts, accountID: part.keys[i].accountID, orgHash: states[i].orgHash)
                    }
                }
            }
            return (sharing, launches)
        }
        var sharing = TemplateSharingIndex()
        var launches = ModelLaunchIndex()
        for (s, l) in parts {
            sharing.merge(s)
            launches.merge(l)
        }
        return (sharing, launches)
    }

    /// Trims the evidence of results sorted by account and day to what the store keeps:
    /// prompt samples only on flagged days; what only case files show (hourly counts,
    /// sessions, JA4s, countries, ASNs, address kinds) on every day of an account flagged
    /// on any of them (its case shows them all), on no day of the others. Done per
    /// partition as it is scored, the unflagged accounts' detail is freed at once.
    static func keepEvidenceForCases(_ results: inout [(features: AccountDayFeatures, assessment: Assessment)]) {
        // Through a buffer: an array's subscript copies the whole result (every feature and
        // its evidence) to read one field of it.
        results.withUnsafeMutableBufferPointer { r in
            var start = 0
            while start < r.count {
                var end = start + 1
                while end < r.count && r[end].features.accountID == r[start].features.accountID { end += 1 }
                let flagged = (start..<end).contains { r[$0].assessment.flagged }
                for i in start..<end {
                    if !r[i].assessment.flagged { r[i].features.evidence.promptSamples = nil }
                    if !flagged { r[i].features.evidence.removeCaseFileDetail() }
                }
                start = end
            }
        }
    }

    /// One line per account: its highest-scoring day, with the rules that fired that day.
    public static func scoreLines(_ results: [(features: AccountDayFeatures, assessment: Assessment)]) -> [ScoreLine] {
        // Positions and a buffer, not copies: a result holds every feature and its evidence.
        results.withUnsafeBufferPointer { r in
            var best: [String: Int] = [:]
            for i in r.indices {
                let id = r[i].assessment.accountID
                if let j = best[id], (r[j].assessment.score, r[j].assessment.day) >= (r[i].assessment.score, r[i].assessment.day) {
                    continue
                }
                best[id] = i
            }
            return best.keys.sorted().map { id in
                let a = r[best[id]!].assessment
                return ScoreLine(
                    account_id: id, day: TimestampParser.dayString(a.day), score: a.score, flagged: a.flagged, cluster_id: nil,
                    reasons: a.hits.map { ScoreLine.Reason(rule: $0.ruleID, weight: $0.weight, explanation: $0.explanation) })
            }
        }
    }

    static func writeScores(_ scores: [ScoreLine], to path: String) throws { try writeLines(scores, to: path, what: "scores") }

    /// Writes one JSON object per line (keys sorted) to `path`, or standard output for `-`.
    static func writeLines(_ values: [some Encodable], to path: String, what: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var data = Data()
        for v in values {
            data.append(try encoder.encode(v))
            data.append(0x0A)
        }
        if path == "-" {
            FileHandle.standardOutput.write(data)
            return
        }
        do { try data.write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
            throw PipelineError(.io, "\(path): cannot write \(what): \(error.localizedDescription)")
        }
    }

    /// A digest of the inputs' names, sizes and modification times (not their contents).
    static func inputDigest(_ files: [InputFile]) -> String {
        var h: UInt64 = 0
        for f in files {
            let attrs = f.isStandardInput ? [:] : ((try? FileManager.default.attributesOfItem(atPath: f.path)) ?? [:])
            let size = (attrs[.size] as? NSNumber)?.intValue ?? -1
            let mtime = (attrs[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            h = mix64(h ^ stableHash("\(f.path)|\(size)|\(mtime)"))
        }
        return String(h, radix: 16)
    }
}

/// The account-day states of a run, taken out of their partitions so that the store's
/// threads can score any of them, each once, and free it as soon as it is scored.
final class PendingDays: @unchecked Sendable {
    let keys: [AccountDayKey]
    /// One slot per key; `take` leaves `nil` behind. Slots are written by one thread each
    /// (every index is taken once), so they need no lock.
    private let states: UnsafeMutablePointer<AccountDayState?>

    /// Empties `partitions`, moving each state out (no copy).
    init(_ partitions: inout [AccountDayPartition]) {
        let count = partitions.reduce(0) { $0 + $1.count }
        states = .allocate(capacity: count)
        var keys: [AccountDayKey] = []
        keys.reserveCapacity(count)
        for p in partitions.indices {
            while let (key, state) = partitions[p].popLast() {
                (states + keys.count).initialize(to: consume state)
                keys.append(key)
            }
        }
        partitions = []
        self.keys = keys
    }

    /// The state of `keys[i]`, moved out of its slot; each index may be taken once.
    func take(_ i: Int) -> AccountDayState {
        let state = (states + i).move()
        (states + i).initialize(to: nil)
        guard let state else { preconditionFailure("account day \(i) taken twice") }
        return state
    }

    deinit {
        states.deinitialize(count: keys.count)
        states.deallocate()
    }
}

/// The run stopped because more than `--max-bad-ratio` of the lines were damaged.
public struct BadInputError: Error, CustomStringConvertible, Sendable {
    public let summary: AnalyzeSummary
    public let limit: Double
    public var description: String {
        let share = summary.linesRead > 0 ? Double(summary.badLines) / Double(summary.linesRead) : 0
        return
            "\(summary.badLines) of \(summary.linesRead) lines are bad (\(String(format: "%.2f", share * 100))%), over --max-bad-ratio \(limit); nothing was written to the case store"
    }
}

/// Peak resident memory of this process, in bytes.
public func peakResidentBytes() -> Int {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return usage.ru_maxrss * 1024
}
