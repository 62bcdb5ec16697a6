import TrawlFeatures
import TrawlModel
import TrawlRules

/// One account of the longest window, as a live run hands it to linking.
public struct LiveAccount: Sendable {
    public var accountID: String
    /// The running state of the longest window (mergeable: MinHash-style parts, addresses, …).
    public var state: AccountDayState
    public var features: FeatureVector
    public var score: Double
}

/// A reseller cluster found by linking over the window.
public struct LiveCluster: Sendable, Equatable {
    /// Stable across runs (the case store's subject of the cluster's case).
    public var id: String
    public var members: [String]
    public var score: Double
    public var hits: [RuleHit]

    public init(id: String, members: [String], score: Double, hits: [RuleHit]) {
        self.id = id
        self.members = members
        self.score = score
        self.hits = hits
    }
}

/// The periodic linking step of a live run (issue 6's TrawlLink plugs in here): called every
/// `--link-every` seconds on the analysis thread with every account of the longest window,
/// it returns the clusters it finds, having opened or updated their cases (kind `cluster`)
/// in the store. The run alerts on clusters whose score enters a higher band, and shows
/// them on the board. Without a linker there are no clusters.
public protocol LiveLinker: AnyObject {
    func link(_ accounts: [LiveAccount], watermark: Timestamp) throws -> [LiveCluster]
}
