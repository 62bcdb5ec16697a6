// The link stage of the bench: synthetic linking artifacts for a million accounts, linked
// by TrawlLink's graph builder and community detection, timed, with peak memory and how
// well the planted operators come out.
//
// The accounts mimic the simulator's populations at scale: people with their own home
// addresses (neighbours share /24s), carrier CGNAT users in crowded /24s where strangers
// share addresses, offices and universities behind shared egress addresses with a
// company card, households of two, and operators (5 to 150 accounts, and a few "hydras"
// of thousands) that rotate through their own proxy pool, move customers' sessions
// between accounts, fill their own prompt templates and open accounts in bursts from one
// address. Everyone draws prompt templates from a common bank and client fingerprints
// from 40 common ones (hubs the builder prunes).

import Foundation
import TrawlFeatures
import TrawlLink
import TrawlModel
import TrawlPipeline

struct LinkBench {
    let accounts: Int

    /// A small seeded generator (SplitMix64): the same accounts every run.
    struct Dice {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func int(_ n: Int) -> Int { Int(next() % UInt64(max(1, n))) }
        mutating func int(_ lo: Int, _ hi: Int) -> Int { lo + int(hi - lo + 1) }
        mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
        mutating func chance(_ p: Double) -> Bool { unit() < p }
    }

    /// The keys of every account, and the operator of each (-1: none).
    func generate() -> (table: ArtifactTable, operatorOf: [Int32], operators: Int) {
        var dice = Dice(state: 0x1A2B_3C4D)
        var table = ArtifactTable()
        table.reserveCapacity(accounts: accounts, keys: accounts * 36)
        var operatorOf = [Int32](repeating: -1, count: accounts)
        var keys: [UInt64] = []
        var operators = 0
        let hour0: Int32 = 20_413 * 24
        func v4(_ network24: UInt32, _ host: Int) -> IPAddress { IPAddress(v4: network24 << 8 | UInt32(host & 0xFF)) }
        func commonClient(_ d: inout Dice) -> UInt64 { LinkArtifact.client("common-client-\(d.int(40))").key }
        func commonTemplate(_ d: inout Dice) -> UInt64 {
            // Popular openings are shared by many (a cube-root law over a bank of 20,000).
            let u = d.unit()
            return LinkArtifact.template(UInt64(20_000 * u * u * u) | 1 << 63).key
        }
        func add(_ artifacts: [UInt64], operatorIndex: Int32 = -1) {
            guard table.accountCount < accounts else { return }
            keys = artifacts
            keys.sort()
            var k = 0
            for i in keys.indices where k == 0 || keys[i] != keys[k - 1] {
                keys[k] = keys[i]
                k += 1
            }
            operatorOf[table.accountCount] = operatorIndex
            table.append(keys: keys.prefix(k))
        }
        func addressArtifacts(_ address: IPAddress, hours: [Int32], into out: inout [UInt64]) {
            out.append(LinkArtifact.address(address).key)
            out.append(LinkArtifact.network(address.networkKey).key)
            for h in hours { out.append(LinkArtifact.coactivity(NetworkHour(network: address.networkKey, hour: h)).key) }
        }
        // Draws by population, so that accounts come out about 58% people, 12% CGNAT users,
        // 10% office and university members, 10% in households and 10% operators' (an office
        // draw makes 36 accounts on average, an operator draw 60, a household 2).
        while table.accountCount < accounts {
            let roll = dice.unit()
            if roll < 0.7688 {
                // A person: 1-3 home addresses, each in a /24 that a few neighbours may share.
                var a: [UInt64] = []
                for _ in 0..<dice.int(1, 3) {
                    let home = v4(UInt32(0x40_0000 + dice.int(1 << 21)), dice.int(256))
                    addressArtifacts(home, hours: (0..<dice.int(2, 6)).map { _ in hour0 + Int32(dice.int(24)) }, into: &a)
                }
                for _ in 0..<dice.int(2, 12) { a.append(LinkArtifact.session(dice.next()).key) }
                a.append(commonClient(&dice))
                for _ in 0..<dice.int(0, 3) { a.append(commonTemplate(&dice)) }
                a.append(LinkArtifact.payment("card-\(dice.next())").key)
                add(a)
            } else if roll < 0.9279 {
                // A carrier CGNAT user: addresses of 2 crowded /24s of one of 200 carriers.
                var a: [UInt64] = []
                let carrier = dice.int(200)
                for _ in 0..<2 {
                    let net = UInt32(0xA0_0000 + carrier * 20 + dice.int(20))
                    for _ in 0..<dice.int(2, 5) {
                        addressArtifacts(v4(net, dice.int(256)), hours: [hour0 + Int32(dice.int(24))], into: &a)
                    }
                }
                for _ in 0..<dice.int(2, 8) { a.append(LinkArtifact.session(dice.next()).key) }
                a.append(commonClient(&dice))
                a.append(LinkArtifact.payment("card-\(dice.next())").key)
                add(a)
            } else if roll < 0.9315 {
                // An office or university: 3-70 accounts behind 1-8 egress addresses of one /24,
                // signed up from the egress, a company card for a third of them.
                let size = dice.int(3, 70)
                let net = UInt32(0xC0_0000 + dice.int(1 << 20))
                let egress = (0..<dice.int(1, 8)).map { _ in v4(net, dice.int(256)) }
                let card = dice.chance(0.3) ? "org-card-\(dice.next())" : nil
                let library = (0..<dice.int(0, 6)).map { _ in LinkArtifact.template(dice.next() | 1 << 62).key }
                for _ in 0..<size {
                    var a: [UInt64] = []
                    for e in egress where dice.chance(0.7) {
                        addressArtifacts(e, hours: (0..<dice.int(3, 9)).map { _ in hour0 + Int32(8 + dice.int(10)) }, into: &a)
                    }
                    for _ in 0..<dice.int(2, 10) { a.append(LinkArtifact.session(dice.next()).key) }
                    a.append(commonClient(&dice))
                    a += library
                    a.append(LinkArtifact.payment(card ?? "card-\(dice.next())").key)
                    a.append(LinkArtifact.signup(egress[0]).key)
                    add(a)
                }
            } else if roll < 0.9978 {
                // A household: two accounts on one home address.
                let home = v4(UInt32(0x40_0000 + dice.int(1 << 21)), dice.int(256))
                for _ in 0..<2 {
                    var a: [UInt64] = []
                    addressArtifacts(home, hours: (0..<dice.int(2, 6)).map { _ in hour0 + Int32(dice.int(24)) }, into: &a)
                    for _ in 0..<dice.int(2, 10) { a.append(LinkArtifact.session(dice.next()).key) }
                    a.append(commonClient(&dice))
                    a.append(LinkArtifact.payment("card-\(dice.next())").key)
                    add(a)
                }
            } else {
                // An operator: 5-150 accounts (one in 200 a hydra of 2,000-5,000) sharing a
                // proxy pool, customers' sessions, its own templates, cards and signup hosts.
                let size = dice.chance(0.005) ? dice.int(2000, 5000) : Int(5 * pow(30, dice.unit()))
                let index = Int32(operators)
                operators += 1
                let pool = (0..<min(20_000, max(60, size * 20))).map { _ in v4(UInt32(0x20_0000 + dice.int(1 << 21)), dice.int(256)) }
                let customers = max(30, size * 12)
                let sessionBase = dice.next()
                let templates = (0..<dice.int(2, 4)).map { _ in LinkArtifact.template(dice.next() | 1 << 63).key }
                let cards = (0..<dice.int(1, 4)).map { _ in LinkArtifact.payment("op-card-\(dice.next())").key }
                let hosts = (0..<dice.int(1, 3)).map { _ in LinkArtifact.signup(pool[dice.int(pool.count)]).key }
                for _ in 0..<size {
                    var a: [UInt64] = []
                    // The 32 addresses, networks and buckets a day's sample keeps.
                    for _ in 0..<32 {
                        addressArtifacts(pool[dice.int(pool.count)], hours: [hour0 + Int32(dice.int(24))], into: &a)
                    }
                    for _ in 0..<32 { a.append(LinkArtifact.session(sessionBase &+ UInt64(dice.int(customers * 3))).key) }
                    a.append(commonClient(&dice))
                    a += templates
                    a.append(dice.chance(0.3) ? cards[dice.int(cards.count)] : LinkArtifact.payment("card-\(dice.next())").key)
                    a.append(hosts[dice.int(hosts.count)])
                    add(a, operatorIndex: index)
                }
            }
        }
        return (table, operatorOf, operators)
    }

    func run() throws {
        say("link: generating artifacts for \(accounts) accounts …")
        let t0 = Date()
        let (table, operatorOf, operators) = generate()
        let generated = Date()
        say(
            String(
                format: "  %d artifact keys (%.1f per account) in %.1f s", table.keys.count, Double(table.keys.count) / Double(accounts),
                generated.timeIntervalSince(t0)))
        let linker = try AccountLinker()
        let (graph, stats) = AccountGraphBuilder.build(table, settings: linker.settings)
        let built = Date()
        let (clusters, clusterOf) = linker.clusters(graph)
        let detected = Date()
        let rss = peakResidentBytes()

        // Operators (with at least 2 accounts) found: at least half their accounts in one
        // cluster; purity of the clusters holding operator accounts.
        var sizes = [Int](repeating: 0, count: operators)
        var best = [Int: [Int: Int]]()
        for (v, o) in operatorOf.enumerated() where o >= 0 {
            sizes[Int(o)] += 1
            if let c = clusterOf[v] { best[Int(o), default: [:]][c, default: 0] += 1 }
        }
        let judged = sizes.indices.filter { sizes[$0] >= 2 }
        let found = judged.filter { 2 * (best[$0]?.values.max() ?? 0) >= sizes[$0] }.count
        // A benign account counts as a group of its own: it lowers its cluster's purity.
        var majority = 0, total = 0, benignWithOperators = 0
        for c in clusters where c.contains(where: { operatorOf[$0] >= 0 }) {
            var counts: [Int: Int] = [:]
            for v in c { counts[operatorOf[v] >= 0 ? Int(operatorOf[v]) : -1 - v, default: 0] += 1 }
            majority += counts.values.max() ?? 0
            total += c.count
            benignWithOperators += c.filter { operatorOf[$0] < 0 }.count
        }
        let benignClustered = clusters.reduce(0) { $0 + $1.filter { operatorOf[$0] < 0 }.count }
        say("")
        say("link: \(accounts) accounts, \(table.keys.count) artifact keys, \(operators) operators")
        say(
            String(
                format: "  graph  %6.1f s  %d shared values, %d hubs pruned, %d crowded networks, %d candidate pairs, %d edges",
                built.timeIntervalSince(generated), stats.sharedValues, stats.hubValues, stats.crowdedNetworks, stats.candidatePairs,
                stats.edges))
        say(String(format: "  leiden %6.1f s  %d clusters", detected.timeIntervalSince(built), clusters.count))
        say(
            String(
                format: "  link total %.1f s (generation %.1f s more) · peak RSS %.0f MB", detected.timeIntervalSince(generated),
                generated.timeIntervalSince(t0), Double(rss) / 1e6))
        say(
            String(
                format:
                    "  operators found %d of %d (%.3f) · purity of operator clusters %.3f · benign accounts with operators %d (in clusters at all: %d, offices and households)",
                found, judged.count, Double(found) / Double(max(1, judged.count)), Double(majority) / Double(max(1, total)),
                benignWithOperators, benignClustered))
        print(
            String(
                format:
                    #"{"link_accounts":%d,"link_keys":%d,"link_graph_s":%.3f,"link_leiden_s":%.3f,"link_total_s":%.3f,"link_edges":%d,"link_clusters":%d,"link_peak_rss":%d,"link_operator_recall":%.4f,"link_operator_purity":%.4f}"#,
                accounts, table.keys.count, built.timeIntervalSince(generated), detected.timeIntervalSince(built),
                detected.timeIntervalSince(generated), stats.edges, clusters.count, rss, Double(found) / Double(max(1, judged.count)),
                Double(majority) / Double(max(1, total))))
    }
}
