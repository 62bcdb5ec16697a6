/// A cluster of linked accounts, with what links them.
public struct LinkedCluster: Sendable, Equatable {
    /// Indices into the accounts given to the linker, ascending.
    public var members: [Int]
    /// Member pairs linked directly (with at least `minimumEdgeBits`).
    public var linkedPairs: Int
    /// Bits of evidence over those pairs.
    public var bits: Double
    /// Values shared by at least two members (and by no more accounts than their kind's
    /// hub limit), strongest first: bits × (members sharing − 1), then kind and value.
    public var shared: [SharedArtifact]

    /// Share of member pairs linked directly (1: every member linked to every other).
    public var cohesion: Double {
        let n = members.count
        return n < 2 ? 0 : Double(linkedPairs) / Double(n * (n - 1) / 2)
    }

    /// Shared values of a kind.
    public func sharedCount(_ kind: ArtifactKind) -> Int { shared.filter { $0.artifact.kind == kind }.count }
}

/// One value shared inside a cluster: the evidence of a link.
public struct SharedArtifact: Sendable, Equatable {
    public var artifact: LinkArtifact
    /// Indices (into the linker's accounts) of the members holding it, ascending.
    public var accounts: [Int]
    /// Accounts holding it in the whole input (members or not).
    public var holders: Int
    /// Bits of evidence it adds to each pair of its holders (before the kind's cap).
    public var bits: Double
}

/// What one linking run produced.
public struct LinkResult: Sendable {
    public var clusters: [LinkedCluster]
    /// The cluster of each account (`nil`: in none), by the linker's account index.
    public var clusterOfAccount: [Int?]
    public var statistics: GraphStatistics
    public var graph: AccountGraph
}

/// The linking stage: accounts' artifacts → weighted account graph → communities →
/// clusters with their evidence.
///
/// See `LinkSettings` for the weights and pruning, `AccountGraphBuilder` for how the
/// graph is built without comparing all pairs, and `CommunityDetector` for the choice of
/// Leiden with the Constant Potts Model.
public struct AccountLinker: Sendable {
    public let settings: LinkSettings

    /// - Throws: `LinkError` when a setting is out of range.
    public init(settings: LinkSettings = LinkSettings()) throws(LinkError) {
        try settings.validate()
        self.settings = settings
    }

    /// Links the accounts; clusters are ordered by their first member.
    /// - Throws: `LinkError.tooManyAccounts` past 2^32 - 1 accounts.
    public func link(_ accounts: [AccountArtifacts]) throws(LinkError) -> LinkResult {
        guard accounts.count < Int(UInt32.max) else { throw LinkError(.tooManyAccounts(accounts.count)) }
        let (graph, statistics, crowds) = AccountGraphBuilder.buildWithCrowds(ArtifactTable(accounts), settings: settings)
        let (groups, clusterOf) = clusters(graph)
        var out: [LinkedCluster] = []
        out.reserveCapacity(groups.count)
        let holders = holderCounts(accounts, groups: groups)
        for members in groups {
            out.append(cluster(members, graph: graph, accounts: accounts, holders: holders, crowds: crowds))
        }
        return LinkResult(clusters: out, clusterOfAccount: clusterOf, statistics: statistics, graph: graph)
    }

    /// The communities of at least `minimumClusterSize` accounts, each ascending, ordered by
    /// first member, and the cluster index of each account.
    public func clusters(_ graph: AccountGraph) -> (clusters: [[Int]], clusterOf: [Int?]) {
        let community = CommunityDetector(resolution: settings.resolution, seed: settings.seed).communities(graph)
        var byCommunity: [Int: [Int]] = [:]
        for (v, c) in community.enumerated() { byCommunity[c, default: []].append(v) }
        let groups = byCommunity.values.filter { $0.count >= settings.minimumClusterSize }.sorted { $0[0] < $1[0] }
        var clusterOf = [Int?](repeating: nil, count: graph.nodeCount)
        for (i, g) in groups.enumerated() { for v in g { clusterOf[v] = i } }
        return (groups, clusterOf)
    }

    /// How many accounts of the whole input hold each value that two members of one
    /// cluster share.
    private func holderCounts(_ accounts: [AccountArtifacts], groups: [[Int]]) -> [UInt64: Int] {
        var wanted: Set<UInt64> = []
        for g in groups {
            var seen: [UInt64: Int] = [:]
            for m in g { for a in accounts[m].artifacts { seen[a.key, default: 0] += 1 } }
            for (k, n) in seen where n >= 2 { wanted.insert(k) }
        }
        var counts: [UInt64: Int] = [:]
        for a in accounts { for x in a.artifacts where wanted.contains(x.key) { counts[x.key, default: 0] += 1 } }
        return counts
    }

    private func cluster(
        _ members: [Int], graph: AccountGraph, accounts: [AccountArtifacts], holders: [UInt64: Int], crowds: NetworkCrowds
    ) -> LinkedCluster {
        let inCluster = Set(members)
        var pairs = 0
        var bits = 0.0
        for m in members {
            for i in graph.neighborRange(of: m) where Int(graph.neighbors[i]) > m && inCluster.contains(Int(graph.neighbors[i])) {
                pairs += 1
                bits += Double(graph.weights[i])
            }
        }
        var byKey: [UInt64: (artifact: LinkArtifact, accounts: [Int])] = [:]
        for m in members {
            for a in accounts[m].artifacts {
                if byKey[a.key] == nil { byKey[a.key] = (a, []) }
                byKey[a.key]!.accounts.append(m)
            }
        }
        var shared: [SharedArtifact] = []
        for (key, entry) in byKey where entry.accounts.count >= 2 {
            let n = holders[key] ?? entry.accounts.count
            let b = settings.bits(entry.artifact.kind, sharedBy: n, networkAccounts: crowds.accounts(around: key))
            guard b > 0 else { continue }
            shared.append(SharedArtifact(artifact: entry.artifact, accounts: entry.accounts, holders: n, bits: b))
        }
        shared.sort { x, y in
            let sx = x.bits * Double(x.accounts.count - 1), sy = y.bits * Double(y.accounts.count - 1)
            if sx != sy { return sx > sy }
            if x.artifact.kind != y.artifact.kind { return x.artifact.kind < y.artifact.kind }
            return x.artifact.key < y.artifact.key
        }
        return LinkedCluster(members: members, linkedPairs: pairs, bits: bits, shared: shared)
    }
}
