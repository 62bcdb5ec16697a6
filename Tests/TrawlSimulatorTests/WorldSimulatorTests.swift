import Foundation
import Testing
import TrawlModel

@testable import TrawlSimulator

@Suite struct WorldSimulatorTests {
    let world = WorldFixture.small

    @Test func sameSeedGivesIdenticalBytes() throws {
        let again = WorldFixture.generate(WorldFixture.smallSpec, name: "again")
        defer { WorldFixture.remove(again) }
        #expect(again.summary == world.summary)
        #expect(world.summary.files.count > 3)
        for f in world.summary.files {
            let a = WorldFixture.contents(world.directory + "/" + f)
            let b = WorldFixture.contents(again.directory + "/" + f)
            #expect(!a.isEmpty, "\(f) is empty")
            #expect(a == b, "\(f) differs between two runs of the same spec")
        }
    }

    @Test func differentSeedGivesDifferentWorld() throws {
        var spec = WorldFixture.smallSpec
        spec.seed = 8
        let other = WorldFixture.generate(spec, name: "other")
        defer { WorldFixture.remove(other) }
        #expect(WorldFixture.contents(other.directory + "/labels.jsonl") != WorldFixture.contents(world.directory + "/labels.jsonl"))
        let first = WorldFixture.logFiles(world)[0]
        #expect(WorldFixture.contents(other.directory + "/" + first) != WorldFixture.contents(world.directory + "/" + first))
    }

    @Test func layoutIsOneFolderPerDayWithTwoToFourParts() throws {
        let logs = WorldFixture.logFiles(world)
        let days = Dictionary(grouping: logs) { $0.split(separator: "/")[1] }
        #expect(days.keys.sorted() == ["2026-11-23", "2026-11-24", "2026-11-25"])
        for (_, parts) in days {
            #expect((2...4).contains(parts.count))
            #expect(parts.sorted() == (0..<parts.count).map { "logs/\(parts[0].split(separator: "/")[1])/part-\($0).jsonl" })
        }
        #expect(world.summary.files.prefix(3) == ["accounts.jsonl", "labels.jsonl", "networks.csv"])
        var total = 0
        for f in world.summary.files { total += WorldFixture.contents(world.directory + "/" + f).count }
        #expect(total == world.summary.bytes)
    }

    @Test func everyLineParsesWithRequiredFields() throws {
        var lines = 0
        var requestIDs = Set<String>()
        var v6 = 0, epoch = 0, offset = 0, zulu = 0
        let first = TimestampParser.parseDay("2026-11-23")!
        for f in WorldFixture.logFiles(world) {
            let day = TimestampParser.parseDay(String(f.split(separator: "/")[1]))!
            for line in WorldFixture.lines(WorldFixture.contents(world.directory + "/" + f)) {
                lines += 1
                let o = try #require(WorldFixture.json(line), "not JSON: \(String(decoding: line, as: UTF8.self))")
                let ts = try #require(WorldFixture.timestamp(o["ts"]), "bad ts \(String(describing: o["ts"]))")
                #expect(TimestampParser.day(of: ts) == day, "line filed under the wrong day")
                #expect(day >= first)
                if o["ts"] is String {
                    let s = o["ts"] as! String
                    if s.hasSuffix("Z") { zulu += 1 } else { offset += 1 }
                } else {
                    epoch += 1
                }
                let account = try #require(o["account_id"] as? String)
                #expect(account.hasPrefix("acct-"))
                let text = try #require(o["client_ip"] as? String)
                let ip = try #require(IPAddress(text), "bad client_ip \(text)")
                if !ip.isIPv4 { v6 += 1 }
                if let id = o["request_id"] as? String { #expect(requestIDs.insert(id).inserted, "duplicate request_id \(id)") }
                let status = try #require(o["status"] as? Int)
                if (o["rate_limited"] as? Bool) == true { #expect(status == 429) }
                #expect(o["endpoint"] as? String == "/v1/messages")
                let model = try #require(o["model"] as? String)
                #expect(ModelCaps.outputCap[model] != nil)
                if let max = o["max_tokens"] as? Int { #expect(max <= ModelCaps.outputCap[model]!) }
                if let latency = o["latency_ms"] as? Int { #expect(latency > 0) }
                if let hash = o["prompt_simhash"] as? String {
                    #expect(hash.count == 16 && UInt64(hash, radix: 16) != nil)
                }
            }
        }
        #expect(lines == world.summary.lines)
        #expect(lines > 2000)
        let share = Double(v6) / Double(lines)
        #expect(share > 0.03 && share < 0.25, "IPv6 share \(share)")
        #expect(Double(epoch) / Double(lines) > 0.02 && Double(epoch) / Double(lines) < 0.09)
        #expect(Double(offset) / Double(lines) > 0.04)
        #expect(Double(zulu) / Double(lines) > 0.8)
    }

    @Test func promptsCarryEscapesAndNonASCII() throws {
        var all: [UInt8] = []
        for f in WorldFixture.logFiles(world) { all += WorldFixture.contents(world.directory + "/" + f) }
        let text = String(decoding: all, as: UTF8.self)
        #expect(text.contains(#"\""#), "no escaped quote")
        #expect(text.contains(#"\n"#), "no escaped newline")
        #expect(text.range(of: #"\\u[0-9a-f]{4}"#, options: .regularExpression) != nil, "no \\u escape")
        #expect(all.contains { $0 >= 0x80 }, "no raw UTF-8")
        #expect(text.contains(#""accept_language":null"#))
    }

    @Test func everyLoggedAccountIsLabelledAndRegistered() throws {
        let labels = WorldFixture.labels(world)
        let registry = WorldFixture.jsonl(world.directory + "/accounts.jsonl")
        #expect(labels.count == WorldFixture.smallSpec.accounts)
        #expect(Set(registry.map { $0["account_id"] as! String }) == Set(labels.keys))
        var seen = Set<String>()
        for r in WorldFixture.logRecords(world) { seen.insert(r.object["account_id"] as! String) }
        #expect(seen.isSubset(of: Set(labels.keys)))
        #expect(seen.count > labels.count / 2)

        var counts: [String: Int] = [:]
        for l in labels.values { counts[l["population"] as! String, default: 0] += 1 }
        #expect(counts == world.summary.accountsByPopulation)
        #expect(counts.count == Population.allCases.count)
        var operators = Set<String>()
        for l in labels.values {
            let population = Population(rawValue: l["population"] as! String)!
            #expect(l["label"] as? String == population.label)
            if population.isAbusive {
                operators.insert(try #require(l["operator"] as? String))
            } else {
                #expect(l["operator"] is NSNull)
            }
        }
        #expect(operators.count == world.summary.operators)
        let truth = try GroundTruth.load(path: world.directory)
        #expect(truth.labels.count == labels.count)
        #expect(truth.operators.count == world.summary.operators)
    }

    @Test func eachPartFileIsSortedByTime() throws {
        var overlapping = 0
        for f in WorldFixture.logFiles(world) {
            var last: Int64 = .min
            for line in WorldFixture.lines(WorldFixture.contents(world.directory + "/" + f)) {
                let ts = WorldFixture.timestamp(WorldFixture.json(line)?["ts"])!
                #expect(ts >= last, "\(f) goes back in time")
                last = ts
            }
            if last > 0 { overlapping += 1 }
        }
        #expect(overlapping == WorldFixture.logFiles(world).count)
    }

    /// Distinct client addresses per account, for one population.
    private func addresses(_ population: String) -> [String: Set<String>] {
        let labels = WorldFixture.labels(world)
        var out: [String: Set<String>] = [:]
        for r in WorldFixture.logRecords(world) {
            let a = r.object["account_id"] as! String
            if labels[a]?["population"] as? String == population { out[a, default: []].insert(r.object["client_ip"] as! String) }
        }
        return out
    }

    @Test func pooledAccountsOfAnOperatorShareProxyAddresses() throws {
        let labels = WorldFixture.labels(world)
        let ips = addresses("pooled")
        let byOperator = Dictionary(grouping: ips.keys) { labels[$0]!["operator"] as! String }
        var sharedWithin = 0, pairsWithin = 0, sharedAcross = 0, pairsAcross = 0
        let accounts = ips.keys.sorted()
        for (i, a) in accounts.enumerated() {
            for b in accounts[(i + 1)...] {
                let same = labels[a]!["operator"] as! String == labels[b]!["operator"] as! String
                let shares = !ips[a]!.isDisjoint(with: ips[b]!)
                if same {
                    pairsWithin += 1
                    if shares { sharedWithin += 1 }
                } else {
                    pairsAcross += 1
                    if shares { sharedAcross += 1 }
                }
            }
        }
        #expect(byOperator.values.contains { $0.count >= 2 })
        #expect(pairsWithin > 0 && Double(sharedWithin) / Double(pairsWithin) > 0.5)
        #expect(sharedAcross * 10 <= max(1, pairsAcross))
        // Many addresses in many /24s per account.
        for (_, set) in ips where set.count > 20 {
            let networks = Set(set.compactMap { IPAddress($0)?.networkKey })
            #expect(networks.count * 2 > set.count)
        }
    }

    @Test func officeAccountsShareTheirEgressAddress() throws {
        let office = addresses("office_nat")
        let individual = addresses("individual")
        func sharingShare(_ sets: [String: Set<String>]) -> Double {
            var owners: [String: Int] = [:]
            for set in sets.values { for ip in set { owners[ip, default: 0] += 1 } }
            let sharing = sets.values.filter { $0.contains { owners[$0]! > 1 } }.count
            return Double(sharing) / Double(max(1, sets.count))
        }
        #expect(office.count >= 5)
        #expect(sharingShare(office) > 0.7, "office accounts should share egress")
        #expect(sharingShare(individual) < 0.1, "individuals should rarely share addresses")
        for set in office.values { #expect(set.count <= 2) }
    }

    @Test func distillationLinesAreSingleTurnAtTheCap() throws {
        let labels = WorldFixture.labels(world)
        var checked = 0
        for r in WorldFixture.logRecords(world) where labels[r.object["account_id"] as! String]?["population"] as? String == "distillation"
        {
            let o = r.object
            guard o["status"] as? Int == 200 else { continue }
            checked += 1
            #expect(o["turns"] as? Int == 1)
            #expect(o["max_tokens"] as? Int == ModelCaps.outputCap[o["model"] as! String])
            if let thinking = o["thinking"] as? Bool { #expect(thinking) }
            #expect(o["temperature"] as? Double == 1.0)
            #expect((o["output_tokens"] as! Int) > (o["input_tokens"] as! Int))
        }
        #expect(checked > 50)
    }

    @Test func gzipWorldDecompressesToTheSameLines() throws {
        var spec = WorldFixture.smallSpec
        spec.compression = .gzip
        let gz = WorldFixture.generate(spec, name: "gzip")
        defer { WorldFixture.remove(gz) }
        let plainLogs = WorldFixture.logFiles(world)
        let gzLogs = WorldFixture.logFiles(gz)
        #expect(gzLogs == plainLogs.map { $0 + ".gz" })
        #expect(gz.summary.lines == world.summary.lines)
        for (p, g) in zip(plainLogs, gzLogs) {
            let compressed = [UInt8](FileManager.default.contents(atPath: gz.directory + "/" + g)!)
            #expect(compressed.prefix(2) == [0x1F, 0x8B], "\(g) is not gzip")
            #expect(WorldFixture.contents(gz.directory + "/" + g) == WorldFixture.contents(world.directory + "/" + p))
        }
        #expect(gz.summary.bytes * 3 < world.summary.bytes)
    }
}

@Suite struct BehaviourTests {
    /// A world at half volume, where pooled accounts fill their plan windows.
    static let busy = WorldFixture.generate(
        WorldSpec(seed: 21, accounts: 70, days: 1, startDay: "2026-11-23", requestScale: 0.5), name: "busy", shared: true)
    /// Two weekdays at the evaluation's volume, with enough power users to judge their shape.
    static let agents = WorldFixture.generate(
        WorldSpec(seed: 5, accounts: 250, days: 3, startDay: "2026-11-23", requestScale: 0.3), name: "agents", shared: true)

    /// Token fill of each completed 5-hour window per account, enforced the simulator's way
    /// (a window opens at the first request after the previous one closed).
    private func windowFills(_ g: WorldFixture.Generated, population: String) throws -> [Double] {
        let labels = WorldFixture.labels(g)
        var plans: [String: String] = [:]
        for r in WorldFixture.jsonl(g.directory + "/accounts.jsonl") { plans[r["account_id"] as! String] = r["plan"] as? String }
        var events: [String: [(Int64, Int)]] = [:]
        for r in WorldFixture.logRecords(g) {
            let a = r.object["account_id"] as! String
            guard labels[a]?["population"] as? String == population else { continue }
            let tokens = (r.object["input_tokens"] as! Int) + (r.object["output_tokens"] as! Int)
            events[a, default: []].append((WorldFixture.timestamp(r.object["ts"])!, tokens))
        }
        var fills: [Double] = []
        for (a, list) in events {
            guard let limit = PlanLimits.windowTokens[plans[a] ?? "api"] else { continue }
            let sorted = list.sorted { $0.0 < $1.0 }
            var start: Int64 = .min, used = 0
            for (ts, tokens) in sorted {
                if start == .min || ts >= start + PlanLimits.windowMilliseconds {
                    if start != .min && start + PlanLimits.windowMilliseconds < sorted.last!.0 {
                        fills.append(Double(used) / Double(limit))
                    }
                    start = ts
                    used = 0
                }
                used += tokens
            }
        }
        return fills.sorted()
    }

    @Test func pooledAccountsRunAtTheirPlanLimitAndIndividualsWellBelow() throws {
        let pooled = try windowFills(Self.busy, population: "pooled")
        #expect(pooled.count >= 10)
        #expect(pooled[pooled.count / 4] >= 0.8, "pooled window fill p25 \(pooled[pooled.count / 4])")
        // The last request admitted below the limit may carry up to ~1M tokens (10% of max_5x).
        #expect(pooled.last! <= 1.12, "windows overshoot the limit: \(pooled.last!)")
        let individual = try windowFills(Self.busy, population: "individual")
        #expect(!individual.isEmpty)
        #expect(individual[individual.count * 9 / 10] < 0.3)
        let labels = WorldFixture.labels(Self.busy)
        var limited = 0, pooledLines = 0
        for r in WorldFixture.logRecords(Self.busy) where labels[r.object["account_id"] as! String]?["population"] as? String == "pooled" {
            pooledLines += 1
            if r.object["rate_limited"] as? Bool == true { limited += 1 }
        }
        #expect(limited * 50 > pooledLines, "pooled accounts should hit rate limits often")
    }

    @Test func evasivePoolersUseAFewStickyProxiesEachInItsOwnNetwork() throws {
        let labels = WorldFixture.labels(Self.busy)
        var byDay: [String: Set<String>] = [:]
        for r in WorldFixture.logRecords(Self.busy) {
            let a = r.object["account_id"] as! String
            guard labels[a]?["population"] as? String == "evasive_pooled" else { continue }
            byDay[a + r.file.split(separator: "/")[1], default: []].insert(r.object["client_ip"] as! String)
        }
        #expect(!byDay.isEmpty)
        for (_, ips) in byDay {
            #expect(ips.count <= 10)
            #expect(Set(ips.compactMap { IPAddress($0)?.networkKey }).count == ips.count)
        }
        #expect(byDay.values.contains { $0.count >= 4 })
    }

    /// Mean requests in flight over the busiest UTC minute, from `ts` and `latency_ms`.
    private static func peakConcurrency(_ spans: [(Int64, Int64)]) -> Double {
        var busy: [Int64: Int64] = [:]
        for (start, end) in spans {
            var t = start
            while t < end {
                let next = (t / 60_000 + 1) * 60_000
                busy[t / 60_000, default: 0] += min(end, next) - t
                t = next
            }
        }
        return Double(busy.values.max() ?? 0) / 60_000
    }

    @Test func powerUsersRunManyParallelAgentSessionsFromOneOrTwoNetworks() throws {
        let g = Self.agents
        let labels = WorldFixture.labels(g)
        struct Day {
            var lines = 0, withLatency = 0, limited = 0, longLatency = 0
            var plan = ""
            var sessions = Set<String>(), ips = Set<String>(), networks = Set<UInt64>(), agents = Set<String>()
            var spans: [(Int64, Int64)] = []
            var tokens: [(Int64, Int)] = []
        }
        var plans: [String: String] = [:]
        for r in WorldFixture.jsonl(g.directory + "/accounts.jsonl")
        where labels[r["account_id"] as! String]?["population"] as? String == "power_user" {
            plans[r["account_id"] as! String] = r["plan"] as? String
            #expect(["max_5x", "max_20x"].contains(r["plan"] as? String))
            if let phone = r["phone_country"] as? String { #expect(phone == r["billing_country"] as? String) }
            let created = try #require(WorldFixture.timestamp(r["created_at"]))
            let firstDay = Int64(TimestampParser.parseDay("2026-11-23")!) * TimestampParser.millisPerDay
            #expect(created <= firstDay - 60 * TimestampParser.millisPerDay, "power-user account opened less than 60 days before")
        }
        var days: [String: Day] = [:]
        for r in WorldFixture.logRecords(g) {
            let o = r.object
            let a = o["account_id"] as! String
            guard labels[a]?["population"] as? String == "power_user" else { continue }
            let ts = try #require(WorldFixture.timestamp(o["ts"]))
            var d = days[a + " " + r.file.split(separator: "/")[1], default: Day()]
            d.lines += 1
            if let s = o["session_id"] as? String { d.sessions.insert(s) }
            let ip = o["client_ip"] as! String
            d.ips.insert(ip)
            d.networks.insert(try #require(IPAddress(ip)).networkKey)
            if let ua = o["user_agent"] as? String { d.agents.insert(ua) }
            if let latency = o["latency_ms"] as? Int {
                d.withLatency += 1
                if latency >= 20_000 { d.longLatency += 1 }
                d.spans.append((ts, ts + Int64(latency)))
            }
            if o["rate_limited"] as? Bool == true || o["status"] as? Int == 429 { d.limited += 1 }
            d.tokens.append((ts, (o["input_tokens"] as! Int) + (o["output_tokens"] as! Int)))
            d.plan = plans[a] ?? ""
            days[a + " " + r.file.split(separator: "/")[1]] = d
        }
        #expect(days.count >= 8, "only \(days.count) power-user days")
        var manySessions = 0, concurrent = 0, limitedDays = 0, filled = 0
        for (key, d) in days {
            #expect(d.networks.count <= 2, "\(key): \(d.networks.count) networks")
            #expect(d.ips.count <= 3, "\(key): \(d.ips.count) addresses")
            #expect(d.agents.count <= 2, "\(key): \(d.agents.count) user agents")
            #expect(d.withLatency == d.lines, "\(key): latency_ms missing")
            #expect(d.longLatency * 3 > d.lines, "\(key): few long requests")
            let peak = Self.peakConcurrency(d.spans)
            #expect(peak < 12, "\(key): \(peak) in flight")
            if d.sessions.count > 25 { manySessions += 1 }
            if peak >= 3.5 { concurrent += 1 }
            if d.limited > 0 { limitedDays += 1 }
            // Tokens in the busiest 5 hours (sliding), against the plan's window.
            let events = d.tokens.sorted { $0.0 < $1.0 }
            var lo = 0, sum = 0, busiest = 0
            for (ts, tokens) in events {
                sum += tokens
                while ts - events[lo].0 >= PlanLimits.windowMilliseconds {
                    sum -= events[lo].1
                    lo += 1
                }
                busiest = max(busiest, sum)
            }
            let fill = Double(busiest) / Double(try #require(PlanLimits.windowTokens[d.plan]))
            #expect(fill < 1.5, "\(key): busiest window at \(fill) of the plan")
            if fill >= 0.55 { filled += 1 }
            #expect(d.limited * 5 < d.lines, "\(key): \(d.limited) of \(d.lines) rate-limited")
        }
        #expect(manySessions * 4 >= days.count * 3, "\(manySessions) of \(days.count) days with more than 25 sessions")
        #expect(concurrent * 4 >= days.count * 3, "\(concurrent) of \(days.count) days with 3.5+ in flight")
        #expect(filled * 4 >= days.count * 3, "\(filled) of \(days.count) days fill 55%+ of the plan window")
        #expect(limitedDays >= 1, "no power user ever hit the plan limit")
    }
}
