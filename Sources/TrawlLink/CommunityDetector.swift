/// Finds communities in the account graph: the Leiden algorithm (Traag, Waltman and van
/// Eck, "From Louvain to Leiden: guaranteeing well-connected communities", Scientific
/// Reports 9, 2019) maximising the Constant Potts Model
///
///     H = Σ_c [ w_c − γ · n_c (n_c − 1) / 2 ]
///
/// where `w_c` is the bits of evidence inside community `c`, `n_c` its number of accounts
/// and `γ` the resolution.
///
/// Why Leiden with CPM, not Louvain or label propagation, and not modularity:
/// - **CPM, not modularity.** Modularity compares a community's links with what its
///   members' degrees would give at random, so an account tied to a cluster by a single
///   link always gains by joining it, and in a large graph two small clusters joined by
///   one link merge (the resolution limit). Under CPM an account joins a community only
///   when its links into it beat `γ` bits per member, and two communities merge only
///   when the links between them beat `γ` per pair: a stray account that shares one
///   address with a reseller stays out, however large the rest of the graph is.
/// - **Leiden, not Louvain.** Louvain can leave a community internally disconnected (a
///   bridge account moves away and its two sides stay one community); Leiden's refinement
///   phase guarantees that every community is connected, indeed γ-connected, which a case
///   that names linked accounts needs.
/// - **Not label propagation.** It is faster, but its result depends on the update order
///   and it floods across hubs; with no objective it has no resolution to tune.
///
/// Deterministic: node orders come from a seeded shuffle and refinement merges greedily
/// (the paper's randomness parameter θ → 0), so the same graph gives the same communities.
/// - Complexity: O(E) per pass; a few passes per level and a few levels in practice.
///   Memory O(V + E) per level.
public struct CommunityDetector: Sendable {
    /// γ: bits of evidence per pair of members a community must beat.
    public var resolution: Double
    public var seed: UInt64
    /// Aggregation levels at most.
    public var maximumLevels = 32

    public init(resolution: Double, seed: UInt64 = 0x6C69_6E6B) {
        self.resolution = resolution
        self.seed = seed
    }

    /// The community of every node, numbered densely from 0 in order of each community's
    /// smallest node.
    public func communities(_ graph: AccountGraph) -> [Int] {
        let n = graph.nodeCount
        guard n > 0 else { return [] }
        var level = LevelGraph(graph)
        // The level node of every original node.
        var nodeOf = Array(0..<n)
        var partition = Array(0..<n)
        var rng = SplitMix(seed: seed)
        for _ in 0..<maximumLevels {
            moveNodes(level, &partition, &rng)
            let communityCount = Self.renumber(&partition)
            if communityCount == level.nodeCount { break }
            var refined = refine(level, partition, &rng)
            var refinedCount = Self.renumber(&refined)
            if refinedCount == level.nodeCount {
                // Refinement merged nothing: aggregate the communities themselves, as
                // Louvain would, so that the next level makes progress.
                refined = partition
                refinedCount = communityCount
            }
            // Each refined community lies inside one community of `partition`.
            var communityOfAggregate = [Int](repeating: 0, count: refinedCount)
            for v in 0..<level.nodeCount { communityOfAggregate[refined[v]] = partition[v] }
            level = level.aggregated(by: refined, count: refinedCount)
            for v in 0..<n { nodeOf[v] = refined[nodeOf[v]] }
            partition = communityOfAggregate
        }
        var result = (0..<n).map { partition[nodeOf[$0]] }
        // Dense ids in order of each community's smallest node.
        var id = [Int](repeating: -1, count: n)
        var next = 0
        for v in 0..<n {
            if id[result[v]] < 0 {
                id[result[v]] = next
                next += 1
            }
            result[v] = id[result[v]]
        }
        return result
    }

    /// Renumbers community ids densely (in order of first appearance); returns the count.
    static func renumber(_ p: inout [Int]) -> Int {
        var id = [Int](repeating: -1, count: p.count)
        var next = 0
        for v in p.indices {
            if id[p[v]] < 0 {
                id[p[v]] = next
                next += 1
            }
            p[v] = id[p[v]]
        }
        return next
    }

    /// Leiden's fast local moving: nodes in a queue, each moved to the neighbouring (or an
    /// empty) community with the largest gain; the neighbours of a node that moved, and
    /// are outside its new community, are queued again.
    func moveNodes(_ g: LevelGraph, _ community: inout [Int], _ rng: inout SplitMix) {
        let n = g.nodeCount
        var size = [Double](repeating: 0, count: n)
        for v in 0..<n { size[community[v]] += g.sizes[v] }
        var empty: [Int] = []
        for c in (0..<n).reversed() where size[c] == 0 { empty.append(c) }
        var queue = Array(0..<n)
        rng.shuffle(&queue)
        var queued = [Bool](repeating: true, count: n)
        var head = 0
        var toward = [Double](repeating: 0, count: n)
        var touched: [Int] = []
        let gamma = resolution
        while head < queue.count {
            let v = queue[head]
            head += 1
            queued[v] = false
            if head > 4096 && head * 2 > queue.count {
                queue.removeFirst(head)
                head = 0
            }
            let current = community[v]
            for i in g.range(of: v) {
                let c = community[g.neighbors[i]]
                if toward[c] == 0 { touched.append(c) }
                toward[c] += g.weights[i]
            }
            let sv = g.sizes[v]
            size[current] -= sv
            // Staying (or being alone, when v was its community's only node) is the baseline.
            var best = current
            var bestGain = toward[current] - gamma * sv * size[current]
            for c in touched where c != current {
                let gain = toward[c] - gamma * sv * size[c]
                if gain > bestGain + 1e-9 || (abs(gain - bestGain) <= 1e-9 && c < best && best != current) {
                    best = c
                    bestGain = gain
                }
            }
            if bestGain < -1e-9 && size[current] > 0 {
                // Alone beats every community on offer.
                best = empty.popLast() ?? current
                bestGain = 0
            }
            for c in touched { toward[c] = 0 }
            touched.removeAll(keepingCapacity: true)
            size[best] += sv
            if best != current {
                community[v] = best
                if size[current] == 0 { empty.append(current) }
                for i in g.range(of: v) {
                    let u = g.neighbors[i]
                    if !queued[u] && community[u] != best {
                        queued[u] = true
                        queue.append(u)
                    }
                }
            }
        }
    }

    /// Leiden's refinement: within each community, start from single nodes and merge each
    /// well-connected node that is still alone into the well-connected sub-community that
    /// gains most (greedily), so that every sub-community is connected.
    func refine(_ g: LevelGraph, _ community: [Int], _ rng: inout SplitMix) -> [Int] {
        let n = g.nodeCount
        let gamma = resolution
        var refined = Array(0..<n)
        var refinedSize = g.sizes
        // Members of each community.
        var members = [[Int]](repeating: [], count: n)
        for v in 0..<n { members[community[v]].append(v) }
        var communitySize = [Double](repeating: 0, count: n)
        for v in 0..<n { communitySize[community[v]] += g.sizes[v] }
        // Each node's (and later each sub-community's) links to the rest of its community.
        var external = [Double](repeating: 0, count: n)
        for v in 0..<n {
            for i in g.range(of: v) where community[g.neighbors[i]] == community[v] { external[v] += g.weights[i] }
        }
        var alone = [Bool](repeating: true, count: n)
        var toward = [Double](repeating: 0, count: n)
        var touched: [Int] = []
        for c in 0..<n where members[c].count > 1 {
            let total = communitySize[c]
            var order = members[c]
            rng.shuffle(&order)
            for v in order {
                let sv = g.sizes[v]
                guard alone[v], external[v] >= gamma * sv * (total - sv) - 1e-9 else { continue }
                for i in g.range(of: v) {
                    let u = g.neighbors[i]
                    guard community[u] == c else { continue }
                    let r = refined[u]
                    if r == refined[v] { continue }
                    if toward[r] == 0 { touched.append(r) }
                    toward[r] += g.weights[i]
                }
                var best = -1
                var bestGain = 0.0
                for r in touched {
                    // Only sub-communities well connected to the rest of the community.
                    guard external[r] >= gamma * refinedSize[r] * (total - refinedSize[r]) - 1e-9 else { continue }
                    let gain = toward[r] - gamma * sv * refinedSize[r]
                    if gain > bestGain + 1e-9 || (best >= 0 && abs(gain - bestGain) <= 1e-9 && r < best) {
                        best = r
                        bestGain = gain
                    }
                }
                if best >= 0 {
                    // v's own sub-community (itself) empties into `best`.
                    let own = refined[v]
                    external[best] = external[best] + external[own] - 2 * toward[best]
                    refinedSize[best] += sv
                    refinedSize[own] = 0
                    external[own] = 0
                    refined[v] = best
                    alone[v] = false
                    alone[best] = false
                }
                for r in touched { toward[r] = 0 }
                touched.removeAll(keepingCapacity: true)
            }
        }
        return refined
    }
}

/// One level's graph: nodes are accounts at the first level and sub-communities after
/// aggregation, with their sizes (accounts) and the weights between them (no self-loops:
/// a node's inside does not change any move).
struct LevelGraph: Sendable {
    var offsets: [Int]
    var neighbors: [Int]
    var weights: [Double]
    var sizes: [Double]

    var nodeCount: Int { sizes.count }

    @inline(__always) func range(of v: Int) -> Range<Int> { offsets[v]..<offsets[v + 1] }

    init(_ g: AccountGraph) {
        offsets = g.offsets
        neighbors = g.neighbors.map { Int($0) }
        weights = g.weights.map { Double($0) }
        sizes = [Double](repeating: 1, count: g.nodeCount)
    }

    init(offsets: [Int], neighbors: [Int], weights: [Double], sizes: [Double]) {
        self.offsets = offsets
        self.neighbors = neighbors
        self.weights = weights
        self.sizes = sizes
    }

    /// The graph of the groups `group[v]` (0..<count): sizes add up, weights between
    /// groups add up, weights inside a group are dropped.
    func aggregated(by group: [Int], count: Int) -> LevelGraph {
        var members = [[Int]](repeating: [], count: count)
        for v in 0..<nodeCount { members[group[v]].append(v) }
        var sizes = [Double](repeating: 0, count: count)
        var offsets = [Int](repeating: 0, count: count + 1)
        var neighbors: [Int] = []
        var weights: [Double] = []
        var toward = [Double](repeating: 0, count: count)
        var touched: [Int] = []
        for a in 0..<count {
            for v in members[a] {
                sizes[a] += self.sizes[v]
                for i in range(of: v) {
                    let b = group[self.neighbors[i]]
                    if b == a { continue }
                    if toward[b] == 0 { touched.append(b) }
                    toward[b] += self.weights[i]
                }
            }
            touched.sort()
            for b in touched {
                neighbors.append(b)
                weights.append(toward[b])
                toward[b] = 0
            }
            touched.removeAll(keepingCapacity: true)
            offsets[a + 1] = neighbors.count
        }
        return LevelGraph(offsets: offsets, neighbors: neighbors, weights: weights, sizes: sizes)
    }
}

/// A small seeded generator (SplitMix64) for node orders: the same seed, the same order.
struct SplitMix: Sendable {
    private var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Fisher–Yates with this generator.
    mutating func shuffle<T>(_ a: inout [T]) {
        guard a.count > 1 else { return }
        for i in stride(from: a.count - 1, to: 0, by: -1) {
            let j = Int(next() % UInt64(i + 1))
            a.swapAt(i, j)
        }
    }
}
