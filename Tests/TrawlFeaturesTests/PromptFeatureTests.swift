import Testing
import TrawlFeatures
import TrawlIngest
import TrawlModel
import TrawlPrompts

@Suite struct PromptFeatureTests {
    static let plans = PlanCatalog(windowTokens: [:], outputCaps: [:])
    static let lexicons = [
        PhraseLexicon(
            className: "reasoning_coercion", title: "Coercion", phrases: [("en", "show all of your reasoning step by step")]),
        PhraseLexicon(className: "dataset_generation", title: "Datasets", phrases: [("en", "generate 5 diverse examples")]),
    ]
    static let problems = [
        "a train leaves at noon", "find every real root of x^2 - 3x", "how many ways can people sit",
        "what is the chance of two heads", "is this number prime", "compute the determinant of the matrix",
    ]

    static let words = [
        "apple", "bridge", "candle", "dragon", "engine", "forest", "garden", "harbor", "island", "jungle", "kettle", "lantern",
        "meadow", "needle", "orange", "pepper", "quartz", "river", "saddle", "timber", "umbrella", "velvet", "walnut", "yellow",
        "zephyr", "anchor", "basket", "copper", "desert", "ember", "falcon", "glacier", "hammer", "ivory", "jacket", "kernel",
        "ladder", "marble", "nectar", "oyster",
    ]

    /// JSONL lines: a harvester's account (one template, coercion, a fixed temperature), a
    /// person's (varied prompts, one of them asking for examples), and a text-free log's
    /// account (the same SimHash family, prompt_simhash only).
    static func lines() -> [String] {
        var out: [String] = []
        for i in 0..<60 {
            let ts = "2026-11-21T\(String(format: "%02d", i % 24)):\(String(format: "%02d", i % 60)):00Z"
            let problem = problems[i % problems.count]
            out.append(
                #"{"ts":"\#(ts)","account_id":"harvester","client_ip":"10.0.0.1","org_id":"org-h","temperature":1.0,"prompt":"Solve this and show all of your reasoning step by step.\nProblem \#(i): \#(problem)","system_prompt":"You are a tutor.\u00e9"}"#
            )
            let personal =
                i % 3 == 0
                ? "Generate 5 diverse examples of \(problem)"
                : "\(Self.words[i % Self.words.count]) \(problem) please \(Self.words[i * 7 % Self.words.count])"
            out.append(
                #"{"ts":"\#(ts)","account_id":"person","client_ip":"10.0.0.2","temperature":\#(0.5 + Double(i % 3) / 10),"prompt":"\#(personal) \#(i * 7919 % 1000) words"}"#
            )
            let simhash = String(0x0123_4567_89AB_0000 | UInt64(i % 2), radix: 16, uppercase: false)
            out.append(
                #"{"ts":"\#(ts)","account_id":"hashonly","client_ip":"10.0.0.3","prompt_simhash":"\#(String(repeating: "0", count: 16 - simhash.count) + simhash)"}"#
            )
        }
        return out
    }

    static func accumulate(_ lines: ArraySlice<String>, keepSamples: Int = 0) -> [AccountDayKey: AccountDayState] {
        var decoder = CanonicalLogDecoder()
        var batch = DecodedBatch()
        var text = Array(lines.joined(separator: "\n").utf8)
        text.append(0x0A)
        text.withUnsafeBytes { decoder.decode($0, fileIndex: 0, sequence: 0, into: &batch) }
        var acc = FeatureAccumulator(plans: plans, prompts: PromptAnalyzer(lexicons: lexicons), keepSamples: keepSamples)
        acc.add(batch.events, arena: batch.arena, interner: decoder.interner)
        return acc.export(interner: decoder.interner)
    }

    /// Split anywhere and merged in either order, the state is that of the whole input.
    @Test(arguments: [1, 37, 90, 179])
    func mergeEqualsWhole(split: Int) {
        let all = Self.lines()
        let whole = Self.accumulate(all[...], keepSamples: 3)
        let a = Self.accumulate(all[..<split], keepSamples: 3), b = Self.accumulate(all[split...], keepSamples: 3)
        for (key, state) in whole {
            var ab = a[key] ?? AccountDayState(), ba = b[key] ?? AccountDayState()
            if let x = b[key] { ab.merge(x) }
            if let x = a[key] { ba.merge(x) }
            #expect(ab == state, "\(key.accountID)")
            #expect(ba == state, "\(key.accountID)")
        }
    }

    func features(_ states: [AccountDayKey: AccountDayState]) -> [String: FeatureVector] {
        var extractor = FeatureExtractor(plans: Self.plans, registry: .empty)
        var sharing = TemplateSharingIndex()
        for (k, s) in states { if let p = s.prompts { sharing.add(p, accountID: k.accountID, orgHash: s.orgHash) } }
        extractor.templateSharing = sharing
        var out: [String: FeatureVector] = [:]
        for (k, s) in states { out[k.accountID] = extractor.features(for: k, state: s).features }
        return out
    }

    @Test func harvesterPersonAndTextFreeLog() throws {
        let f = features(Self.accumulate(Self.lines()[...]))
        let h = try #require(f["harvester"]), p = try #require(f["person"]), x = try #require(f["hashonly"])
        #expect(h["templated_share"] == .number(1))
        #expect(h["template_count"] == .number(1))
        #expect(h["prompts_per_template"] == .number(Double(PromptDayState.sampleSize)))
        #expect(h["reasoning_coercion_share"] == .number(1))
        #expect(h["dataset_generation_share"] == .number(0))
        #expect(h["distinct_system_prompts"] == .number(1))
        #expect(h["fixed_temperature_share"] == .number(1))
        #expect(h["prompts_analysed"] == .number(60))
        #expect((p["templated_share"]?.number ?? 1) < 0.5)
        #expect(p["reasoning_coercion_share"] == .number(0))
        // Estimated on the 48-prompt sample: a third of the prompts ask for examples.
        #expect(abs((p["dataset_generation_share"]?.number ?? 0) - 1.0 / 3) < 0.15)
        #expect(p["distinct_system_prompts"] == nil)
        #expect((p["fixed_temperature_share"]?.number ?? 0) < 0.4)
        // Text-free: templating from the hash; what needs text is unknown, never 0.
        #expect(x["templated_share"] == .number(1))
        #expect(x["reasoning_coercion_share"] == nil)
        #expect(x["template_count"] == nil)
        #expect(x["prompts_per_template"] == nil)
        #expect(x["fixed_temperature_share"] == nil)
        // Nobody else has these templates.
        #expect(h["template_sharing_accounts"] == .number(0))
    }

    @Test func accountsWithoutPromptsHaveNoPromptFeatures() throws {
        let f = features(Self.accumulate([#"{"ts":5,"account_id":"a","client_ip":"10.0.0.1"}"#]))
        let a = try #require(f["a"])
        for name in ["prompts_analysed", "templated_share", "template_count", "reasoning_coercion_share", "template_sharing_accounts"] {
            #expect(a[name] == nil, "\(name)")
        }
    }

    /// Accounts of other organisations with the same top template count; one's own organisation does not.
    @Test func sharingCountsOtherOrganisations() throws {
        var lines: [String] = []
        for (account, org) in [("a1", "org-x"), ("a2", "org-x"), ("a3", "org-x"), ("b1", ""), ("c1", "org-c")] {
            for i in 0..<5 {
                let orgField = org.isEmpty ? "" : #","org_id":"\#(org)""#
                lines.append(
                    #"{"ts":\#(1_795_000_000_000 + i),"account_id":"\#(account)","client_ip":"10.0.0.9"\#(orgField),"prompt":"Please translate the following text into French: item \#(i)"}"#
                )
            }
        }
        let f = features(Self.accumulate(lines[...]))
        #expect(f["a1"]?["template_sharing_accounts"] == .number(2))  // b1 and org-c
        #expect(f["b1"]?["template_sharing_accounts"] == .number(2))  // org-x (one holder) and org-c
    }

    @Test func samplesAreRedactedAndOnlyWhenAsked() throws {
        let line =
            #"{"ts":5,"account_id":"a","client_ip":"10.0.0.1","prompt":"Mail bob@example.com the key sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123456789"}"#
        var extractor = FeatureExtractor(plans: Self.plans, registry: .empty)
        extractor.templateSharing = TemplateSharingIndex()
        let kept = Self.accumulate([line], keepSamples: 2)
        let (key, state) = try #require(kept.first)
        let samples = try #require(extractor.features(for: key, state: state).evidence.promptSamples)
        #expect(samples.count == 1)
        #expect(!samples[0].contains("bob@example.com") && !samples[0].contains("sk-ant"))
        let (key0, state0) = try #require(Self.accumulate([line]).first)
        #expect(extractor.features(for: key0, state: state0).evidence.promptSamples == nil)
    }
}

@Suite struct ModelLaunchTests {
    static let day0 = Int64(TimestampParser.parseDay("2026-11-21")!) * TimestampParser.millisPerDay
    static let hour: Int64 = 3_600_000

    static func state(_ requests: [(model: String, at: Int64)]) -> AccountDayState {
        var s = AccountDayState()
        for r in requests {
            var e = RequestEvent()
            e.ts = day0 + r.at
            let dayStart = day0 + r.at / TimestampParser.millisPerDay * TimestampParser.millisPerDay
            s.add(e, dayStart: dayStart, userAgentHash: 0, apiKeyHash: 0, sessionHash: 0, ja4Hash: 0, modelCap: nil)
            s.noteModel(hash: stableHash(r.model), ts: e.ts, hour: Int((e.ts - dayStart) / hour))
        }
        return s
    }

    /// A model that appears on the second day of the input is new; requests to it in its
    /// first 24 hours count for the accounts that rushed to it, and merging is exact.
    @Test func rushToANewModel() throws {
        let day1 = TimestampParser.millisPerDay
        let old = Self.state([("old", 0), ("old", 5 * Self.hour)])
        let early = Self.state([("new", day1 + 2 * Self.hour), ("new", day1 + 3 * Self.hour), ("old", day1 + 4 * Self.hour)])
        let late = Self.state([("old", day1 + 23 * Self.hour)])
        var launches = ModelLaunchIndex()
        for s in [old, early, late] { launches.add(s) }
        #expect(launches.hasNewModels)
        #expect(launches.rushShare(early, day: TimestampParser.day(of: Self.day0) + 1) == 2.0 / 3)
        #expect(launches.rushShare(late, day: TimestampParser.day(of: Self.day0) + 1) == 0)
        var merged = Self.state([("new", day1 + 2 * Self.hour)])
        merged.merge(Self.state([("new", day1 + 3 * Self.hour), ("old", day1 + 4 * Self.hour)]))
        #expect(merged.models == early.models)
        // A one-day input has no new model: unknown, not 0.
        var oneDay = ModelLaunchIndex()
        oneDay.add(old)
        #expect(oneDay.rushShare(old, day: TimestampParser.day(of: Self.day0)) == nil)
    }
}
