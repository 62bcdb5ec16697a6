/// How the linking stage weighs shared artifacts and when accounts form a cluster.
///
/// **Evidence.** An artifact shared by `n` accounts (its document frequency) adds
/// `weight × log2(hubLimit / n)` bits to the link of every pair of them: a value shared by
/// two accounts is strong evidence, one shared by nearly `hubLimit` accounts is almost
/// none, and one shared by more (a carrier's CGNAT address, a university's NAT pool, a
/// default client) is pruned as a hub and links no one. An address or co-activity bucket
/// counts as shared by at least as many accounts as its whole /24 (or /48): inside a
/// crowded network (a carrier's CGNAT pool) sharing an address says little.
///
/// Kinds are direct evidence of one controller (addresses, sessions, cards, signup
/// addresses: no `cap`) or supporting evidence (networks, co-activity hours, client
/// fingerprints, prompt templates: each with a `cap`, since people share them by chance
/// and operators draw templates from the same public banks). The link of two accounts is
/// the sum over everything they share, each supporting kind's sum capped at its cap, the
/// whole capped at `maximumEdgeBits`. A link needs at least `minimumDirectBits` of direct
/// evidence and `minimumEdgeBits` in all: supporting evidence alone, however much, links
/// no one, nor does a value that many others share, while many artifacts shared by the
/// same accounts add up.
///
/// **Clusters** are communities of the weighted graph under the Constant Potts Model with
/// resolution `resolution` (see ``CommunityDetector``): roughly, sets of accounts whose
/// links average more than `resolution` bits per pair of members.
public struct LinkSettings: Sendable, Equatable {
    /// Per artifact kind: how much its evidence counts, how many accounts may share a value
    /// before it is pruned as a hub, and the most one link may get from the kind.
    public struct Kind: Sendable, Equatable {
        public var weight: Double
        public var hubLimit: Int
        /// Bits a link gets from this kind at most (`nil`: no cap but `maximumEdgeBits`).
        public var cap: Double?
        public init(weight: Double, hubLimit: Int, cap: Double? = nil) {
            self.weight = weight
            self.hubLimit = hubLimit
            self.cap = cap
        }
    }

    /// By `ArtifactKind.rawValue`.
    public var kinds: [Kind]
    /// Links with less evidence than this (in bits) are dropped.
    public var minimumEdgeBits = 6.0
    /// Links with less direct evidence (from uncapped kinds) than this are dropped.
    public var minimumDirectBits = 3.0
    /// A link counts at most this many bits, however much the two accounts share.
    public var maximumEdgeBits = 48.0
    /// CPM resolution: bits per pair of members a community must beat (see `CommunityDetector`).
    public var resolution = 2.0
    /// A value shared by more accounts than this plus one links each of them to half this
    /// many others drawn by hash (and about as many draw it), with the weight scaled so
    /// that the group's total evidence stays the same: the work per value is bounded while
    /// a large group still holds together (a random regular graph has no weak cut).
    public var pairsPerMember = 32
    /// Clusters have at least this many accounts.
    public var minimumClusterSize = 2
    /// Artifacts are indexed in this many shards, to bound memory.
    public var shards = 8
    /// Seed of the community detector's node order (results are the same run after run).
    public var seed: UInt64 = 0x6C69_6E6B
    /// At most this many kinds may have a cap (each takes a lane in the pair table).
    public static let maximumCappedKinds = 4

    /// The defaults. Direct: addresses and sessions at 1 bit per halving below 64 holders;
    /// cards and signup addresses at 2, pruned only past 256 holders (strangers seldom share
    /// a card or open accounts from one address, and a whole operation may share them).
    /// Supporting, each below `minimumEdgeBits` on its own: networks and co-activity hours
    /// (which an address shared also shares) at a half, capped at 4 and 5; client
    /// fingerprints at a half, pruned past 32 holders, capped at 3; prompt templates at a
    /// half, capped at 5.
    public init() {
        kinds = Array(repeating: Kind(weight: 1, hubLimit: 64), count: ArtifactKind.allCases.count)
        self[.address] = Kind(weight: 1.0, hubLimit: 64)
        self[.network] = Kind(weight: 0.5, hubLimit: 64, cap: 4)
        self[.coactivity] = Kind(weight: 0.5, hubLimit: 32, cap: 5)
        self[.session] = Kind(weight: 1.0, hubLimit: 64)
        self[.client] = Kind(weight: 0.5, hubLimit: 32, cap: 3)
        self[.template] = Kind(weight: 0.5, hubLimit: 256, cap: 5)
        self[.payment] = Kind(weight: 2.0, hubLimit: 256)
        self[.signup] = Kind(weight: 2.0, hubLimit: 256)
    }

    public subscript(kind: ArtifactKind) -> Kind {
        get { kinds[Int(kind.rawValue)] }
        set { kinds[Int(kind.rawValue)] = newValue }
    }

    /// Bits of evidence an artifact of `kind` shared by `accounts` accounts adds to each
    /// pair of them (0 when pruned as a hub). For in-network kinds, `networkAccounts` is how
    /// many accounts used the value's network; the value counts as shared by at least those.
    public func bits(_ kind: ArtifactKind, sharedBy accounts: Int, networkAccounts: Int = 0) -> Double {
        let k = self[kind]
        let n = kind.isInNetwork ? max(accounts, networkAccounts) : accounts
        guard accounts >= 2, n <= k.hubLimit else { return 0 }
        return k.weight * log2(Double(k.hubLimit) / Double(n))
    }

    /// The pair-table lane of each kind with a cap (by raw value), -1 for uncapped kinds.
    var lanes: [Int] {
        var next = 0
        return kinds.map { k in
            guard k.cap != nil else { return -1 }
            defer { next += 1 }
            return next
        }
    }

    /// Checks that every number is in range.
    /// - Throws: `LinkError` naming the first setting out of range.
    public func validate() throws(LinkError) {
        for kind in ArtifactKind.allCases {
            let k = self[kind]
            guard k.weight >= 0, k.weight.isFinite else { throw LinkError(.invalidSetting("\(kind.name) weight must be >= 0")) }
            guard k.hubLimit >= 2 else { throw LinkError(.invalidSetting("\(kind.name) hub limit must be >= 2")) }
            if let cap = k.cap, !(cap >= 0 && cap < 256) { throw LinkError(.invalidSetting("\(kind.name) cap must be in 0..<256")) }
        }
        guard kinds.filter({ $0.cap != nil }).count <= Self.maximumCappedKinds else {
            throw LinkError(.invalidSetting("at most \(Self.maximumCappedKinds) kinds may have a cap"))
        }
        guard minimumEdgeBits > 0, minimumEdgeBits.isFinite else { throw LinkError(.invalidSetting("minimum edge bits must be > 0")) }
        guard minimumDirectBits >= 0, minimumDirectBits <= minimumEdgeBits else {
            throw LinkError(.invalidSetting("minimum direct bits must be in 0...minimum edge bits"))
        }
        guard maximumEdgeBits >= minimumEdgeBits, maximumEdgeBits < 1_000_000 else {
            throw LinkError(.invalidSetting("maximum edge bits must be >= the minimum and below 1,000,000"))
        }
        guard resolution > 0, resolution.isFinite else { throw LinkError(.invalidSetting("resolution must be > 0")) }
        guard pairsPerMember >= 2 else { throw LinkError(.invalidSetting("pairs per member must be >= 2")) }
        guard minimumClusterSize >= 2 else { throw LinkError(.invalidSetting("clusters have at least 2 accounts")) }
        guard shards >= 1 else { throw LinkError(.invalidSetting("shards must be >= 1")) }
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
