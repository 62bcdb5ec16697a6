/// The weighted account graph: one node per account, one undirected edge per pair of
/// accounts whose shared artifacts carry enough evidence, weighted in bits.
///
/// Compressed sparse rows: the neighbours of node `v` are
/// `neighbors[offsets[v]..<offsets[v + 1]]`, ascending, with their weights beside them;
/// each edge is stored in both directions.
/// - Complexity: memory 8 bytes per node and 16 per edge.
public struct AccountGraph: Sendable, Equatable {
    public let offsets: [Int]
    public let neighbors: [UInt32]
    public let weights: [Float]

    public var nodeCount: Int { offsets.count - 1 }
    public var edgeCount: Int { neighbors.count / 2 }

    /// A graph from explicit edges (`u != v`; a pair given twice adds up).
    public init(nodeCount: Int, edges: [(UInt32, UInt32, Float)]) {
        var list: [(UInt32, UInt32, Float)] = []
        list.reserveCapacity(edges.count * 2)
        for (u, v, w) in edges where u != v {
            list.append((u, v, w))
            list.append((v, u, w))
        }
        list.sort { ($0.0, $0.1) < ($1.0, $1.1) }
        var merged: [(UInt32, UInt32, Float)] = []
        merged.reserveCapacity(list.count)
        for e in list {
            if let last = merged.last, last.0 == e.0, last.1 == e.1 {
                merged[merged.count - 1].2 += e.2
            } else {
                merged.append(e)
            }
        }
        var offsets = [Int](repeating: 0, count: nodeCount + 1)
        for e in merged { offsets[Int(e.0) + 1] += 1 }
        for i in 0..<nodeCount { offsets[i + 1] += offsets[i] }
        self.offsets = offsets
        neighbors = merged.map(\.1)
        weights = merged.map(\.2)
    }

    /// A graph from CSR arrays already in the layout above.
    init(offsets: [Int], neighbors: [UInt32], weights: [Float]) {
        self.offsets = offsets
        self.neighbors = neighbors
        self.weights = weights
    }

    /// Positions of `v`'s neighbours in `neighbors` and `weights`.
    @inline(__always) public func neighborRange(of v: Int) -> Range<Int> { offsets[v]..<offsets[v + 1] }

    /// The weight of the edge between `u` and `v`, or `nil` when they are not linked.
    /// - Complexity: O(log degree).
    public func weight(_ u: Int, _ v: Int) -> Float? {
        let r = neighborRange(of: u)
        let target = UInt32(v)
        var lo = r.lowerBound, hi = r.upperBound
        while lo < hi {
            let mid = (lo + hi) / 2
            if neighbors[mid] < target { lo = mid + 1 } else { hi = mid }
        }
        return lo < r.upperBound && neighbors[lo] == target ? weights[lo] : nil
    }

    /// The total weight of `v`'s edges.
    public func strength(of v: Int) -> Double {
        var s = 0.0
        for i in neighborRange(of: v) { s += Double(weights[i]) }
        return s
    }
}
