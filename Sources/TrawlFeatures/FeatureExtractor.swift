import TrawlModel
import TrawlPrompts

#if canImport(Glibc)
    import Glibc
#endif

/// Registry facts shared by all accounts (e.g. how many accounts share a card).
public struct RegistryIndex: Sendable {
    public var accounts: [String: AccountRecord]
    public var accountsByPayment: [String: Int]

    public init(accounts: [String: AccountRecord]) {
        self.accounts = accounts
        var counts: [String: Int] = [:]
        for r in accounts.values { if let p = r.paymentFingerprint { counts[p, default: 0] += 1 } }
        accountsByPayment = counts
    }

    public static let empty = RegistryIndex(accounts: [:])
}

/// Turns an account-day's state (and registry record) into catalog features and evidence.
public struct FeatureExtractor: Sendable {
    public let plans: PlanCatalog
    public let registry: RegistryIndex
    /// Enrichment for registry addresses (signup_ip); `nil` when the run has no GeoIP data.
    public let enricher: (any AddressEnricher)?
    /// Who shares which template across the whole input (`template_sharing_accounts`).
    public var templateSharing = TemplateSharingIndex()
    /// When each model first appeared in the input (`new_model_rush_share`).
    public var modelLaunches = ModelLaunchIndex()
    /// JA4 texts by stable hash (the logs' and the captures'), for the evidence's top JA4s;
    /// a JA4 missing here shows as `ja4:` and its hash.
    public var ja4Names: [UInt64: String] = [:]
    /// Redacts and truncates kept prompt samples before they leave the state.
    public var redactor = Redactor(maxCharacters: 300)

    public init(plans: PlanCatalog, registry: RegistryIndex, enricher: (any AddressEnricher)? = nil) {
        self.plans = plans
        self.registry = registry
        self.enricher = enricher
    }

    /// - Parameter withEvidence: `false` leaves the evidence empty (a live run scores every
    ///   changed account each tick and needs the evidence only for those it alerts on).
    public func features(for key: AccountDayKey, state s: AccountDayState, withEvidence: Bool = true) -> AccountDayFeatures {
        var v = FeatureVector()
        func share(_ part: Int, _ whole: Int) -> FeatureValue? { whole > 0 ? .number(Double(part) / Double(whole)) : nil }

        v["requests"] = .number(Double(s.requests))
        if s.inputKnown > 0 { v["input_tokens"] = .number(Double(s.inputTokens)) }
        if s.outputKnown > 0 { v["output_tokens"] = .number(Double(s.outputTokens)) }
        if s.cacheKnown > 0 { v["cache_read_tokens"] = .number(Double(s.cacheReadTokens)) }
        if s.ratioInput > 0 { v["output_input_ratio"] = .number(Double(s.ratioOutput) / Double(s.ratioInput)) }

        // An estimate never exceeds the requests it was built from.
        let ips = max(1, min(s.ips.count, s.requests))
        v["distinct_ips"] = .number(Double(ips))
        v["distinct_networks"] = .number(Double(max(1, min(s.networks.count, ips))))
        if !s.userAgents.isEmpty { v["distinct_user_agents"] = .number(Double(s.userAgents.count)) }
        if !s.apiKeys.isEmpty { v["distinct_api_keys"] = .number(Double(s.apiKeys.count)) }
        if !s.sessions.isEmpty { v["distinct_sessions"] = .number(Double(s.sessions.count)) }
        if !s.ja4s.isEmpty { v["distinct_ja4"] = .number(Double(s.ja4s.count)) }
        v["requests_per_ip"] = .number(Double(s.requests) / Double(ips))
        // The top-k summary may have evicted every address of an evenly rotating account;
        // the most used address still served at least one request.
        v["top_ip_share"] = share(max(1, s.topIPs.maxCount), s.requests)
        v["ip_churn"] = .number(100 * Double(ips) / Double(max(1, s.requests)))
        if let lifetime = s.lifetimes.medianLifetimeMinutes { v["median_ip_lifetime_minutes"] = .number(lifetime) }
        if let g = s.geo {
            if !g.countries.isEmpty { v["distinct_countries"] = .number(Double(g.countries.count)) }
            if !g.asnCount.isEmpty { v["distinct_asns"] = .number(Double(g.asnCount.count)) }
            if let h = g.asnEntropy { v["asn_entropy"] = .number(h) }
            v["residential_proxy_share"] = share(g.residentialProxy, g.anonymityKnown)
            v["vpn_share"] = share(g.anonymousVPN, g.anonymityKnown)
            v["hosting_share"] = share(g.hosting, g.anonymityKnown)
            v["tor_share"] = share(g.tor, g.anonymityKnown)
            if !g.travel.isEmpty {
                let travel = g.travel.impossibleTravel
                v["impossible_travel_count"] = .number(Double(travel.count))
                v["max_travel_speed_kmh"] = .number(travel.worstKmh.rounded())
            }
            v["locale_mismatch_share"] = share(g.localeMismatch, g.localeChecked)
        }
        v["tunnel_share"] = share(s.tunneled, s.captured)
        v["syn_os_mismatch_share"] = share(s.osMismatch, s.osChecked)
        v["tls_ua_mismatch_share"] = share(s.stackMismatch, s.stackKnown)
        v["relay_stack_share"] = share(s.relayStack, s.stackKnown)
        if let enricher, enricher.hasAllowlists { v["allowlisted_share"] = share(s.geo?.allowlisted ?? 0, s.requests) }

        let active = s.hourHistogram.elements.filter { $0 > 0 }.count
        v["active_hours"] = .number(Double(active))
        v["hour_entropy"] = .number(Self.entropy(s.hourHistogram.elements))
        v["longest_idle_gap_hours"] = .number(Double(Self.longestIdleMinutes(s.activeMinutes.elements)) / 60)
        if s.latencyKnown > 0 {
            let busiest = s.busyMillis.busiest
            v["peak_concurrency"] = .number(Double(busiest) / 60_000)
        }

        let record = registry.accounts[key.accountID]
        let plan = record?.plan ?? s.plan
        if let plan { v["plan"] = .text(plan) }
        if let plan, let limit = plans.windowTokens[plan], limit > 0, s.tokensKnown > 0 {
            v["plan_window_saturation"] = .number(Double(s.windowTokens.elements.max() ?? 0) / Double(limit))
        }
        v["rate_limited_share"] = share(s.rateLimited, s.rateLimitedKnown)
        v["single_turn_share"] = share(s.singleTurn, s.turnsKnown)
        v["thinking_share"] = share(s.thinking, s.thinkingKnown)
        v["max_tokens_at_cap_share"] = share(s.atCap, s.capKnown)
        v["fixed_temperature_share"] = share(Int(s.temperatureTenths.max() ?? 0), s.temperatureKnown)
        if let rush = modelLaunches.rushShare(s, day: key.day) { v["new_model_rush_share"] = .number(rush) }
        if let p = s.prompts {
            let analysed = p.textPrompts + p.hashPrompts
            let t = p.analysis
            if analysed > 0 {
                v["prompts_analysed"] = .number(Double(analysed))
                let templated = (t.textShare ?? 0) * Double(p.textPrompts) + (t.hashShare ?? 0) * Double(p.hashPrompts)
                v["templated_share"] = .number(templated / Double(analysed))
            }
            let sampled = p.sampledTemplates
            if sampled.prompts > 0 {
                v["template_count"] = .number(Double(sampled.templates))
                v["prompts_per_template"] = .number(Double(sampled.prompts) / Double(sampled.templates))
            }
            if let top = t.topShare { v["task_concentration"] = .number(top) }
            if p.lexiconsKnown {
                let l = p.lexiconCounts
                v["reasoning_coercion_share"] = share(l.coercion, l.sampled)
                v["dataset_generation_share"] = share(l.dataset, l.sampled)
            }
            if p.systemPrompts > 0 { v["distinct_system_prompts"] = .number(Double(p.systemSketch.count)) }
            if !t.keys.isEmpty {
                v["template_sharing_accounts"] = .number(
                    Double(templateSharing.otherAccounts(sharing: t.keys, accountID: key.accountID, orgHash: s.orgHash)))
            }
        }

        if let record {
            if let created = record.createdAt {
                let endOfDay = (Int64(key.day) + 1) * TimestampParser.millisPerDay
                v["account_age_days"] = .number(max(0, Double(endOfDay - created) / Double(TimestampParser.millisPerDay)))
            }
            if let fp = record.paymentFingerprint {
                v["payment_fingerprint_accounts"] = .number(Double(registry.accountsByPayment[fp] ?? 1))
            }
            if let domain = record.emailDomain { v["disposable_email"] = .flag(plans.disposableDomains.contains(domain)) }
            if let phone = record.phoneCountry, let billing = record.billingCountry {
                v["phone_billing_mismatch"] = .flag(phone != billing)
            }
            if let kyc = record.kycStatus { v["kyc_status"] = .text(kyc) }
            if let enricher, let ip = record.signupIP {
                let country = enricher.facts(for: ip).country
                if country != 0 {
                    if let billing = record.billingCountry {
                        v["signup_billing_country_mismatch"] = .flag(AddressFacts.countryCode(billing) != country)
                    }
                    if let card = record.cardCountry {
                        v["signup_card_country_mismatch"] = .flag(AddressFacts.countryCode(card) != country)
                    }
                }
            }
        }

        var evidence = AccountEvidence()
        guard withEvidence else { return AccountDayFeatures(accountID: key.accountID, day: key.day, features: v, evidence: evidence) }
        evidence.requestIDs = s.samples.map(\.requestID)
        if s.samples.contains(where: { $0.sessionID != nil }) { evidence.requestSessions = s.samples.map(\.sessionID) }
        evidence.topIPs = s.topIPs.pairs.sorted { ($0.count, $1.key) > ($1.count, $0.key) }.prefix(5)
            .map { CountedValue($0.key.description, $0.count) }
        evidence.topUserAgents = Self.top(s.topUserAgents) { $0 }
        evidence.hourly = s.hourHistogram.elements.map(Int.init)
        if !s.topJA4s.pairs.isEmpty {
            evidence.topJA4s = Self.top(s.topJA4s) { ja4Names[$0] ?? "ja4:" + String($0, radix: 16) }
        }
        if let g = s.geo {
            let countries = Self.top(g.countryRequests) { AddressFacts.countryText($0) ?? "??" }
            if !countries.isEmpty { evidence.topCountries = countries }
            let asns = Self.top(g.asns) { "AS\($0)" }
            if !asns.isEmpty { evidence.topASNs = asns }
            var kinds = AddressKindCounts()
            kinds.known = g.known
            kinds.anonymityCovered = g.anonymityKnown
            kinds.residentialProxy = g.residentialProxy
            kinds.vpn = g.anonymousVPN
            kinds.hosting = g.hosting
            kinds.tor = g.tor
            kinds.allowlisted = g.allowlisted
            evidence.addressKinds = kinds
        }
        if let p = s.prompts, !p.samples.isEmpty { evidence.promptSamples = p.samples.map { redactor.redact($0.text) } }
        evidence.firstSeen = s.firstSeen == .max ? nil : s.firstSeen
        evidence.lastSeen = s.lastSeen == .min ? nil : s.lastSeen
        return AccountDayFeatures(accountID: key.accountID, day: key.day, features: v, evidence: evidence)
    }

    /// The 5 keys with the most requests, as text, most first (ties: smaller key first).
    static func top<Key: Comparable & Hashable & Sendable>(_ counter: TopKCounter<Key>, _ text: (Key) -> String) -> [CountedValue] {
        counter.pairs.sorted { ($0.count, $1.key) > ($1.count, $0.key) }.prefix(5).map { CountedValue(text($0.key), $0.count) }
    }

    /// Shannon entropy in bits of a histogram.
    public static func entropy(_ histogram: [UInt32]) -> Double {
        let total = Double(histogram.reduce(0) { $0 + UInt64($1) })
        guard total > 0 else { return 0 }
        var h = 0.0
        for c in histogram where c > 0 {
            let p = Double(c) / total
            h -= p * log2(p)
        }
        return h
    }

    /// The longest run of inactive minutes, wrapping around midnight (1440 when idle all day).
    ///
    /// Works a 64-minute word at a time: idle words extend the run whole, and only words
    /// with activity are walked bit by bit.
    public static func longestIdleMinutes(_ bits: [UInt64]) -> Int {
        var best = 0, run = 0, leading = -1
        for (w, word) in bits.enumerated() {
            let width = min(64, 1440 - w * 64)
            let mask: UInt64 = width == 64 ? .max : (1 << UInt64(width)) - 1
            let active = word & mask
            if active == 0 {
                run += width
                continue
            }
            var rest = active
            var position = 0
            while rest != 0 {
                let gap = rest.trailingZeroBitCount
                run += gap
                if leading < 0 { leading = run }
                best = max(best, run)
                run = 0
                rest >>= UInt64(gap + 1)
                position += gap + 1
            }
            run = width - position
        }
        if leading < 0 { return 1440 }
        return max(best, run + leading)  // the run at the end joins the one at the start
    }
}
