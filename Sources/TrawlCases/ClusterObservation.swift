import TrawlFeatures
import TrawlLink
import TrawlModel
import TrawlRules

/// One flagged cluster of linked accounts as a run found it: what `recordClusters` stores.
public struct ClusterObservation: Sendable, Equatable {
    /// A member account with its own verdict (its highest day score in the run).
    public struct Member: Sendable, Equatable, Codable {
        public var accountID: String
        public var score: Double
        public var flagged: Bool
        public init(accountID: String, score: Double, flagged: Bool) {
            self.accountID = accountID
            self.score = score
            self.flagged = flagged
        }
    }

    /// A value the members share: the evidence of their links.
    public struct Link: Sendable, Equatable, Codable {
        public var kind: ArtifactKind
        /// The value as text (an address, a network, a fingerprint, a template key, a card).
        public var value: String
        /// Bits of evidence it adds to each pair of the accounts holding it.
        public var bits: Double
        /// Accounts holding it in the whole input, members or not.
        public var holders: Int
        /// The members holding it.
        public var accounts: [String]
        public init(kind: ArtifactKind, value: String, bits: Double, holders: Int, accounts: [String]) {
            self.kind = kind
            self.value = value
            self.bits = bits
            self.holders = holders
            self.accounts = accounts
        }
    }

    public var members: [Member]
    /// Strongest first.
    public var links: [Link]
    /// The `cluster_*` features.
    public var features: FeatureVector
    /// The cluster rules' verdict (its `accountID` is not used).
    public var assessment: Assessment
    /// The first and last UTC day of the input the cluster was found in.
    public var firstDay: Int32
    public var lastDay: Int32

    public init(
        members: [Member], links: [Link], features: FeatureVector, assessment: Assessment, firstDay: Int32, lastDay: Int32
    ) {
        self.members = members
        self.links = links
        self.features = features
        self.assessment = assessment
        self.firstDay = firstDay
        self.lastDay = lastDay
    }

    /// Links kept per cluster and input, and members named per link.
    public static let maximumLinks = 100
    public static let maximumAccountsPerLink = 50

    /// The observation of a linker's cluster: members with their own scores, and its
    /// strongest shared values (at most `maximumLinks`, each naming at most
    /// `maximumAccountsPerLink` members).
    public init(
        cluster: LinkedCluster, accounts: [AccountArtifacts], scores: [MemberScore], features: FeatureVector,
        assessment: Assessment, firstDay: Int32, lastDay: Int32
    ) {
        members = cluster.members.map { Member(accountID: accounts[$0].accountID, score: scores[$0].score, flagged: scores[$0].flagged) }
        links = cluster.shared.prefix(Self.maximumLinks).map { s in
            Link(
                kind: s.artifact.kind, value: s.artifact.detail.text, bits: s.bits, holders: s.holders,
                accounts: s.accounts.prefix(Self.maximumAccountsPerLink).map { accounts[$0].accountID })
        }
        self.features = features
        self.assessment = assessment
        self.firstDay = firstDay
        self.lastDay = lastDay
    }
}

/// What one call to `CaseStore.recordClusters(runID:_:at:)` changed.
public struct ClusterRecordOutcome: Sendable, Equatable, Codable {
    /// Cluster cases created (including those split off an existing case).
    public var opened = 0
    /// Existing cluster cases this call changed.
    public var updated = 0
    /// Existing cluster cases that already held exactly this.
    public var unchanged = 0
    /// Cases merged into another (their accounts are now in one cluster with its).
    public var merged = 0
    /// New cases split off an existing one (part of its accounts now form a cluster of their own).
    public var split = 0
    /// The case of each observation, in the order given.
    public var caseIDs: [Int64] = []
    /// The subject of each observation's case (`cluster-…`), in the order given.
    public var subjects: [String] = []

    public init() {}
}

/// A member account of a cluster case.
public struct ClusterMemberRecord: Sendable, Equatable, Codable {
    public var accountID: String
    /// First and last day (`YYYY-MM-DD`) of the inputs in which it was found in the cluster.
    public var firstDay: String
    public var lastDay: String
    /// Its own highest day score and flag when last found.
    public var score: Double
    public var flagged: Bool
    /// In the cluster as last found (false once it left, or the case was merged).
    public var active: Bool
}

/// A cluster case's verdict on one input (keyed by the input's last day).
public struct ClusterDayRecord: Sendable, Equatable, Codable {
    /// The input's last day, and its first.
    public var day: String
    public var firstDay: String
    public var members: Int
    /// The `cluster_*` features by name.
    public var features: [String: FeatureValue]
    public var score: Double
    public var flagged: Bool
    public var bias: Double
    public var hits: [StoredRuleHit]
    public var lastRunID: Int64
}

/// One shared value behind a cluster case, on one input.
public struct ClusterLinkRecord: Sendable, Equatable, Codable {
    public var day: String
    /// `address`, `network`, `coactivity`, `session`, `client`, `template`, `payment` or `signup`.
    public var kind: String
    public var value: String
    public var bits: Double
    public var holders: Int
    public var accounts: [String]
}

/// Everything a cluster case holds beyond the case itself.
public struct ClusterDetail: Sendable, Equatable, Codable {
    /// Active members first, then by score (highest first) and account id.
    public var members: [ClusterMemberRecord]
    /// Oldest first.
    public var days: [ClusterDayRecord]
    /// By day, then strongest first (bits × (accounts − 1)).
    public var links: [ClusterLinkRecord]
    /// The case this one was merged into, if it was.
    public var mergedInto: Int64?
}
