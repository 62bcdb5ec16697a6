import Synchronization
import TrawlModel

/// The artifact keys of every account, in one flat array (compressed rows): account `i`
/// holds `keys[offsets[i]..<offsets[i + 1]]`, distinct.
public struct ArtifactTable: Sendable {
    public private(set) var offsets: [Int] = [0]
    public private(set) var keys: [UInt64] = []

    public init() {}

    /// The table of accounts' artifacts, in the given order.
    public init(_ accounts: [AccountArtifacts]) {
        offsets.reserveCapacity(accounts.count + 1)
        keys.reserveCapacity(accounts.reduce(0) { $0 + $1.artifacts.count })
        for a in accounts { append(keys: a.artifacts.lazy.map(\.key)) }
    }

    public var accountCount: Int { offsets.count - 1 }

    /// Adds the next account's keys (distinct).
    public mutating func append(keys new: some Sequence<UInt64>) {
        keys.append(contentsOf: new)
        offsets.append(keys.count)
    }

    public mutating func reserveCapacity(accounts: Int, keys count: Int) {
        offsets.reserveCapacity(accounts + 1)
        keys.reserveCapacity(count)
    }
}

/// What building a graph found, for summaries and the bench.
public struct GraphStatistics: Sendable, Equatable, Codable {
    public var accounts = 0
    /// Artifact keys over all accounts.
    public var artifacts = 0
    /// Distinct values held by at least two accounts and at most their kind's hub limit.
    public var sharedValues = 0
    /// Distinct values pruned as hubs (held by more accounts than their kind's hub limit),
    /// counted among the accounts that have some direct link for supporting kinds.
    public var hubValues = 0
    /// Networks held by more accounts than the network hub limit (a carrier's CGNAT pool, a
    /// university NAT): every address and hour inside them is pruned too.
    public var crowdedNetworks = 0
    /// Account pairs with direct evidence (the candidate links), before the minimums.
    public var candidatePairs = 0
    public var edges = 0
}

/// How many accounts used each network, by network tag (`ArtifactKind.networkTag(of:)`),
/// for networks used by at least two.
public struct NetworkCrowds: Sendable {
    var accounts: [UInt32: Int] = [:]

    /// Accounts that used the network a key of an in-network kind lies in (0: unknown or one).
    @inline(__always) public func accounts(around key: UInt64) -> Int {
        ArtifactKind.of(key: key).isInNetwork ? accounts[ArtifactKind.networkTag(of: key)] ?? 0 : 0
    }
}

/// Builds the account graph from artifacts through an inverted index, never comparing
/// all pairs of accounts.
///
/// First the network keys are counted (how crowded each network is). Then keys are split
/// into shards by hash; per shard, the (key, account) postings are sorted, and each group
/// of accounts holding one value credits every pair of them (or, for a group larger than
/// `pairsPerMember + 1`, `pairsPerMember / 2` pairs drawn by hash per account) with the
/// value's bits, in the lane of its kind when the kind is capped. Direct kinds go first;
/// then supporting kinds credit only pairs that already have `minimumDirectBits` (no other
/// pair can become a link), among the accounts that have such a pair, while every holder
/// still counts for a value's rarity. Shards run on all cores; their pair sums are added in
/// fixed point, so the result does not depend on the order they finish in.
/// - Complexity: O(P log P) for P postings, plus O(Σ min(n², n·pairsPerMember)) over the
///   shared values' group sizes n (a value of more than `hubLimit` accounts costs only
///   its sort). Memory: the postings of one shard per core and one table entry (20 bytes,
///   at most 70% full) per candidate link.
public enum AccountGraphBuilder {
    public static func build(_ table: ArtifactTable, settings: LinkSettings) -> (graph: AccountGraph, statistics: GraphStatistics) {
        let (graph, statistics, _) = buildWithCrowds(table, settings: settings)
        return (graph, statistics)
    }

    /// The graph, its statistics and the network crowds the weights used.
    public static func buildWithCrowds(
        _ table: ArtifactTable, settings: LinkSettings
    ) -> (graph: AccountGraph, statistics: GraphStatistics, crowds: NetworkCrowds) {
        var stats = GraphStatistics()
        stats.accounts = table.accountCount
        stats.artifacts = table.keys.count
        let crowds = networkCrowds(table)
        let lanes = settings.lanes
        // Direct evidence first: only pairs that have some can become links, so supporting
        // evidence (networks, hours, clients, templates: the most shared values) is then
        // credited to those pairs alone, and the table holds no pair that cannot be a link.
        let direct = PairTable.units(settings.minimumDirectBits)
        let (directPairs, directCounts) = credit(
            table, settings: settings, crowds: crowds, lanes: lanes, kinds: { lanes[Int($0.rawValue)] < 0 }, within: nil,
            minimumDirect: direct, accounts: nil)
        // Only accounts with some direct candidate link take part in the second pass: most
        // accounts (people with their own address, sessions and card) have none.
        let candidates = directPairs.accounts(count: table.accountCount, minimumTotal: direct)
        let (supportingPairs, supportingCounts) = credit(
            table, settings: settings, crowds: crowds, lanes: lanes, kinds: { lanes[Int($0.rawValue)] >= 0 }, within: directPairs,
            minimumDirect: direct, accounts: candidates)
        var pairs = directPairs
        pairs.add(supportingPairs)
        stats.crowdedNetworks = crowds.accounts.values.filter { $0 > settings[.network].hubLimit }.count
        stats.sharedValues = directCounts.shared + supportingCounts.shared
        stats.hubValues = directCounts.hubs + supportingCounts.hubs
        stats.candidatePairs = pairs.count
        var caps = [Double](repeating: 0, count: LinkSettings.maximumCappedKinds)
        for (k, lane) in lanes.enumerated() where lane >= 0 { caps[lane] = settings.kinds[k].cap ?? 0 }
        let graph = pairs.graph(
            nodeCount: table.accountCount, minimum: settings.minimumEdgeBits, direct: settings.minimumDirectBits,
            maximum: settings.maximumEdgeBits, caps: caps)
        stats.edges = graph.edgeCount
        return (graph, stats, crowds)
    }

    /// Credits the pairs sharing values of the given kinds, shard by shard on all cores.
    /// With `within`, only pairs it holds with at least `minimumDirect` (its total) are
    /// credited; it is only read.
    private static func credit(
        _ table: ArtifactTable, settings: LinkSettings, crowds: NetworkCrowds, lanes: [Int], kinds: (ArtifactKind) -> Bool,
        within: PairTable?, minimumDirect: UInt32, accounts: [Bool]?
    ) -> (PairTable, (shared: Int, hubs: Int)) {
        let shards = max(1, settings.shards)
        let selected = ArtifactKind.allCases.map(kinds)
        let total = Mutex(PairTable())
        let counts = Mutex((shared: 0, hubs: 0))
        _ = concurrentMap(count: shards) { shard -> Int in
            var postings: [Posting] = []
            for a in 0..<table.accountCount {
                for i in table.offsets[a]..<table.offsets[a + 1] {
                    let key = table.keys[i]
                    if selected[Int(key & 7)] && Self.shard(key, shards) == shard { postings.append(Posting(key: key, account: UInt32(a))) }
                }
            }
            postings.sort { $0.key != $1.key ? $0.key < $1.key : $0.account < $1.account }
            var pairs = PairTable()
            var shared = 0, hubs = 0
            var start = 0
            var group: [UInt32] = []
            while start < postings.count {
                var end = start + 1
                while end < postings.count && postings[end].key == postings[start].key { end += 1 }
                let n = end - start
                if n >= 2 {
                    let key = postings[start].key
                    let kind = ArtifactKind.of(key: key)
                    let bits = settings.bits(kind, sharedBy: n, networkAccounts: crowds.accounts(around: key))
                    if bits > 0 {
                        shared += 1
                        // Every holder counts for the value's rarity; only candidates are credited.
                        group.removeAll(keepingCapacity: true)
                        for p in start..<end where accounts?[Int(postings[p].account)] ?? true { group.append(postings[p].account) }
                        if group.count >= 2 {
                            credit(
                                group, bits: bits, key: key, lane: lanes[Int(kind.rawValue)], settings: settings, into: &pairs,
                                within: within,
                                minimumDirect: minimumDirect)
                        }
                    } else if n > settings[kind].hubLimit {
                        hubs += 1
                    }
                }
                start = end
            }
            postings = []
            counts.withLock {
                $0.shared += shared
                $0.hubs += hubs
            }
            // Each shard's sums join the call's own table (never `within`, which the other
            // shards are reading), so at most one shard table per core is alive at once.
            total.withLock { $0.add(pairs) }
            return 0
        }
        let sum = total.withLock { t in
            var taken = PairTable()
            swap(&taken, &t)
            return taken
        }
        return (sum, counts.withLock { $0 })
    }

    /// The shard of a key: its hashed low bits mapped onto `0..<shards` with one multiply
    /// (Lemire's "fastrange"; every pass over the postings asks this of every key).
    @inline(__always) static func shard(_ key: UInt64, _ shards: Int) -> Int {
        Int((UInt64(UInt32(truncatingIfNeeded: key >> 3)) &* UInt64(shards)) >> 32)
    }

    /// Accounts per network (network keys held by at least two accounts).
    static func networkCrowds(_ table: ArtifactTable) -> NetworkCrowds {
        var keys: [(UInt64, UInt32)] = []
        for a in 0..<table.accountCount {
            for i in table.offsets[a]..<table.offsets[a + 1] where ArtifactKind.of(key: table.keys[i]) == .network {
                keys.append((table.keys[i], UInt32(a)))
            }
        }
        keys.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
        var crowds = NetworkCrowds()
        var start = 0
        while start < keys.count {
            var end = start + 1
            while end < keys.count && keys[end].0 == keys[start].0 { end += 1 }
            if end - start >= 2 {
                let tag = ArtifactKind.networkTag(of: keys[start].0)
                crowds.accounts[tag] = max(crowds.accounts[tag] ?? 0, end - start)
            }
            start = end
        }
        return crowds
    }

    /// Credits the pairs of one group of accounts (ascending) sharing a value.
    private static func credit(
        _ group: [UInt32], bits: Double, key: UInt64, lane: Int, settings: LinkSettings, into pairs: inout PairTable,
        within: PairTable?, minimumDirect: UInt32
    ) {
        let n = group.count
        let limit = settings.pairsPerMember
        @inline(__always) func add(_ a: UInt32, _ b: UInt32, _ w: UInt32) {
            if let within, within.total(a, b).map({ $0 < minimumDirect }) ?? true { return }
            pairs.add(a, b, w, lane: lane)
        }
        if n - 1 <= limit {
            let w = PairTable.units(bits)
            for i in 0..<n { for j in (i + 1)..<n { add(group[i], group[j], w) } }
            return
        }
        // A large group: each account links to `limit / 2` others drawn by hash (seeded by
        // the value, so different values pick different neighbours; a random regular graph
        // holds together where a ring would be cut), with the weight scaled so that the
        // group's total stays n (n - 1) / 2 × bits.
        let half = limit / 2
        let w = PairTable.units(bits * Double(n - 1) / Double(2 * half))
        for i in 0..<n {
            for step in 1...half {
                var j = Int(mix64(key ^ UInt64(i) << 32 ^ UInt64(step)) % UInt64(n - 1))
                if j >= i { j += 1 }
                add(group[i], group[j], w)
            }
        }
    }
}

/// One account holding one artifact value.
struct Posting {
    var key: UInt64
    var account: UInt32
}

/// Bits of evidence per account pair: open addressing with linear probing over
/// `(smaller << 32 | larger)` keys, in fixed point (1/256 bit) so that sums are the same
/// whatever order the shards add them in. Uncapped kinds add into one total, each capped
/// kind into a lane of its own (four 16-bit lanes, saturating at 256 bits) so that its cap
/// applies to its sum.
///
/// Hand-written because it is updated for every pair of every shared value (tens of
/// millions of times for a million accounts): `Dictionary` would hash each key with
/// SipHash and keep more than twice the memory per entry; this is one multiply-shift and
/// 20 bytes per slot.
struct PairTable: Sendable {
    private static let empty = UInt64.max
    static let unitsPerBit = 256.0
    private var keys = [UInt64](repeating: PairTable.empty, count: 1024)
    private var totals = [UInt32](repeating: 0, count: 1024)
    private var lanes = [UInt64](repeating: 0, count: 1024)
    private(set) var count = 0

    /// Bits in the table's fixed point.
    @inline(__always) static func units(_ bits: Double) -> UInt32 { UInt32(min(Double(UInt32.max), (bits * unitsPerBit).rounded())) }

    @inline(__always) mutating func add(_ a: UInt32, _ b: UInt32, _ w: UInt32, lane: Int) {
        let key = a < b ? UInt64(a) << 32 | UInt64(b) : UInt64(b) << 32 | UInt64(a)
        let i = slot(key)
        if lane < 0 {
            let (sum, over) = totals[i].addingReportingOverflow(w)
            totals[i] = over ? .max : sum
        } else {
            lanes[i] = Self.adding(lanes[i], UInt64(min(w, 0xFFFF)) << UInt64(16 * lane), lane: lane)
        }
    }

    /// `packed` plus `addend` (already shifted into `lane`), saturating that lane.
    @inline(__always) private static func adding(_ packed: UInt64, _ addend: UInt64, lane: Int) -> UInt64 {
        let shift = UInt64(16 * lane)
        let sum = (packed >> shift & 0xFFFF) + (addend >> shift & 0xFFFF)
        return packed & ~(0xFFFF << shift) | min(sum, 0xFFFF) << shift
    }

    /// Which of `count` accounts are in a pair whose total is at least `minimumTotal`.
    func accounts(count: Int, minimumTotal: UInt32) -> [Bool] {
        var out = [Bool](repeating: false, count: count)
        for i in keys.indices where keys[i] != Self.empty && totals[i] >= minimumTotal {
            out[Int(keys[i] >> 32)] = true
            out[Int(keys[i] & 0xFFFF_FFFF)] = true
        }
        return out
    }

    /// The total (uncapped kinds' sum) of a pair, or `nil` when the table does not hold it.
    @inline(__always) func total(_ a: UInt32, _ b: UInt32) -> UInt32? {
        let key = a < b ? UInt64(a) << 32 | UInt64(b) : UInt64(b) << 32 | UInt64(a)
        let mask = keys.count - 1
        var i = Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 20) & mask
        while true {
            let k = keys[i]
            if k == key { return totals[i] }
            if k == Self.empty { return nil }
            i = (i + 1) & mask
        }
    }

    /// The slot of `key`, inserted when new.
    @inline(__always) private mutating func slot(_ key: UInt64) -> Int {
        var mask = keys.count - 1
        var i = Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 20) & mask
        while true {
            let k = keys[i]
            if k == key { return i }
            if k == Self.empty {
                if (count + 1) * 10 > keys.count * 7 {
                    grow()
                    mask = keys.count - 1
                    i = Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 20) & mask
                    continue
                }
                keys[i] = key
                count += 1
                return i
            }
            i = (i + 1) & mask
        }
    }

    private mutating func grow() {
        let oldKeys = keys, oldTotals = totals, oldLanes = lanes
        keys = [UInt64](repeating: Self.empty, count: oldKeys.count * 2)
        totals = [UInt32](repeating: 0, count: oldKeys.count * 2)
        lanes = [UInt64](repeating: 0, count: oldKeys.count * 2)
        count = 0
        for i in oldKeys.indices where oldKeys[i] != Self.empty { addRow(oldKeys[i], oldTotals[i], oldLanes[i]) }
    }

    private mutating func addRow(_ key: UInt64, _ total: UInt32, _ packed: UInt64) {
        let i = slot(key)
        let (sum, over) = totals[i].addingReportingOverflow(total)
        totals[i] = over ? .max : sum
        var merged = lanes[i]
        for lane in 0..<4 { merged = Self.adding(merged, packed & (0xFFFF << UInt64(16 * lane)), lane: lane) }
        lanes[i] = merged
    }

    /// Adds every pair of another table.
    mutating func add(_ other: PairTable) {
        for i in other.keys.indices where other.keys[i] != Self.empty { addRow(other.keys[i], other.totals[i], other.lanes[i]) }
    }

    /// The weight of a row: its total plus each lane up to its cap, up to `maximum` (units).
    @inline(__always) private func weight(_ i: Int, caps: [UInt32], maximum: UInt32) -> UInt32 {
        var w = UInt64(totals[i])
        for lane in 0..<4 { w += UInt64(min(UInt32(lanes[i] >> UInt64(16 * lane) & 0xFFFF), caps[lane])) }
        return UInt32(min(w, UInt64(maximum)))
    }

    /// The graph of the pairs with at least `minimum` bits, `direct` of them from the
    /// total (uncapped kinds), each capped at `maximum`, each lane at its cap (bits).
    func graph(
        nodeCount: Int, minimum minimumBits: Double, direct directBits: Double, maximum maximumBits: Double, caps capBits: [Double]
    ) -> AccountGraph {
        let minimum = Self.units(minimumBits), maximum = Self.units(maximumBits), direct = Self.units(directBits)
        let caps = capBits.map(Self.units)
        var degree = [Int](repeating: 0, count: nodeCount + 1)
        for i in keys.indices where keys[i] != Self.empty && totals[i] >= direct && weight(i, caps: caps, maximum: maximum) >= minimum {
            degree[Int(keys[i] >> 32) + 1] += 1
            degree[Int(keys[i] & 0xFFFF_FFFF) + 1] += 1
        }
        for v in 0..<nodeCount { degree[v + 1] += degree[v] }
        let offsets = degree
        var fill = offsets
        var neighbors = [UInt32](repeating: 0, count: offsets[nodeCount])
        var weights = [Float](repeating: 0, count: offsets[nodeCount])
        for i in keys.indices where keys[i] != Self.empty && totals[i] >= direct {
            let units = weight(i, caps: caps, maximum: maximum)
            guard units >= minimum else { continue }
            let u = Int(keys[i] >> 32), v = Int(keys[i] & 0xFFFF_FFFF)
            let w = Float(Double(units) / Self.unitsPerBit)
            neighbors[fill[u]] = UInt32(v)
            weights[fill[u]] = w
            fill[u] += 1
            neighbors[fill[v]] = UInt32(u)
            weights[fill[v]] = w
            fill[v] += 1
        }
        // Each row ascending by neighbour.
        for v in 0..<nodeCount where offsets[v + 1] - offsets[v] > 1 {
            let r = offsets[v]..<offsets[v + 1]
            let sorted = zip(neighbors[r], weights[r]).sorted { $0.0 < $1.0 }
            for (k, (n, w)) in sorted.enumerated() {
                neighbors[r.lowerBound + k] = n
                weights[r.lowerBound + k] = w
            }
        }
        return AccountGraph(offsets: offsets, neighbors: neighbors, weights: weights)
    }
}
