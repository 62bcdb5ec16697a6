import Testing
import TrawlFeatures
import TrawlIngest
import TrawlModel

@Suite struct DistinctCountSketchTests {
    @Test func exactWhileSmall() {
        var s = DistinctCountSketch()
        for i in 0..<50 { s.insert(hash: mix64(UInt64(i))) }
        for i in 0..<50 { s.insert(hash: mix64(UInt64(i))) }
        #expect(s.count == 50)
        #expect(!s.isDense)
    }

    /// At 10^6 distinct values the error stays within 3 standard errors (3 × 1.04/√4096 ≈ 4.9%).
    @Test(arguments: [UInt64(1), 2, 3])
    func errorWithinBoundAtOneMillion(seed: UInt64) {
        var s = DistinctCountSketch()
        let n = 1_000_000
        for i in 0..<n { s.insert(hash: mix64(UInt64(i) &+ seed << 40)) }
        let error = abs(s.estimate - Double(n)) / Double(n)
        #expect(error < 3 * 1.04 / 64)
        #expect(s.isDense)
    }

    @Test func mergeEqualsUnion() {
        var a = DistinctCountSketch(), b = DistinctCountSketch(), all = DistinctCountSketch()
        for i in 0..<40 {
            a.insert(hash: mix64(UInt64(i)))
            all.insert(hash: mix64(UInt64(i)))
        }
        for i in 30..<5000 {
            b.insert(hash: mix64(UInt64(i)))
            all.insert(hash: mix64(UInt64(i)))
        }
        var ab = a
        ab.merge(b)
        var ba = b
        ba.merge(a)
        #expect(ab == all)
        #expect(ba == all)
    }
}

@Suite struct AccountDayStateTests {
    static func events(_ n: Int) -> (events: [RequestEvent], interner: StringInterner) {
        var interner = StringInterner()
        var out: [RequestEvent] = []
        let day0: Int64 = Int64(TimestampParser.parseDay("2026-11-21")!) * TimestampParser.millisPerDay
        for i in 0..<n {
            var e = RequestEvent()
            e.ts = day0 + Int64(i) * 97_000 % (2 * TimestampParser.millisPerDay)
            e.account = interner.intern("acct-\(i % 5)")
            // 20 addresses per account: the top-k summary stays exact, so merges must match exactly.
            e.clientIP = IPAddress(v4: 0x0A00_0000 | UInt32(i % 100))
            e.userAgent = interner.intern("ua-\(i % 4)")
            e.sessionHash = stableHash("s-\(i % 50)") | 1
            e.apiKeyHash = stableHash("k-\(i % 3)") | 1
            e.plan = interner.intern(i % 2 == 0 ? "pro" : "max_20x")
            e.model = interner.intern("claude-opus-4")
            e.inputTokens = Int64(i % 1000)
            e.outputTokens = i % 10 == 0 ? -1 : Int64(i % 777)
            e.latencyMs = Int64(1000 + i % 30_000)
            e.maxTokens = i % 3 == 0 ? 32000 : 1000
            e.turns = Int32(i % 4)
            e.flags = i % 2 == 0 ? [.thinkingKnown, .thinking, .rateLimitedKnown] : [.rateLimitedKnown, .rateLimited]
            out.append(e)
        }
        return (out, interner)
    }

    static let plans = PlanCatalog(windowTokens: ["pro": 2_000_000, "max_20x": 40_000_000], outputCaps: ["claude-opus-4": 32000])

    func accumulate(_ events: ArraySlice<RequestEvent>, _ interner: StringInterner) -> [AccountDayKey: AccountDayState] {
        var acc = FeatureAccumulator(plans: Self.plans)
        acc.add(Array(events), arena: [], interner: interner)
        return acc.export(interner: interner)
    }

    /// merge(a, b) and merge(b, a) equal the state of the concatenated input.
    @Test(arguments: [1, 777, 2500, 3999])
    func mergeEqualsConcatenation(split: Int) {
        let (events, interner) = Self.events(4000)
        let whole = accumulate(events[...], interner)
        let a = accumulate(events[..<split], interner)
        let b = accumulate(events[split...], interner)
        for order in [(a, b), (b, a)] {
            var merged = order.0
            for (k, v) in order.1 {
                if merged[k] == nil { merged[k] = v } else { merged[k]!.merge(v) }
            }
            let differing = whole.keys.filter { merged[$0] != whole[$0] }.map(\.accountID)
            #expect(merged.count == whole.count)
            #expect(differing.isEmpty)
        }
        #expect(whole.count == 10)  // 5 accounts × 2 days
    }

    @Test func derivedFeatures() {
        var state = AccountDayState()
        let day: Int32 = 20_000
        let start = Int64(day) * TimestampParser.millisPerDay
        var e = RequestEvent()
        e.clientIP = IPAddress("198.51.100.1")!
        // Two requests at 01:00 and one at 13:00, each 120 s long; the two at 01:00 overlap fully.
        for (t, lat) in [(3_600_000, 120_000), (3_600_000, 120_000), (13 * 3_600_000, 120_000)] {
            e.ts = start + Int64(t)
            e.latencyMs = Int64(lat)
            state.add(e, dayStart: start, userAgentHash: 0, apiKeyHash: 0, sessionHash: 0, ja4Hash: 0, modelCap: nil)
        }
        let f = FeatureExtractor(plans: PlanCatalog(), registry: .empty).features(
            for: AccountDayKey(accountID: "a", day: day), state: state
        ).features
        #expect(f["requests"] == .number(3))
        #expect(f["active_hours"] == .number(2))
        #expect(f["peak_concurrency"] == .number(2))
        #expect(f["hour_entropy"]?.number.map { abs($0 - 0.9183) < 0.001 } == true)
        // Active minutes 60 and 780: idle runs of 719 minutes and 1440-781+60 = 719.
        #expect(f["longest_idle_gap_hours"] == .number(719.0 / 60))
        #expect(f["distinct_user_agents"] == nil)
        #expect(f["input_tokens"] == nil)
        #expect(f["top_ip_share"] == .number(1))
    }

    @Test func registryFeatures() {
        var r = AccountRecord(accountID: "a")
        r.createdAt = Int64(20_000) * TimestampParser.millisPerDay - 2 * TimestampParser.millisPerDay
        r.paymentFingerprint = "card-1"
        r.emailDomain = "mailinator.com"
        r.phoneCountry = "NG"
        r.billingCountry = "US"
        var r2 = AccountRecord(accountID: "b")
        r2.paymentFingerprint = "card-1"
        let registry = RegistryIndex(accounts: ["a": r, "b": r2])
        let plans = PlanCatalog(disposableDomains: ["mailinator.com"])
        var state = AccountDayState()
        var e = RequestEvent()
        e.ts = Int64(20_000) * TimestampParser.millisPerDay
        state.add(e, dayStart: e.ts, userAgentHash: 0, apiKeyHash: 0, sessionHash: 0, ja4Hash: 0, modelCap: nil)
        let f = FeatureExtractor(plans: plans, registry: registry).features(for: AccountDayKey(accountID: "a", day: 20_000), state: state)
            .features
        #expect(f["account_age_days"] == .number(3))
        #expect(f["payment_fingerprint_accounts"] == .number(2))
        #expect(f["disposable_email"] == .flag(true))
        #expect(f["phone_billing_mismatch"] == .flag(true))
        #expect(f["kyc_status"] == nil)
    }
}

@Suite struct IdleGapTests {
    /// The word-at-a-time scan agrees with a minute-by-minute one on many bitmaps.
    @Test func wordScanMatchesMinuteScan() {
        var rng = SplitMix(seed: 7)
        for trial in 0..<2000 {
            var bits = [UInt64](repeating: 0, count: 23)
            let density = trial % 7
            for m in 0..<1440 where rng.next() % 97 < UInt64(density * density) { bits[m >> 6] |= 1 << UInt64(m & 63) }
            if trial % 11 == 0 { bits[22] |= 0xFFFF_0000_0000_0000 }  // bits past minute 1439 are ignored
            #expect(FeatureExtractor.longestIdleMinutes(bits) == naiveIdle(bits))
        }
        #expect(FeatureExtractor.longestIdleMinutes([UInt64](repeating: 0, count: 23)) == 1440)
    }

    func naiveIdle(_ bits: [UInt64]) -> Int {
        func active(_ m: Int) -> Bool { bits[m >> 6] & (1 << UInt64(m & 63)) != 0 }
        var best = 0, run = 0, leading = -1
        for m in 0..<1440 {
            if active(m) {
                if leading < 0 { leading = run }
                best = max(best, run)
                run = 0
            } else {
                run += 1
            }
        }
        return leading < 0 ? 1440 : max(best, run + leading)
    }
}

struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return mix64(state)
    }
}

@Suite struct SaturationTests {
    @Test func tokenSumsSaturateInsteadOfTrapping() {
        var state = AccountDayState()
        var e = RequestEvent()
        e.inputTokens = Int64.max / 2
        for _ in 0..<4 { state.add(e, dayStart: 0, userAgentHash: 0, apiKeyHash: 0, sessionHash: 0, ja4Hash: 0, modelCap: nil) }
        #expect(state.inputTokens == Int64.max)
        var other = state
        other.merge(state)
        #expect(other.inputTokens == Int64.max)
    }

    /// An account spreading requests evenly over more addresses than the top-k keeps.
    @Test func topAddressShareIsNeverZero() {
        var state = AccountDayState()
        var e = RequestEvent()
        for i in 0..<99 {
            e.clientIP = IPAddress(v4: 0x0A00_0000 | UInt32(i))
            state.add(e, dayStart: 0, userAgentHash: 0, apiKeyHash: 0, sessionHash: 0, ja4Hash: 0, modelCap: nil)
        }
        let f = FeatureExtractor(plans: PlanCatalog(), registry: .empty).features(for: AccountDayKey(accountID: "a", day: 0), state: state)
            .features
        #expect(f["top_ip_share"] == .number(1.0 / 99))
        #expect((f["distinct_ips"]?.number ?? 0) <= 99)
    }
}

@Suite struct ModelCapTests {
    /// max_tokens at the model's cap (rules/plans.yaml) counts; an unknown model does not.
    @Test func capShareUsesThePlanCatalog() {
        var interner = StringInterner()
        var events: [RequestEvent] = []
        for (model, maxTokens) in [("claude-opus-4", 32000), ("claude-opus-4", 1000), ("mystery", 99999), ("claude-opus-4", 32000)] {
            var e = RequestEvent()
            e.account = interner.intern("a")
            e.model = interner.intern(model)
            e.maxTokens = Int64(maxTokens)
            events.append(e)
        }
        var acc = FeatureAccumulator(plans: PlanCatalog(outputCaps: ["claude-opus-4": 32000]))
        acc.add(events, arena: [], interner: interner)
        let state = acc.export(interner: interner).values.first!
        #expect(state.capKnown == 3)
        #expect(state.atCap == 2)
    }
}
