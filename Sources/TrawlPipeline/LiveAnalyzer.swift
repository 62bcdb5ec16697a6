import Foundation
import Synchronization
import TrawlCases
import TrawlFeatures
import TrawlIngest
import TrawlLink
import TrawlModel
import TrawlRules

/// The analysis half of a live run, driven by one thread: at each tick it drains what its
/// `LiveIngest` decoded (on the decoding thread) into the sliding windows, scores the
/// accounts that changed on every window, raises alerts on escalation, records their cases,
/// and saves checkpoints. Moving states into the windows, sliding and scoring run on a
/// thread per lane of the windows (`TailOptions.analysisThreads`); alerts, cases and
/// checkpoints are written by the driving thread, in account order.
///
/// Everything a checkpoint stores is consistent: it is taken right after a tick, when every
/// chunk drained is in the windows and the positions are those after the last chunk drained.
final class LiveAnalyzer {
    struct Score {
        var score: Double
        var window: Int
        var band: Int
    }

    let options: TailOptions
    let context: AnalysisContext
    private var extractor: FeatureExtractor
    let threshold: Double
    /// Lower edges of the alert bands, from the threshold up.
    let bands: [Double]
    /// An alerted account is re-armed when its score falls below this.
    let rearmBelow: Double
    /// Decodes what the readers follow (`ingest.add`, on the decoding thread).
    let ingest: LiveIngest
    private(set) var windows: WindowAggregator
    /// Where each stream stands after the chunks drained into the windows (stream number → position).
    private(set) var positions: [Int: StreamPosition] = [:]
    /// Per account, the earliest request added since it was last scored.
    private var firstNew: [String: Timestamp] = [:]
    private var levels: [String: TailAlertLevel]
    private var clusterLevels: [String: TailAlertLevel]
    private(set) var scores: [String: Score] = [:]
    private(set) var clusters: [LiveCluster] = []
    let store: CaseStore
    let runID: Int64
    /// Links the longest window's accounts into clusters (`nil`: no linking).
    var linker: WindowLinker?
    private let registry: RegistryIndex
    /// Where alert lines go (none: they are only counted and stored).
    var alertSink: ((AlertLine) -> Void)?
    /// Notices for the run's log (bad lines, checkpoints that failed, …).
    var notice: ((String) -> Void)?

    /// Bad lines drained so far.
    private(set) var tally = BadLineTally()
    private var reportedSamples = 0
    private(set) var lines = 0
    private(set) var events = 0
    private(set) var alerts = 0
    private(set) var casesOpened = 0
    private(set) var casesUpdated = 0
    private(set) var clusterCasesOpened = 0
    private(set) var clusterCasesUpdated = 0
    private(set) var linkRuns = 0
    private(set) var checkpoints = 0
    /// Seconds spent per phase (decode on the decoding thread; windows, score, record,
    /// checkpoint, link on this one), and account windows scored, for the summary and the
    /// benchmark.
    var phaseSeconds: [String: Double] {
        var p = phases
        p["decode"] = ingest.decodeSeconds
        return p
    }
    private var phases: [String: Double] = [:]
    /// The longest tick, checkpoint and link step, and the longest of each phase (seconds);
    /// `checkpoint.write` is the longest checkpoint transaction (on its own thread).
    var longestSeconds: [String: Double] {
        var l = longest
        l["checkpoint.write"] = checkpointWriteLongest.value.withLock { $0 }
        return l
    }
    private var longest: [String: Double] = [:]
    private(set) var windowsScored = 0

    /// Runs `body`, keeping its longest run and (when `summed`) its total under `phase`.
    private func timed<T>(_ phase: String, summed: Bool = true, _ body: () throws -> T) rethrows -> T {
        let t0 = DispatchTime.now().uptimeNanoseconds
        defer {
            let s = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            if summed { phases[phase, default: 0] += s }
            if s > longest[phase, default: 0] { longest[phase] = s }
        }
        return try body()
    }

    init(
        options: TailOptions, context: AnalysisContext, registry: RegistryIndex, connections: (any ConnectionLookup)?,
        store: CaseStore, runID: Int64, checkpoint: TailCheckpoint?
    ) throws {
        self.options = options
        self.context = context
        self.store = store
        self.runID = runID
        self.registry = registry
        extractor = FeatureExtractor(plans: context.plans, registry: registry, enricher: context.enricher)
        threshold = options.threshold ?? context.rules.scoring.threshold
        var edges = [threshold]
        for edge in [0.9, 0.99] where edge > threshold { edges.append(edge) }
        bands = edges
        // Re-armed one unit of log-odds under the threshold, so a score hovering at it does
        // not raise an alert per tick.
        let logit = log(threshold / (1 - threshold))
        rearmBelow = 1 / (1 + exp(-(logit - 1)))
        if let checkpoint {
            do {
                windows = try WindowAggregator(
                    specs: options.windows, records: checkpoint.buckets, watermark: checkpoint.watermark, staggered: true,
                    lanes: options.analysisThreads)
            } catch {
                throw PipelineError(
                    .badData,
                    "\(options.databasePath): the live checkpoint does not read back (\(error)); move the store aside to start afresh")
            }
        } else {
            // Staggered: accounts cross bucket boundaries at different moments, so the work of
            // sealing buckets and rebuilding windows is spread over each bucket.
            windows = WindowAggregator(specs: options.windows, staggered: true, lanes: options.analysisThreads)
        }
        levels = try store.tailAlertLevels(kind: .account)
        clusterLevels = try store.tailAlertLevels(kind: .cluster)
        let periodMillis = windows.periodMillis
        ingest = LiveIngest(maxLineBytes: options.maxLineBytes) {
            var d = CanonicalLogDecoder(maxLineBytes: options.maxLineBytes)
            d.keepPromptText = context.prompts != nil
            d.quoteValues = options.verbose
            var a = FeatureAccumulator(
                plans: context.plans, enricher: context.enricher, connections: connections, stacks: context.stacks,
                prompts: context.prompts, keepSamples: context.prompts != nil ? max(0, options.keepSamples) : 0)
            a.periodMillis = periodMillis
            a.staggered = true
            return (d, a)
        }
        liveConnections = connections as? LiveConnectionIndex
        // Model launches and shared templates over what the windows hold.
        let longest = windows.specs.count - 1
        for id in windows.accountIDs {
            if let s = windows.running(id, window: longest) { extractor.modelLaunches.add(s) }
        }
        rebuildTemplateSharing()
    }

    /// The capture's connections, whose JA4 texts name fingerprints in evidence.
    private let liveConnections: LiveConnectionIndex?

    // MARK: - Ticks

    /// Moves what was added into the windows and scores the accounts that changed.
    /// - Throws: `PipelineError` (I/O) when the case store cannot be written.
    func tick(now: Date) throws {
        try timed("tick", summed: false) {
            timed("windows") { slide() }
            try timed("score") { try evaluate(windows.takeChanged(), now: now) }
        }
    }

    /// Drains what was decoded into the windows and slides them to the watermark.
    private func slide() {
        var drained = timed("windows.drain") { ingest.drain() }
        // Moved out, so that the states are not shared (applying them then copies none).
        let part = drained.part
        drained.part = AccountDayPartition()
        positions = drained.positions
        lines = drained.lines
        events = drained.events
        tally = drained.tally
        part.states.withUnsafeBufferPointer { states in
            for i in 0..<part.count {
                // Read where they lie (through the pointer): no copy of a state.
                let state = states.baseAddress! + i
                let id = part.keys[i].accountID
                let first = state.pointee.firstSeen
                if first < firstNew[id] ?? .max { firstNew[id] = first }
                extractor.modelLaunches.add(firstSeen: first, models: state.pointee.models)
            }
        }
        nameJA4s(drained.ja4Names)
        if let liveConnections { nameJA4s(liveConnections.takeJA4Names()) }
        // Not in a closure: a captured partition would be shared, and popping its states copy them all.
        let t0 = DispatchTime.now().uptimeNanoseconds
        windows.apply(consume part)
        phases["windows.apply", default: 0] += Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        _ = timed("windows.advance") { windows.advance() }
        reportBadLines()
    }

    /// JA4 texts the evidence names fingerprints by, from the log and the capture: kept
    /// up to `ja4NameLimit` (past it, a new fingerprint shows as its hash).
    private func nameJA4s(_ names: [UInt64: String]) {
        for (hash, text) in names where extractor.ja4Names.count < Self.ja4NameLimit && extractor.ja4Names[hash] == nil {
            extractor.ja4Names[hash] = text
        }
    }

    static let ja4NameLimit = 1 << 17

    /// Bad lines since the last report, as warnings (the first few of each reason).
    private func reportBadLines() {
        let samples = tally.samples.values.flatMap { $0 }.sorted { $0.position < $1.position }
        guard samples.count > reportedSamples else { return }
        for s in samples.dropFirst(reportedSamples) {
            let path = positions[s.position.fileIndex]?.path ?? "<stdin>"
            notice?("\(path): line \(s.position.lineInChunk + 1) after byte \(s.position.sequence): \(s.reason.key): \(s.detail)")
        }
        reportedSamples = samples.count
    }

    var badLines: Int { tally.total }

    var badLinesByReason: [String: Int] { tally.countsByKey }

    /// The alert band of a score (0: under the threshold).
    func band(of score: Double) -> Int { Self.band(of: score, edges: bands) }

    /// The alert band of a score: how many of the bands' lower `edges` it reaches.
    static func band(of score: Double, edges: [Double]) -> Int { edges.filter { score >= $0 }.count }

    private func evaluate(_ changed: [String], now: Date) throws {
        guard !changed.isEmpty, windows.watermark != .min else { return }
        let day = TimestampParser.day(of: windows.watermark)
        // Their top templates join the sharing index first (it is rebuilt whole, without
        // what left the window, at each link step).
        if context.prompts != nil {
            let longest = windows.specs.count - 1
            for id in changed {
                let held = windows.withRunning(id, window: longest) { (s: inout AccountDayState) in s.prompts.map { ($0, s.orgHash) } }
                if let (prompts, org) = held ?? nil { extractor.templateSharing.add(prompts, accountID: id, orgHash: org) }
            }
        }
        // Each account on its lane's thread: the score alone on every window (the explanation
        // is made only for an alert); a window holding as many requests as the shorter one
        // before it holds the same requests, so its score is that one's.
        // (The copies end with the block: `levels` is changed below.)
        let outcomes: [AccountOutcome?]
        do {
            let extractor = self.extractor
            let rules = context.rules
            let levelsNow = levels
            let (bandEdges, alertThreshold, rearmUnder) = (bands, threshold, rearmBelow)
            let windowCount = windows.specs.count
            outcomes = windows.mapAccounts(changed) { id, account -> AccountOutcome in
                let key = AccountDayKey(accountID: id, day: day)
                var outcome = AccountOutcome()
                var previousWindow: (requests: Int, score: Double)?
                for w in 0..<windowCount {
                    let reuse = previousWindow
                    let (requests, score) = account.withRunning(window: w) { (state: inout AccountDayState) -> (Int, Double) in
                        if let reuse, reuse.requests == state.requests { return (reuse.requests, reuse.score) }
                        let f = extractor.features(for: key, state: state, withEvidence: false)
                        return (state.requests, rules.score(f.features))
                    }
                    guard requests > 0 else { continue }
                    if !(previousWindow?.requests == requests) { outcome.scored += 1 }
                    previousWindow = (requests, score)
                    // Ties go to the longer window (later in the list).
                    if outcome.best == nil || score >= outcome.best!.score { outcome.best = (score, w) }
                }
                guard let best = outcome.best else { return outcome }
                let band = LiveAnalyzer.band(of: best.score, edges: bandEdges)
                outcome.band = band
                let previous = levelsNow[id]?.band ?? 0
                if band > previous {
                    var f = account.withRunning(window: best.window) { extractor.features(for: key, state: $0) }
                    let assessment = rules.assess(f, threshold: alertThreshold)
                    if !assessment.flagged { f.evidence.promptSamples = nil }
                    outcome.raised = ((f, assessment), best.window, previous, band)
                } else if previous > 0 && best.score < rearmUnder {
                    outcome.rearm = true
                }
                return outcome
            }
        }
        var raised: [(result: (features: AccountDayFeatures, assessment: Assessment), window: Int, previous: Int, band: Int)] = []
        var rearmed: [String] = []
        for (id, outcome) in zip(changed, outcomes) {
            guard let outcome, let best = outcome.best else {
                scores[id] = nil
                continue
            }
            windowsScored += outcome.scored
            scores[id] = Score(score: best.score, window: best.window, band: outcome.band)
            if let r = outcome.raised { raised.append(r) }
            if outcome.rearm { rearmed.append(id) }
        }
        for id in rearmed {
            levels[id] = nil
            try storeWrite { try store.saveTailAlertLevel(kind: .account, subject: id, level: nil, at: now) }
        }
        // Every request drained so far has now been scored (or was late).
        defer { firstNew.removeAll(keepingCapacity: true) }
        guard !raised.isEmpty else { return }
        let outcome = try timed("record") { try storeWrite { try store.record(runID: runID, results: raised.map(\.result), at: now) } }
        casesOpened += outcome.opened
        casesUpdated += outcome.updated
        for r in raised {
            let id = r.result.assessment.accountID
            let level = TailAlertLevel(band: r.band, score: r.result.assessment.score)
            levels[id] = level
            try storeWrite { try store.saveTailAlertLevel(kind: .account, subject: id, level: level, at: now) }
            let caseID = try storeWrite { try store.caseID(kind: .account, subject: id) }
            alerts += 1
            alertSink?(
                AlertLine(
                    time: TimestampParser.format(Int64(now.timeIntervalSince1970 * 1000)), kind: "account", account_id: id,
                    cluster_id: nil, members: nil, score: r.result.assessment.score, band: AlertLine.bandNames[r.band - 1],
                    previous_band: r.previous > 0 ? AlertLine.bandNames[r.previous - 1] : nil, threshold: threshold,
                    window: windows.specs[r.window].description, day: TimestampParser.dayString(day),
                    event_time: TimestampParser.format(windows.watermark), trigger_ts: firstNew[id].map(TimestampParser.format),
                    rules: AlertLine.rules(r.result.assessment.hits), case_id: caseID))
        }
    }

    /// What scoring one account on its lane found.
    private struct AccountOutcome: Sendable {
        /// The highest score and its window (`nil`: no window holds a request).
        var best: (score: Double, window: Int)?
        /// The alert band of the best score.
        var band = 0
        /// Windows scored (not counting those that reused a shorter one's score).
        var scored = 0
        /// An alert to raise: the account went up a band.
        var raised: (result: (features: AccountDayFeatures, assessment: Assessment), window: Int, previous: Int, band: Int)?
        /// Re-armed: its score fell well under the threshold.
        var rearm = false
    }

    private func storeWrite<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch {
            throw PipelineError(.io, "\(options.databasePath): \(error)")
        }
    }

    // MARK: - Linking

    /// Shared templates over the longest window (for `template_sharing_accounts`).
    private func rebuildTemplateSharing() {
        guard context.prompts != nil else { return }
        var sharing = TemplateSharingIndex()
        let longest = windows.specs.count - 1
        for id in windows.accountIDs {
            if let s = windows.running(id, window: longest), let p = s.prompts { sharing.add(p, accountID: id, orgHash: s.orgHash) }
        }
        extractor.templateSharing = sharing
    }

    /// Refreshes what needs every account: shared templates (and the scores of every account
    /// with templates, as others may have come to share them), and linking when a linker is set.
    func link(now: Date) throws {
        try timed("link") { try linkNow(now: now) }
    }

    private func linkNow(now: Date) throws {
        rebuildTemplateSharing()
        if context.prompts != nil {
            let longest = windows.specs.count - 1
            let holders = windows.accountIDs.filter { windows.running($0, window: longest)?.prompts != nil }.sorted()
            try evaluate(holders, now: now)
        }
        try collectLinking(now: now)
        guard let linker, !linker.isBusy, windows.watermark != .min else { return }
        // The artifacts are taken here, where the window state lives; the rest runs on the
        // linker's thread.
        let day = TimestampParser.day(of: windows.watermark)
        let longest = windows.specs.count - 1
        var artifacts: [AccountArtifacts] = []
        var memberScores: [MemberScore] = []
        artifacts.reserveCapacity(windows.accountCount)
        memberScores.reserveCapacity(windows.accountCount)
        let ids = windows.accountIDs.sorted()
        let registry = self.registry
        let taken = windows.mapAccounts(ids) { id, account in
            account.withRunning(window: longest) { (s: inout AccountDayState) -> AccountArtifacts in
                var collector = ArtifactCollector(accountID: id)
                collector.add(s, day: day)
                return collector.finish(record: registry.accounts[id])
            }
        }
        for (id, taken) in zip(ids, taken) {
            guard let taken else { continue }
            artifacts.append(taken)
            let score = scores[id]?.score ?? 0
            memberScores.append(MemberScore(score: score, flagged: score >= threshold))
        }
        if linker.start(artifacts, scores: memberScores, at: now) { linkRuns += 1 }
    }

    /// Alerts on the clusters of a linking run that has finished: once per cluster case and
    /// band, as for accounts.
    /// - Throws: `PipelineError` when the run failed or the store cannot be written.
    func collectLinking(now: Date) throws {
        guard let linker, let result = linker.take() else { return }
        let outcome = try result.get()
        phases["link.background", default: 0] += outcome.seconds
        clusterCasesOpened += outcome.opened
        clusterCasesUpdated += outcome.updated
        clusters = outcome.clusters
        let longest = windows.specs.count - 1
        for c in clusters {
            let band = band(of: c.score)
            let previous = clusterLevels[c.id]?.band ?? 0
            guard band > previous else { continue }
            let level = TailAlertLevel(band: band, score: c.score)
            clusterLevels[c.id] = level
            try storeWrite { try store.saveTailAlertLevel(kind: .cluster, subject: c.id, level: level, at: now) }
            alerts += 1
            alertSink?(
                AlertLine(
                    time: TimestampParser.format(Int64(now.timeIntervalSince1970 * 1000)), kind: "cluster", account_id: nil,
                    cluster_id: c.id, members: c.members, score: c.score, band: AlertLine.bandNames[band - 1],
                    previous_band: previous > 0 ? AlertLine.bandNames[previous - 1] : nil, threshold: threshold,
                    window: windows.specs[longest].description,
                    day: TimestampParser.dayString(TimestampParser.day(of: windows.watermark)),
                    event_time: TimestampParser.format(windows.watermark), trigger_ts: nil, rules: AlertLine.rules(c.hits),
                    case_id: c.caseID))
        }
    }

    /// Waits for the linking run under way and alerts on what it found (at the end of a run).
    func finishLinking(now: Date) throws {
        guard let linker else { return }
        linker.wait()
        try collectLinking(now: now)
    }

    // MARK: - Checkpoints

    /// Saves the positions and the changed buckets in one transaction (call right after `tick`).
    func checkpoint(now: Date) throws {
        try timed("checkpoint") { try saveCheckpoint(now: now) }
    }

    private func saveCheckpoint(now: Date) throws {
        let changes = timed("checkpoint.encode") { windows.checkpointChanges() }
        let forget = Int64(options.follow.forgetSeconds * 1000)
        let nowMillis = Int64(now.timeIntervalSince1970 * 1000)
        let streams = positions.values.filter { !$0.finished || nowMillis - $0.lastRead < forget }
            .sorted { ($0.path, $0.offset) < ($1.path, $1.offset) }
        let checkpoint = TailCheckpoint(
            streams: streams, buckets: changes.buckets, keepFrom: changes.keepFrom, watermark: windows.watermark, runID: runID,
            windowSpans: windows.specs.map(\.spanMillis))
        // Written on the checkpoint thread: the analysis goes on meanwhile. One at a time, in
        // order (each holds the buckets changed since the one before).
        try finishCheckpoint()
        let store = self.store
        let failure = checkpointFailure
        let longestWrite = checkpointWriteLongest
        checkpointQueue.async {
            let t0 = DispatchTime.now().uptimeNanoseconds
            do { try store.saveTailCheckpoint(checkpoint, at: now) } catch { failure.value.withLock { $0 = "\(error)" } }
            let s = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            longestWrite.value.withLock { $0 = max($0, s) }
        }
        checkpoints += 1
    }

    private let checkpointQueue = DispatchQueue(label: "trawl.tail.checkpoint")
    /// A value the checkpoint thread writes and this one reads.
    private final class Shared<Value: Sendable>: Sendable {
        let value: Mutex<Value>
        init(_ value: Value) { self.value = Mutex(value) }
    }
    private let checkpointFailure = Shared<String?>(nil)
    private let checkpointWriteLongest = Shared<Double>(0)

    /// Waits for the checkpoint being written; throws when it (or an earlier one) failed.
    func finishCheckpoint() throws {
        checkpointQueue.sync {}
        if let failure = checkpointFailure.value.withLock({ $0 }) { throw PipelineError(.io, "\(options.databasePath): \(failure)") }
    }

    // MARK: - Board

    /// The board's view: the `top` accounts by score with their key features.
    func snapshot(top: Int) -> [BoardSnapshot.AccountRow] {
        guard windows.watermark != .min else { return [] }
        let day = TimestampParser.day(of: windows.watermark)
        let ranked = scores.sorted { ($0.value.score, $1.key) > ($1.value.score, $0.key) }.prefix(top)
        var rows: [BoardSnapshot.AccountRow] = []
        for (id, s) in ranked {
            guard let state = windows.running(id, window: s.window) else {
                scores[id] = nil
                continue
            }
            let f = extractor.features(for: AccountDayKey(accountID: id, day: day), state: state)
            let a = context.rules.assess(f, threshold: threshold)
            rows.append(
                BoardSnapshot.AccountRow(
                    accountID: id, score: a.score, window: windows.specs[s.window].description, requests: state.requests,
                    networks: f.features["distinct_networks"]?.number.map { Int($0) },
                    addresses: f.features["distinct_ips"]?.number.map { Int($0) },
                    concurrency: f.features["peak_concurrency"]?.number, userAgent: f.evidence.topUserAgents.first?.value,
                    rules: a.hits.map(\.ruleID), promptSample: f.evidence.promptSamples?.first, band: levels[id]?.band ?? 0))
        }
        return rows
    }

    /// Forgets scores of accounts no longer in any window.
    func pruneScores() {
        for id in Array(scores.keys) where !windows.holds(id) { scores[id] = nil }
    }
}
