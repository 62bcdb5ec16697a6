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

        v[F.requests] = .number(Double(s.requests))
        if s.inputKnown > 0 { v[F.inputTokens] = .number(Double(s.inputTokens)) }
        if s.outputKnown > 0 { v[F.outputTokens] = .number(Double(s.outputTokens)) }
        if s.cacheKnown > 0 { v[F.cacheReadTokens] = .number(Double(s.cacheReadTokens)) }
        if s.ratioInput > 0 { v[F.outputInputRatio] = .number(Double(s.ratioOutput) / Double(s.ratioInput)) }

        // An estimate never exceeds the requests it was built from.
        let ips = max(1, min(s.ips.count, s.requests))
        v[F.distinctIps] = .number(Double(ips))
        v[F.distinctNetworks] = .number(Double(max(1, min(s.networks.count, ips))))
        if !s.userAgents.isEmpty { v[F.distinctUserAgents] = .number(Double(s.userAgents.count)) }
        if !s.apiKeys.isEmpty { v[F.distinctApiKeys] = .number(Double(s.apiKeys.count)) }
        if !s.sessions.isEmpty { v[F.distinctSessions] = .number(Double(s.sessions.count)) }
        if !s.ja4s.isEmpty { v[F.distinctJa4] = .number(Double(s.ja4s.count)) }
        v[F.requestsPerIp] = .number(Double(s.requests) / Double(ips))
        // The top-k summary may have evicted every address of an evenly rotating account;
        // the most used address still served at least one request.
        v[F.topIpShare] = share(max(1, s.topIPs.maxCount), s.requests)
        v[F.ipChurn] = .number(100 * Double(ips) / Double(max(1, s.requests)))
        if let lifetime = s.lifetimes.medianLifetimeMinutes { v[F.medianIpLifetimeMinutes] = .number(lifetime) }
        if let g = s.geo {
            if !g.countries.isEmpty { v[F.distinctCountries] = .number(Double(g.countries.count)) }
            if !g.asnCount.isEmpty { v[F.distinctAsns] = .number(Double(g.asnCount.count)) }
            if let h = g.asnEntropy { v[F.asnEntropy] = .number(h) }
            v[F.residentialProxyShare] = share(g.residentialProxy, g.anonymityKnown)
            v[F.vpnShare] = share(g.anonymousVPN, g.anonymityKnown)
            v[F.hostingShare] = share(g.hosting, g.anonymityKnown)
            v[F.torShare] = share(g.tor, g.anonymityKnown)
            if !g.travel.isEmpty {
                let travel = g.travel.impossibleTravel
                v[F.impossibleTravelCount] = .number(Double(travel.count))
                v[F.maxTravelSpeedKmh] = .number(travel.worstKmh.rounded())
            }
            v[F.localeMismatchShare] = share(g.localeMismatch, g.localeChecked)
        }
        v[F.tunnelShare] = share(s.tunneled, s.captured)
        v[F.synOsMismatchShare] = share(s.osMismatch, s.osChecked)
        v[F.tlsUaMismatchShare] = share(s.stackMismatch, s.stackKnown)
        v[F.relayStackShare] = share(s.relayStack, s.stackKnown)
        if let enricher, enricher.hasAllowlists { v[F.allowlistedShare] = share(s.geo?.allowlisted ?? 0, s.requests) }

        let active = s.hourHistogram.elements.filter { $0 > 0 }.count
        v[F.activeHours] = .number(Double(active))
        v[F.hourEntropy] = .number(Self.entropy(s.hourHistogram.elements))
        v[F.longestIdleGapHours] = .number(Double(Self.longestIdleMinutes(s.activeMinutes.elements)) / 60)
        if s.latencyKnown > 0 {
            let busiest = s.busyMillis.busiest
            v[F.peakConcurrency] = .number(Double(busiest) / 60_000)
        }

        let record = registry.accounts[key.accountID]
        let plan = record?.plan ?? s.plan
        if let plan { v[F.plan] = .text(plan) }
        if let plan, let limit = plans.windowTokens[plan], limit > 0, s.tokensKnown > 0 {
            v[F.planWindowSaturation] = .number(Double(s.windowTokens.elements.max() ?? 0) / Double(limit))
        }
        v[F.rateLimitedShare] = share(s.rateLimited, s.rateLimitedKnown)
        v[F.singleTurnShare] = share(s.singleTurn, s.turnsKnown)
        v[F.thinkingShare] = share(s.thinking, s.thinkingKnown)
        v[F.maxTokensAtCapShare] = share(s.atCap, s.capKnown)
        v[F.fixedTemperatureShare] = share(Int(s.temperatureTenths.max() ?? 0), s.temperatureKnown)
        if let rush = modelLaunches.rushShare(s, day: key.day) { v[F.newModelRushShare] = .number(rush) }
        if let p = s.prompts {
            let analysed = p.textPrompts + p.hashPrompts
            let t = p.analysis
            if analysed > 0 {
                v[F.promptsAnalysed] = .number(Double(analysed))
                let templated = (t.textShare ?? 0) * Double(p.textPrompts) + (t.hashShare ?? 0) * Double(p.hashPrompts)
                v[F.templatedShare] = .number(templated / Double(analysed))
            }
            let sampled = p.sampledTemplates
            if sampled.prompts > 0 {
                v[F.templateCount] = .number(Double(sampled.templates))
                v[F.promptsPerTemplate] = .number(Double(sampled.prompts) / Double(sampled.templates))
            }
            if let top = t.topShare { v[F.taskConcentration] = .number(top) }
            if p.lexiconsKnown {
                let l = p.lexiconCounts
                v[F.reasoningCoercionShare] = share(l.coercion, l.sampled)
                v[F.datasetGenerationShare] = share(l.dataset, l.sampled)
            }
            if p.systemPrompts > 0 { v[F.distinctSystemPrompts] = .number(Double(p.systemSketch.count)) }
            if !t.keys.isEmpty {
                v[F.templateSharingAccounts] = .number(
                    Double(templateSharing.otherAccounts(sharing: t.keys, accountID: key.accountID, orgHash: s.orgHash)))
            }
        }

        if let record {
            if let created = record.createdAt {
                let endOfDay = (Int64(key.day) + 1) * TimestampParser.millisPerDay
                v[F.accountAgeDays] = .number(max(0, Double(endOfDay - created) / Double(TimestampParser.millisPerDay)))
            }
            if let fp = record.paymentFingerprint {
                v[F.paymentFingerprintAccounts] = .number(Double(registry.accountsByPayment[fp] ?? 1))
            }
            if let domain = record.emailDomain { v[F.disposableEmail] = .flag(plans.disposableDomains.contains(domain)) }
            if let phone = record.phoneCountry, let billing = record.billingCountry {
                v[F.phoneBillingMismatch] = .flag(phone != billing)
            }
            if let kyc = record.kycStatus { v[F.kycStatus] = .text(kyc) }
            if let enricher, let ip = record.signupIP {
                let country = enricher.facts(for: ip).country
                if country != 0 {
                    if let billing = record.billingCountry {
                        v[F.signupBillingCountryMismatch] = .flag(AddressFacts.countryCode(billing) != country)
                    }
                    if let card = record.cardCountry {
                        v[F.signupCardCountryMismatch] = .flag(AddressFacts.countryCode(card) != country)
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

/// The extractor's features by catalog index, looked up once: setting its 58 features by
/// name hashed 58 strings for every account window scored (5% of a live run's analysis thread).
private enum F {
    static let requests = FeatureCatalog.index(of: "requests")!
    static let inputTokens = FeatureCatalog.index(of: "input_tokens")!
    static let outputTokens = FeatureCatalog.index(of: "output_tokens")!
    static let cacheReadTokens = FeatureCatalog.index(of: "cache_read_tokens")!
    static let outputInputRatio = FeatureCatalog.index(of: "output_input_ratio")!
    static let distinctIps = FeatureCatalog.index(of: "distinct_ips")!
    static let distinctNetworks = FeatureCatalog.index(of: "distinct_networks")!
    static let distinctUserAgents = FeatureCatalog.index(of: "distinct_user_agents")!
    static let distinctApiKeys = FeatureCatalog.index(of: "distinct_api_keys")!
    static let distinctSessions = FeatureCatalog.index(of: "distinct_sessions")!
    static let distinctJa4 = FeatureCatalog.index(of: "distinct_ja4")!
    static let requestsPerIp = FeatureCatalog.index(of: "requests_per_ip")!
    static let topIpShare = FeatureCatalog.index(of: "top_ip_share")!
    static let ipChurn = FeatureCatalog.index(of: "ip_churn")!
    static let medianIpLifetimeMinutes = FeatureCatalog.index(of: "median_ip_lifetime_minutes")!
    static let distinctCountries = FeatureCatalog.index(of: "distinct_countries")!
    static let distinctAsns = FeatureCatalog.index(of: "distinct_asns")!
    static let asnEntropy = FeatureCatalog.index(of: "asn_entropy")!
    static let residentialProxyShare = FeatureCatalog.index(of: "residential_proxy_share")!
    static let vpnShare = FeatureCatalog.index(of: "vpn_share")!
    static let hostingShare = FeatureCatalog.index(of: "hosting_share")!
    static let torShare = FeatureCatalog.index(of: "tor_share")!
    static let impossibleTravelCount = FeatureCatalog.index(of: "impossible_travel_count")!
    static let maxTravelSpeedKmh = FeatureCatalog.index(of: "max_travel_speed_kmh")!
    static let localeMismatchShare = FeatureCatalog.index(of: "locale_mismatch_share")!
    static let tunnelShare = FeatureCatalog.index(of: "tunnel_share")!
    static let synOsMismatchShare = FeatureCatalog.index(of: "syn_os_mismatch_share")!
    static let tlsUaMismatchShare = FeatureCatalog.index(of: "tls_ua_mismatch_share")!
    static let relayStackShare = FeatureCatalog.index(of: "relay_stack_share")!
    static let allowlistedShare = FeatureCatalog.index(of: "allowlisted_share")!
    static let activeHours = FeatureCatalog.index(of: "active_hours")!
    static let hourEntropy = FeatureCatalog.index(of: "hour_entropy")!
    static let longestIdleGapHours = FeatureCatalog.index(of: "longest_idle_gap_hours")!
    static let peakConcurrency = FeatureCatalog.index(of: "peak_concurrency")!
    static let plan = FeatureCatalog.index(of: "plan")!
    static let planWindowSaturation = FeatureCatalog.index(of: "plan_window_saturation")!
    static let rateLimitedShare = FeatureCatalog.index(of: "rate_limited_share")!
    static let singleTurnShare = FeatureCatalog.index(of: "single_turn_share")!
    static let thinkingShare = FeatureCatalog.index(of: "thinking_share")!
    static let maxTokensAtCapShare = FeatureCatalog.index(of: "max_tokens_at_cap_share")!
    static let fixedTemperatureShare = FeatureCatalog.index(of: "fixed_temperature_share")!
    static let newModelRushShare = FeatureCatalog.index(of: "new_model_rush_share")!
    static let promptsAnalysed = FeatureCatalog.index(of: "prompts_analysed")!
    static let templatedShare = FeatureCatalog.index(of: "templated_share")!
    static let templateCount = FeatureCatalog.index(of: "template_count")!
    static let promptsPerTemplate = FeatureCatalog.index(of: "prompts_per_template")!
    static let taskConcentration = FeatureCatalog.index(of: "task_concentration")!
    static let reasoningCoercionShare = FeatureCatalog.index(of: "reasoning_coercion_share")!
    static let datasetGenerationShare = FeatureCatalog.index(of: "dataset_generation_share")!
    static let distinctSystemPrompts = FeatureCatalog.index(of: "distinct_system_prompts")!
    static let templateSharingAccounts = FeatureCatalog.index(of: "template_sharing_accounts")!
    static let accountAgeDays = FeatureCatalog.index(of: "account_age_days")!
    static let paymentFingerprintAccounts = FeatureCatalog.index(of: "payment_fingerprint_accounts")!
    static let disposableEmail = FeatureCatalog.index(of: "disposable_email")!
    static let phoneBillingMismatch = FeatureCatalog.index(of: "phone_billing_mismatch")!
    static let kycStatus = FeatureCatalog.index(of: "kyc_status")!
    static let signupBillingCountryMismatch = FeatureCatalog.index(of: "signup_billing_country_mismatch")!
    static let signupCardCountryMismatch = FeatureCatalog.index(of: "signup_card_country_mismatch")!
}
