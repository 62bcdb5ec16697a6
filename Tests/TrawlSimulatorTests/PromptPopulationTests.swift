import Foundation
import TestSupport
import Testing
import TrawlModel
import TrawlPrompts

@testable import TrawlSimulator

/// Issue 5's populations (the benchmark burst, the fixed-system-prompt agent, the team
/// prompt library, thin distillation) and `prompt_simhash` / text-free worlds.
@Suite struct PromptPopulationTests {
    /// 400 accounts (8 of each new population), one Monday and Tuesday, 20% of full volume.
    static let spec = WorldSpec(seed: 11, accounts: 400, days: 2, startDay: "2026-11-23", requestScale: 0.2)
    static let world = WorldFixture.generate(spec, name: "prompts", shared: true)
    // Parsed once, read only.
    nonisolated(unsafe) static let records = WorldFixture.logRecords(world)
    nonisolated(unsafe) static let labels = WorldFixture.labels(world)

    static func population(_ o: [String: Any]) -> String {
        labels[o["account_id"] as! String]?["population"] as? String ?? ""
    }

    /// Log lines by account, for one population.
    static func lines(of population: String) -> [String: [[String: Any]]] {
        var out: [String: [[String: Any]]] = [:]
        for r in records where Self.population(r.object) == population {
            out[r.object["account_id"] as! String, default: []].append(r.object)
        }
        return out
    }

    @Test func everyNewPopulationIsInTheWorld() {
        let counts = Self.world.summary.accountsByPopulation
        for p in ["benchmark_burst", "agent_fixed_system", "team_prompt_library", "thin_distillation"] {
            #expect((counts[p] ?? 0) >= 6, "\(p): \(counts[p] ?? 0)")
        }
        for (account, l) in Self.labels where (l["population"] as? String)?.hasPrefix("thin_") == true {
            #expect(l["label"] as? String == "distillation", "\(account)")
            #expect(l["operator"] is String)
        }
        for p in ["benchmark_burst", "agent_fixed_system", "team_prompt_library"] {
            for (_, l) in Self.labels where l["population"] as? String == p {
                #expect(l["label"] as? String == "benign")
                #expect(l["operator"] is NSNull)
            }
        }
    }

    @Test func aBenchmarkRunIsOneTemplateWithinAboutAnHourFromOneNetwork() throws {
        let accounts = Self.lines(of: "benchmark_burst")
        #expect(accounts.count >= 6)
        let world = WorldBuilder.build(Self.spec, firstDay: try Self.spec.validated())
        var profiles: [String: AccountProfile] = [:]
        for a in world.accounts { profiles[String(decoding: a.id, as: UTF8.self)] = a }
        var runs = 0
        for (account, lines) in accounts {
            // One address for the run and for the light use by hand.
            #expect(Set(lines.map { $0["client_ip"] as! String }).count == 1, "\(account)")
            // The run: prompts of one template (its fixed words around a data set item),
            // single-turn, all within about an hour; the rest is light use by hand.
            let template = PromptSource.shared.groups[PromptGroup.benchmark.rawValue][Int(profiles[account]!.burstTemplate)]
            var literals: [String] = []
            for case .text(let bytes) in template.pieces { literals.append(String(decoding: bytes, as: UTF8.self)) }
            var run: [Int64] = []
            var withText = 0
            for o in lines {
                guard let p = o["prompt"] as? String else { continue }
                withText += 1
                guard literals.allSatisfy({ p.contains($0) }) else { continue }
                #expect(o["turns"] as? Int == 1)
                #expect(o["session_id"] == nil)
                run.append(try #require(WorldFixture.timestamp(o["ts"])))
            }
            guard run.count >= 40 else { continue }
            #expect(Double(run.count) >= 0.6 * Double(withText), "\(account): \(run.count) of \(withText) prompts from its template")
            run.sort()
            var best = 0, lo = 0
            for hi in run.indices {
                while run[hi] - run[lo] > 65 * 60_000 { lo += 1 }
                best = max(best, hi - lo + 1)
            }
            #expect(Double(best) >= 0.97 * Double(run.count), "\(account): \(best) of \(run.count) run prompts in its busiest hour")
            runs += 1
        }
        #expect(runs >= 4, "too few benchmark runs to judge")
    }

    @Test func anAgentSendsItsOwnLongSystemPromptOnEveryRequest() throws {
        let accounts = Self.lines(of: "agent_fixed_system")
        #expect(accounts.count >= 6)
        var seen: [String: String] = [:]
        for (account, lines) in accounts {
            let systems = Set(lines.compactMap { $0["system_prompt"] as? String })
            #expect(systems.count == 1, "\(account): \(systems.count) system prompts")
            let system = try #require(systems.first)
            #expect(system.utf8.count >= 600, "\(account): system prompt of \(system.utf8.count) bytes")
            #expect(seen.updateValue(account, forKey: system) == nil, "two agents with one system prompt")
            #expect(Set(lines.compactMap { $0["api_key_id"] as? String }).count <= 2)
            #expect(Set(lines.compactMap { $0["user_agent"] as? String }).count == 1)
            // Varied user prompts: tasks and tool results.
            let prompts = lines.compactMap { $0["prompt"] as? String }
            if prompts.count >= 20 { #expect(Set(prompts).count >= prompts.count / 3) }
            // Steady: requests in most hours of a day.
            if lines.count >= 150 {
                let hours = Set(lines.compactMap { WorldFixture.timestamp($0["ts"]) }.map { $0 / 3_600_000 % 24 })
                #expect(hours.count >= 16, "\(account): active in \(hours.count) hours")
            }
        }
    }

    @Test func aTeamSharesItsPromptLibraryAndItsOrganisation() throws {
        let world = WorldBuilder.build(Self.spec, firstDay: try Self.spec.validated())
        let members = world.accounts.indices.filter { world.accounts[$0].population == .teamPromptLibrary }
        #expect(members.count >= 6)
        let byOrg = Dictionary(grouping: members) { world.accounts[$0].org }
        for (org, accounts) in byOrg {
            let o = world.orgs[org]
            #expect(accounts.count >= 3, "a team of \(accounts.count)")
            #expect((10...14).contains(o.library.count))
            for a in accounts {
                let account = world.accounts[a]
                #expect(account.orgID == o.id)
                #expect(account.registry.emailDomain == o.domain)
                #expect(o.egress.contains(account.home[0]))
                if o.payment != 0 { #expect(account.registry.payment == o.payment) }
            }
        }
        // In the log: one org_id per team, and the same library prompts from several members.
        let lines = Self.lines(of: "team_prompt_library")
        let registry = WorldFixture.jsonl(Self.world.directory + "/accounts.jsonl")
        var domain: [String: String] = [:]
        for r in registry { domain[r["account_id"] as! String] = r["email_domain"] as? String }
        var orgOf: [String: String] = [:]
        var openers: [String: [String: Set<String>]] = [:]  // org → opening words → accounts
        for (account, ls) in lines {
            let orgs = Set(ls.compactMap { $0["org_id"] as? String })
            #expect(orgs.count == 1, "\(account): \(orgs)")
            guard let org = orgs.first else { continue }
            orgOf[account] = org
            for o in ls {
                guard let p = o["prompt"] as? String else { continue }
                openers[org, default: [:]][String(p.prefix(24)), default: []].insert(account)
            }
        }
        for (account, org) in orgOf {
            for (other, o2) in orgOf where o2 == org { #expect(domain[account] == domain[other]) }
        }
        var sharedTemplates = 0
        for (_, byOpening) in openers { sharedTemplates += byOpening.values.filter { $0.count >= 2 }.count }
        #expect(sharedTemplates >= 3, "library prompts used by more than one member: \(sharedTemplates)")
    }

    @Test func thinDistillersAreModestSingleTurnCoercionAtTheCap() throws {
        let lexicons = try PhraseLexicon.loadAll(directory: repositoryRoot() + "/rules/lexicons")
        let matcher = PhraseMatcher(lexicons: lexicons)
        let coercion = try #require(matcher.classNames.firstIndex(of: "reasoning_coercion"))
        var normalizer = PromptNormalizer()
        let accounts = Self.lines(of: "thin_distillation")
        #expect(accounts.count >= 6)
        var prompts = 0, coerced = 0, chinese = 0
        for (account, lines) in accounts {
            #expect(lines.count <= 200, "\(account): \(lines.count) lines in two days at 20% volume")
            #expect(Set(lines.map { $0["client_ip"] as! String }).count <= 2)
            for o in lines where o["status"] as? Int == 200 {
                #expect(o["turns"] as? Int == 1)
                #expect(o["max_tokens"] as? Int == ModelCaps.outputCap[o["model"] as! String])
                guard let p = o["prompt"] as? String else { continue }
                prompts += 1
                if matcher.classes(in: normalizer.normalize(p)).contains(index: coercion) { coerced += 1 }
                if p.unicodeScalars.contains(where: { (0x4E00...0x9FFF).contains($0.value) }) { chinese += 1 }
            }
        }
        #expect(prompts >= 100)
        #expect(Double(coerced) >= 0.95 * Double(prompts), "\(coerced) of \(prompts) prompts coerce reasoning")
        #expect(chinese > 0, "no Chinese coercion prompts")
        let world = WorldBuilder.build(Self.spec, firstDay: try Self.spec.validated())
        for op in world.operators where op.population == .thinDistillation {
            #expect(op.members.count >= 8, "\(op.name): \(op.members.count) accounts")
        }
    }

    @Test func promptSimHashIsTrawlPromptsSimHashOfThePrompt() throws {
        var fingerprinter = PromptFingerprinter()
        var checked = 0, withText = 0, hashOnly = 0
        for (i, r) in Self.records.enumerated() {
            let o = r.object
            guard let prompt = o["prompt"] as? String else {
                if o["prompt_simhash"] != nil { hashOnly += 1 }
                continue
            }
            withText += 1
            let hash = try #require(o["prompt_simhash"] as? String, "a line with prompt text and no prompt_simhash")
            guard i % 7 == 0 else { continue }
            #expect(hash == fingerprinter.fingerprint(prompt).simHash.hex, "\(prompt)")
            checked += 1
        }
        #expect(checked >= 1000)
        let share = Double(hashOnly) / Double(withText + hashOnly)
        #expect(share > 0.08 && share < 0.18, "hash-only share \(share)")
    }

    @Test func aTextFreeWorldKeepsTheSimHashAndEverythingElse() throws {
        let dir = WorldFixture.temporaryFolder("no-text")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let summary = try WorldSimulator.write(Self.spec, to: dir, promptText: false)
        #expect(summary.lines == Self.world.summary.lines)
        #expect(summary.files == Self.world.summary.files)
        #expect(summary.bytes < Self.world.summary.bytes)
        for f in ["accounts.jsonl", "labels.jsonl", "networks.csv"] {
            #expect(WorldFixture.contents(dir + "/" + f) == WorldFixture.contents(Self.world.directory + "/" + f))
        }
        var compared = 0
        for f in WorldFixture.logFiles(Self.world) {
            let text = WorldFixture.lines(WorldFixture.contents(Self.world.directory + "/" + f))
            let bare = WorldFixture.lines(WorldFixture.contents(dir + "/" + f))
            #expect(text.count == bare.count)
            for (a, b) in zip(text, bare) {
                let without = try #require(WorldFixture.json(b))
                #expect(without["prompt"] == nil && without["system_prompt"] == nil)
                if WorldFixture.json(a)?["prompt"] != nil { #expect(without["prompt_simhash"] != nil) }
                #expect(Self.removing(["prompt", "system_prompt"], from: Array(a)) == Array(b))
                compared += 1
            }
        }
        #expect(compared == Self.world.summary.lines)
    }

    /// A rendered line without the named string fields (`,"name":"…"`, escapes skipped).
    static func removing(_ names: [String], from line: [UInt8]) -> [UInt8] {
        var out = line
        for name in names {
            let key = Array(",\"\(name)\":\"".utf8)
            guard let start = out.indices.first(where: { out[$0...].starts(with: key) }) else { continue }
            var i = start + key.count
            while i < out.count && out[i] != UInt8(ascii: "\"") { i += out[i] == UInt8(ascii: "\\") ? 2 : 1 }
            out.removeSubrange(start...i)
        }
        return out
    }
}
