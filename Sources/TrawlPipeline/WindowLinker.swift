import Dispatch
import Foundation
import Synchronization
import TrawlCases
import TrawlLink
import TrawlModel
import TrawlRules

/// A reseller cluster found by linking over the window.
public struct LiveCluster: Sendable, Equatable {
    /// Stable across runs: the subject of the cluster's case.
    public var id: String
    public var caseID: Int64
    public var members: [String]
    public var score: Double
    public var hits: [RuleHit]

    public init(id: String, caseID: Int64, members: [String], score: Double, hits: [RuleHit]) {
        self.id = id
        self.caseID = caseID
        self.members = members
        self.score = score
        self.hits = hits
    }
}

/// What one linking run over the window found and recorded.
struct LinkingOutcome: Sendable {
    /// The flagged clusters, each with its case.
    var clusters: [LiveCluster] = []
    var opened = 0
    var updated = 0
    var seconds = 0.0
}

/// The periodic linking step of a live run: the batch pass's linking (`AccountLinker`, the
/// cluster rules, cluster cases by member overlap) over every account of the longest
/// window, on a thread of its own so the analysis goes on meanwhile.
///
/// The analysis thread gathers each account's artifacts (a few dozen values, taken from the
/// window state it owns) and hands them over; graph, communities, cluster rules and the
/// store's cluster cases are done here; the analysis thread collects the outcome at a later
/// tick and alerts. One run at a time: a run asked for while one is under way is skipped
/// (the next period takes it). Because cluster cases are matched by member overlap, a new
/// account of a known network joins its existing case instead of opening another.
final class WindowLinker: @unchecked Sendable {
    let store: CaseStore
    let runID: Int64
    let rules: RuleSet
    let threshold: Double
    let settings: LinkSettings
    private let queue = DispatchQueue(label: "trawl.tail.link")
    private let busy = Atomic<Bool>(false)
    private let finished = Mutex<Result<LinkingOutcome, PipelineError>?>(nil)

    init(store: CaseStore, runID: Int64, rules: RuleSet, threshold: Double, settings: LinkSettings) {
        self.store = store
        self.runID = runID
        self.rules = rules
        self.threshold = threshold
        self.settings = settings
    }

    /// Whether a run is under way.
    var isBusy: Bool { busy.load(ordering: .acquiring) }

    /// Starts a run over `artifacts` (sorted by account id, one score each) unless one is
    /// under way; returns whether it started.
    func start(_ artifacts: [AccountArtifacts], scores: [MemberScore], at time: Date) -> Bool {
        guard busy.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else { return false }
        let work = UncheckedBox((artifacts, scores))
        queue.async { [self] in
            let result: Result<LinkingOutcome, PipelineError>
            do { result = .success(try run(work.value.0, scores: work.value.1, at: time)) } catch {
                result = .failure(error as? PipelineError ?? PipelineError(.internalError, "linking: \(error)"))
            }
            finished.withLock { $0 = result }
            busy.store(false, ordering: .releasing)
        }
        return true
    }

    /// The outcome of the run that finished since the last call, if any.
    func take() -> Result<LinkingOutcome, PipelineError>? {
        finished.withLock { r in
            defer { r = nil }
            return r
        }
    }

    /// Waits for the run under way, if any.
    func wait() { queue.sync {} }

    private func run(_ artifacts: [AccountArtifacts], scores: [MemberScore], at time: Date) throws -> LinkingOutcome {
        let t0 = DispatchTime.now().uptimeNanoseconds
        let found: ClusterRun
        found = try BatchAnalyzer.clusters(artifacts, scores: scores, rules: rules, threshold: threshold, settings: settings)
        let flagged = found.flagged
        var outcome = LinkingOutcome()
        if !flagged.isEmpty {
            let recorded: ClusterRecordOutcome
            do { recorded = try store.recordClusters(runID: runID, flagged, at: time) } catch {
                throw PipelineError(.io, "case store: recording clusters: \(error)")
            }
            outcome.opened = recorded.opened
            outcome.updated = recorded.updated
            for (i, c) in flagged.enumerated() {
                outcome.clusters.append(
                    LiveCluster(
                        id: recorded.subjects[i], caseID: recorded.caseIDs[i], members: c.members.map(\.accountID),
                        score: c.assessment.score, hits: c.assessment.hits))
            }
        }
        outcome.seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        return outcome
    }
}
