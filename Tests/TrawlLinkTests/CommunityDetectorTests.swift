import Testing
import TrawlLink

/// Community detection on hand-built graphs whose communities are known.
@Suite struct CommunityDetectorTests {
    /// The groups of a partition, as sets of nodes, for comparison regardless of numbering.
    static func groups(_ community: [Int]) -> Set<Set<Int>> {
        var byID: [Int: Set<Int>] = [:]
        for (v, c) in community.enumerated() { byID[c, default: []].insert(v) }
        return Set(byID.values)
    }

    /// Cliques of the given sizes, numbered consecutively, with weight `inside` on every pair.
    static func cliques(_ sizes: [Int], inside: Float) -> (edges: [(UInt32, UInt32, Float)], members: [Set<Int>]) {
        var edges: [(UInt32, UInt32, Float)] = []
        var members: [Set<Int>] = []
        var next = 0
        for size in sizes {
            let nodes = Array(next..<(next + size))
            members.append(Set(nodes))
            for i in nodes { for j in nodes where j > i { edges.append((UInt32(i), UInt32(j), inside)) } }
            next += size
        }
        return (edges, members)
    }

    @Test func plantedCliquesWithNoiseAreFoundExactly() {
        var (edges, members) = Self.cliques([5, 8, 12, 20, 3], inside: 10)
        // A few strong links between communities (each one pair): not enough to merge them.
        edges += [(0, 5, 12), (6, 14, 9), (20, 40, 15), (13, 46, 8), (1, 25, 7)]
        let graph = AccountGraph(nodeCount: 48, edges: edges)
        let found = CommunityDetector(resolution: 2).communities(graph)
        #expect(Self.groups(found) == Set(members))
    }

    /// The ring of cliques that modularity cannot resolve (Fortunato and Barthélemy 2007):
    /// 30 cliques of 5 joined in a ring by single links. Modularity merges neighbouring
    /// cliques; CPM keeps every clique on its own.
    @Test func ringOfCliquesIsResolved() {
        var (edges, members) = Self.cliques(Array(repeating: 5, count: 30), inside: 8)
        for k in 0..<30 { edges.append((UInt32(5 * k + 4), UInt32((5 * (k + 1)) % 150), 8)) }
        let found = CommunityDetector(resolution: 2).communities(AccountGraph(nodeCount: 150, edges: edges))
        #expect(Self.groups(found) == Set(members))
    }

    /// An account tied to a large cluster by one link stays out: under modularity it
    /// would always join.
    @Test func aStrayLinkDoesNotJoinACluster() {
        var (edges, members) = Self.cliques([10], inside: 12)
        edges.append((3, 10, 9))
        let found = CommunityDetector(resolution: 2).communities(AccountGraph(nodeCount: 11, edges: edges))
        #expect(Self.groups(found) == [members[0], [10]])
    }

    /// Two halves joined through one bridge account: each community is connected.
    @Test func communitiesAreConnected() {
        // Random-ish graph: a deterministic generator, several dense groups and sparse noise.
        var edges: [(UInt32, UInt32, Float)] = []
        var state: UInt64 = 42
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 33
        }
        let n = 400
        for _ in 0..<1600 {
            let u = Int(next() % UInt64(n))
            let group = u / 20
            let v = next() % 4 == 0 ? Int(next() % UInt64(n)) : group * 20 + Int(next() % 20)
            if u != v { edges.append((UInt32(u), UInt32(v), Float(6 + next() % 20))) }
        }
        let graph = AccountGraph(nodeCount: n, edges: edges)
        let found = CommunityDetector(resolution: 2).communities(graph)
        for group in Self.groups(found) where group.count > 1 {
            // Breadth-first search inside the group reaches all of it.
            var seen: Set<Int> = [group.first!]
            var frontier = [group.first!]
            while let v = frontier.popLast() {
                for i in graph.neighborRange(of: v) where group.contains(Int(graph.neighbors[i])) {
                    if seen.insert(Int(graph.neighbors[i])).inserted { frontier.append(Int(graph.neighbors[i])) }
                }
            }
            #expect(seen == group)
        }
        // The same graph gives the same communities, numbered the same way.
        #expect(CommunityDetector(resolution: 2).communities(graph) == found)
    }

    @Test func resolutionDecidesWhetherLooselyLinkedGroupsMerge() {
        // Two cliques of 6 (weight 10) with every cross pair linked at weight 3.
        var (edges, members) = Self.cliques([6, 6], inside: 10)
        for i in 0..<6 { for j in 6..<12 { edges.append((UInt32(i), UInt32(j), 3)) } }
        let graph = AccountGraph(nodeCount: 12, edges: edges)
        #expect(Self.groups(CommunityDetector(resolution: 4).communities(graph)) == Set(members))
        #expect(Self.groups(CommunityDetector(resolution: 2).communities(graph)) == [Set(0..<12)])
    }

    @Test func isolatedNodesAndEmptyGraphs() {
        #expect(CommunityDetector(resolution: 2).communities(AccountGraph(nodeCount: 0, edges: [])) == [])
        #expect(CommunityDetector(resolution: 2).communities(AccountGraph(nodeCount: 3, edges: [])) == [0, 1, 2])
    }
}
