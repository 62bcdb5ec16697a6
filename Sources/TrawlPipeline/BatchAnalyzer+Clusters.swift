import TrawlCases
import TrawlFeatures
import TrawlLink
import TrawlModel
import TrawlRules

/// The clusters of one run: every cluster the linker found, scored by the cluster rules.
public struct ClusterRun: Sendable {
    /// Every cluster (flagged or not), ordered by its first member's account id.
    public var clusters: [ClusterObservation]
    public var statistics: GraphStatistics

    public var flagged: [ClusterObservation] { clusters.filter(\.assessment.flagged) }
}

extension BatchAnalyzer {
    /// Every account's linking artifacts, from its day states and registry record, sorted
    /// by account id (one thread per partition; an account's days are all in one).
    public static func linkArtifacts(_ partitions: [AccountDayPartition], registry: RegistryIndex) -> [AccountArtifacts] {
        let parts = concurrentMap(count: partitions.count) { p -> [AccountArtifacts] in
            let part = partitions[p]
            var run = ArtifactRun(registry: registry)
            // Through a buffer, as in `acrossAccounts`: the array's subscript copies each state.
            part.states.withUnsafeBufferPointer { states in
                for i in part.sortedPositions() { run.add(part.keys[i], states[i]) }
            }
            return run.finish()
        }
        return parts.flatMap { $0 }.sorted { $0.accountID < $1.accountID }
    }

    /// Links the accounts, then scores each cluster with the cluster rules from its
    /// features and its members' own verdicts (`results`: the run's account-days).
    /// - Throws: `PipelineError` (internal) when the link settings are out of range.
    public static func clusters(
        _ artifacts: [AccountArtifacts], results: [(features: AccountDayFeatures, assessment: Assessment)], rules: RuleSet,
        threshold: Double?, settings: LinkSettings = LinkSettings()
    ) throws -> ClusterRun {
        try clusters(
            artifacts, scores: memberScores(artifacts, results: results), rules: rules, threshold: threshold, settings: settings)
    }

    /// Each account's verdict for linking, in the order of `artifacts`: its highest day
    /// score, and whether any of its days was flagged.
    static func memberScores(
        _ artifacts: [AccountArtifacts], results: [(features: AccountDayFeatures, assessment: Assessment)]
    ) -> [MemberScore] {
        var best: [String: MemberScore] = [:]
        // Through a buffer: an array's subscript copies the whole result, every feature too.
        results.withUnsafeBufferPointer { r in
            for i in r.indices {
                let id = r[i].assessment.accountID
                var s = best[id] ?? MemberScore(score: 0, flagged: false)
                s.score = max(s.score, r[i].assessment.score)
                s.flagged = s.flagged || r[i].assessment.flagged
                best[id] = s
            }
        }
        return artifacts.map { best[$0.accountID] ?? MemberScore(score: 0, flagged: false) }
    }

    /// Links the accounts, then scores each cluster with the cluster rules from its
    /// features and its members' own verdicts (`scores`: one per account, in order).
    /// - Throws: `PipelineError` (internal) when the link settings are out of range.
    public static func clusters(
        _ artifacts: [AccountArtifacts], scores: [MemberScore], rules: RuleSet, threshold: Double?,
        settings: LinkSettings = LinkSettings()
    ) throws -> ClusterRun {
        try assessClusters(link(artifacts, settings: settings), artifacts: artifacts, scores: scores, rules: rules, threshold: threshold)
    }

    /// Links the accounts (`artifacts` sorted by account id).
    /// - Throws: `PipelineError` (internal) when the link settings are out of range.
    static func link(_ artifacts: [AccountArtifacts], settings: LinkSettings) throws -> LinkResult {
        do { return try AccountLinker(settings: settings).link(artifacts) } catch {
            throw PipelineError(.internalError, error.description)
        }
    }

    /// Scores the clusters `linked` found with the cluster rules, from their features and
    /// their members' own verdicts (`scores`: one per account of `artifacts`, in order).
    static func assessClusters(
        _ linked: LinkResult, artifacts: [AccountArtifacts], scores: [MemberScore], rules: RuleSet, threshold: Double?
    ) -> ClusterRun {
        precondition(scores.count == artifacts.count, "one score per account")
        var out: [ClusterObservation] = []
        out.reserveCapacity(linked.clusters.count)
        for (i, c) in linked.clusters.enumerated() {
            let features = ClusterFeatureExtractor.features(c, accounts: artifacts, scores: scores)
            let first = c.members.map { artifacts[$0].firstDay }.min() ?? 0
            let last = c.members.map { artifacts[$0].lastDay }.max() ?? 0
            let assessment = rules.assessCluster(subject: "cluster \(i + 1)", day: last, features: features, threshold: threshold)
            out.append(
                ClusterObservation(
                    cluster: c, accounts: artifacts, scores: scores, features: features, assessment: assessment, firstDay: first,
                    lastDay: last))
        }
        return ClusterRun(clusters: out, statistics: linked.statistics)
    }
}

/// The linking artifacts of account days given account by account (each account's days
/// one after another), one per account in the order given.
struct ArtifactRun {
    let registry: RegistryIndex
    private var collector: ArtifactCollector?
    private var done: [AccountArtifacts] = []

    init(registry: RegistryIndex) { self.registry = registry }

    mutating func add(_ key: AccountDayKey, _ state: AccountDayState) {
        if collector?.accountID != key.accountID {
            if let c = collector { done.append(c.finish(record: registry.accounts[c.accountID])) }
            collector = ArtifactCollector(accountID: key.accountID)
        }
        collector!.add(state, day: key.day)
    }

    /// Every account's artifacts; the run is empty afterwards.
    mutating func finish() -> [AccountArtifacts] {
        if let c = collector { done.append(c.finish(record: registry.accounts[c.accountID])) }
        collector = nil
        defer { done = [] }
        return done
    }
}

/// One cluster: the `--clusters` JSONL line.
public struct ClusterLine: Sendable, Codable, Equatable {
    public struct Member: Sendable, Codable, Equatable {
        public var account_id: String
        public var score: Double
        public var flagged: Bool
    }
    public struct Link: Sendable, Codable, Equatable {
        public var kind: String
        public var value: String
        public var bits: Double
        public var holders: Int
        public var accounts: [String]
    }

    /// The cluster case's subject when flagged (as in the scores' `cluster_id`), else `nil`.
    public var cluster_id: String?
    public var size: Int
    public var score: Double
    public var flagged: Bool
    public var first_day: String
    public var last_day: String
    public var members: [Member]
    public var reasons: [ScoreLine.Reason]
    public var features: [String: FeatureValue]
    /// The strongest shared values (at most 100).
    public var links: [Link]

    init(_ c: ClusterObservation, clusterID: String?) {
        cluster_id = clusterID
        size = c.members.count
        score = (c.assessment.score * 10000).rounded() / 10000
        flagged = c.assessment.flagged
        first_day = TimestampParser.dayString(c.firstDay)
        last_day = TimestampParser.dayString(c.lastDay)
        members = c.members.map { Member(account_id: $0.accountID, score: ($0.score * 10000).rounded() / 10000, flagged: $0.flagged) }
        reasons = c.assessment.hits.map { ScoreLine.Reason(rule: $0.ruleID, weight: $0.weight, explanation: $0.explanation) }
        features = c.features.named
        links = c.links.map {
            Link(kind: $0.kind.name, value: $0.value, bits: ($0.bits * 1000).rounded() / 1000, holders: $0.holders, accounts: $0.accounts)
        }
    }
}
