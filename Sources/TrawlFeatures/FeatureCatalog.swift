import TrawlModel

/// What kind of value a feature holds.
public enum FeatureKind: String, Sendable, Codable {
    case number, flag, text
}

/// What a feature describes: one account over one UTC day, or one cluster of linked accounts.
public enum FeatureScope: String, Sendable, Codable {
    case account, cluster
}

/// A named feature: the single table behind `trawl features`, the rule compiler's list of
/// known names and the case store's columns.
public struct FeatureDefinition: Sendable {
    public let name: String
    public let kind: FeatureKind
    public let unit: String
    public let window: String
    public let meaning: String
    /// Account features are read by `scope: account` rules, cluster features by `scope: cluster` ones.
    public let scope: FeatureScope

    public init(
        _ name: String, _ kind: FeatureKind, unit: String, window: String = "account, UTC day", scope: FeatureScope = .account,
        _ meaning: String
    ) {
        self.name = name
        self.kind = kind
        self.unit = unit
        self.window = window
        self.scope = scope
        self.meaning = meaning
    }

    /// A feature of a cluster of linked accounts, over the whole input.
    static func cluster(_ name: String, unit: String, _ meaning: String) -> FeatureDefinition {
        FeatureDefinition(name, .number, unit: unit, window: "cluster, whole input", scope: .cluster, meaning)
    }
}

/// A feature's value. A feature that cannot be computed is `nil` ("unknown"), never zero.
public enum FeatureValue: Sendable, Equatable, Hashable, Codable, CustomStringConvertible {
    case number(Double)
    case flag(Bool)
    case text(String)

    public var description: String {
        switch self {
        case .number(let v):
            if v == v.rounded() && abs(v) < 1e15 { return String(Int64(v)) }
            return String(format3(v))
        case .flag(let b): return b ? "true" : "false"
        case .text(let s): return s
        }
    }

    public var number: Double? {
        if case .number(let v) = self { return v }
        return nil
    }

    /// Decodes a bare JSON value: `true`/`false` is a flag, a number a number, a string text.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let b = try? c.decode(Bool.self) {
            self = .flag(b)
        } else if let d = try? c.decode(Double.self) {
            self = .number(d)
        } else {
            self = .text(try c.decode(String.self))
        }
    }

    /// Encodes as a bare JSON value (`12`, `true`, `"pro"`), as feature values appear in
    /// the case store, case files and `--json` output.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .number(let v): try c.encode(v)
        case .flag(let b): try c.encode(b)
        case .text(let s): try c.encode(s)
        }
    }
}

@usableFromInline func format3(_ v: Double) -> String {
    let scaled = (v * 1000).rounded() / 1000
    return "\(scaled)"
}

/// The feature table. Order is the index used by `FeatureVector`.
public enum FeatureCatalog {
    public static let all: [FeatureDefinition] = [
        // Volume
        .init("requests", .number, unit: "requests", "API requests billed to the account."),
        .init("input_tokens", .number, unit: "tokens", "Sum of input_tokens; unknown when no request reported it."),
        .init("output_tokens", .number, unit: "tokens", "Sum of output_tokens; unknown when no request reported it."),
        .init("cache_read_tokens", .number, unit: "tokens", "Sum of cache_read_tokens; unknown when no request reported it."),
        .init("output_input_ratio", .number, unit: "ratio", "output_tokens / input_tokens over requests reporting both."),
        // Spread: where and with what the account is used
        .init(
            "distinct_ips", .number, unit: "addresses", "Distinct client IP addresses (exact up to 64, then HyperLogLog, about 1.6% error)."
        ),
        .init("distinct_networks", .number, unit: "networks", "Distinct client /24 (IPv4) and /48 (IPv6) networks."),
        .init("distinct_user_agents", .number, unit: "user agents", "Distinct User-Agent strings; unknown when none reported."),
        .init("distinct_api_keys", .number, unit: "keys", "Distinct api_key_id values; unknown when none reported."),
        .init("distinct_sessions", .number, unit: "sessions", "Distinct session_id values; unknown when none reported."),
        .init("distinct_ja4", .number, unit: "fingerprints", "Distinct JA4 TLS fingerprints; unknown when none reported."),
        .init("requests_per_ip", .number, unit: "requests/address", "requests / distinct_ips."),
        .init("top_ip_share", .number, unit: "share 0-1", "Share of requests from the account's most used IP address."),
        .init(
            "ip_churn", .number, unit: "new addresses per 100 requests",
            "100 × distinct_ips / requests: how often a request comes from an address the account had not used that day."),
        .init(
            "median_ip_lifetime_minutes", .number, unit: "minutes",
            "Median time between an address's first and last request, over a uniform sample of 32 of the day's addresses."),
        // Where from: needs GeoIP data (--geoip); unknown without it
        .init("distinct_countries", .number, unit: "countries", "Distinct countries of the client addresses (needs --geoip)."),
        .init(
            "distinct_asns", .number, unit: "networks", "Distinct autonomous systems (ASNs) of the client addresses (needs --geoip)."),
        .init(
            "asn_entropy", .number, unit: "bits",
            "Shannon entropy of requests over ASNs (exact up to 32 ASNs, the rest spread evenly)."),
        .init(
            "residential_proxy_share", .number, unit: "share 0-1",
            "Share of requests from addresses an anonymity database lists as residential proxies, over requests it covers."),
        .init(
            "vpn_share", .number, unit: "share 0-1",
            "Share of requests from anonymous-VPN addresses, over requests an anonymity database covers."),
        .init(
            "hosting_share", .number, unit: "share 0-1",
            "Share of requests from hosting or cloud addresses, over requests an anonymity database covers."),
        .init(
            "tor_share", .number, unit: "share 0-1", "Share of requests from Tor exit nodes, over requests an anonymity database covers."),
        .init(
            "impossible_travel_count", .number, unit: "jumps",
            "Consecutive located requests further apart than a 1000 km/h flight allows, after subtracting both accuracy radii (earliest and latest request of each 5-minute slot; at least 1 minute between requests)."
        ),
        .init(
            "max_travel_speed_kmh", .number, unit: "km/h",
            "Highest implied speed among the impossible-travel jumps (0 when there is none)."),
        .init(
            "tunnel_share", .number, unit: "share 0-1",
            "Share of requests joined to a captured connection (--pcap) whose SYN's MSS shows tunnel, VPN or PPPoE overhead; unknown when none joined."
        ),
        .init(
            "syn_os_mismatch_share", .number, unit: "share 0-1",
            "Share of joined requests (--pcap) whose SYN's OS family (rules/tcp_signatures.yaml) cannot be the one the User-Agent names, e.g. a Linux server's SYN under a Windows browser; over requests where both name one."
        ),
        .init(
            "tls_ua_mismatch_share", .number, unit: "share 0-1",
            "Share of requests whose TLS stack (the log's ja4, else the joined connection's; rules/tls_stacks.yaml) is not one their User-Agent's kind of client uses, e.g. a browser's User-Agent over Python's TLS; over requests with a known stack (a User-Agent the table does not classify contradicts nothing); unknown when no request has a known stack."
        ),
        .init(
            "relay_stack_share", .number, unit: "share 0-1",
            "Share of requests, over the same requests as tls_ua_mismatch_share, whose stack contradicts the User-Agent, is a server-side or script stack (relay: true: Python, Node.js, Go, Java, OpenSSL, GnuTLS) and whose User-Agent claims an interactive client (interactive: true: a browser, an app, or a CLI that ships its own stack such as Claude Code): a relay speaking for a person's client."
        ),
        .init(
            "allowlisted_share", .number, unit: "share 0-1",
            "Share of requests from networks named by an allowlist (rules/allowlists.yaml); unknown when no allowlist is loaded."),
        .init(
            "locale_mismatch_share", .number, unit: "share 0-1",
            "Share of requests whose client_timezone is more than 3 h from the address's time zone, or whose non-English Accept-Language region names another country, over requests where either could be compared."
        ),
        // Time: how the account is used across the day
        .init("active_hours", .number, unit: "hours", "UTC hours of the day with at least one request (0-24)."),
        .init("hour_entropy", .number, unit: "bits", "Shannon entropy of the hour-of-day histogram (0 to log2 24 = 4.58)."),
        .init("longest_idle_gap_hours", .number, unit: "hours", "Longest run of minutes without a request, wrapping midnight, in hours."),
        .init(
            "peak_concurrency", .number, unit: "requests in flight",
            "Mean requests in flight in the busiest UTC minute (overlap of [ts, ts+latency_ms]); unknown without latency_ms."),
        // Plan use
        .init(
            "plan_window_saturation", .number, unit: "share of limit",
            "Highest token use in a 5-hour UTC window divided by the plan's window limit (rules/plans.yaml); unknown without plan or tokens."
        ),
        .init(
            "rate_limited_share", .number, unit: "share 0-1",
            "Share of requests refused for a usage limit; unknown when rate_limited is never reported."),
        // Request shape
        .init("single_turn_share", .number, unit: "share 0-1", "Share of requests with turns = 1, over requests reporting turns."),
        .init(
            "thinking_share", .number, unit: "share 0-1",
            "Share of requests asking for extended reasoning, over requests reporting thinking."),
        .init(
            "max_tokens_at_cap_share", .number, unit: "share 0-1",
            "Share of requests whose max_tokens is at the model's output cap (rules/plans.yaml), over requests reporting both."),
        .init(
            "fixed_temperature_share", .number, unit: "share 0-1",
            "Share of requests reporting temperature that use the account-day's most used value (rounded to 0.1, 0 to 2); unknown when none reports it."
        ),
        .init("plan", .text, unit: "tier", "Subscription tier: the registry's plan, else the most recent plan in the log."),
        // Prompts (distillation): need prompt, system_prompt or prompt_simhash; unknown without
        .init(
            "prompts_analysed", .number, unit: "prompts",
            "Requests with a prompt: with text, or with prompt_simhash alone when the line has no text."),
        .init(
            "templated_share", .number, unit: "share 0-1",
            "Share of the account-day's prompts in one of its top templates, estimated on a uniform sample of 48 prompts (exact below 48): for prompts with text, a template is the skeleton's first 5 words, or its last 5 (the larger share counts), and the top templates are the 8 most frequent with at least 3 sampled prompts; for lines with only prompt_simhash, a prompt is templated when at least 2 other sampled hashes are within 16 bits of it."
        ),
        .init(
            "template_count", .number, unit: "templates",
            "Distinct templates (skeleton openings) among the sampled prompts with text (up to 48)."),
        .init(
            "prompts_per_template", .number, unit: "prompts/template",
            "Sampled prompts with text per distinct template (1 to 48): high when a few fixed templates carry many prompts with different items filled in (structural uniformity with topical spread); unknown without text."
        ),
        .init(
            "task_concentration", .number, unit: "share 0-1",
            "Share of the sampled prompts in the single most frequent template (by opening words; without text, the most hashes within 16 bits of one)."
        ),
        .init(
            "reasoning_coercion_share", .number, unit: "share 0-1",
            "Share of the sampled prompts with text (up to 48; exact below) whose prompt or system prompt matches the reasoning_coercion lexicon (rules/lexicons/); unknown without text or lexicon."
        ),
        .init(
            "dataset_generation_share", .number, unit: "share 0-1",
            "Share of the sampled prompts with text (up to 48; exact below) whose prompt or system prompt matches the dataset_generation lexicon (rules/lexicons/); unknown without text or lexicon."
        ),
        .init(
            "distinct_system_prompts", .number, unit: "system prompts",
            "Distinct system_prompt texts; unknown when no request has one."),
        .init(
            "new_model_rush_share", .number, unit: "share 0-1", window: "account, UTC day; launches over the whole input",
            "Share of the day's requests (naming a model) sent to a newly seen model within 24 h (to the hour) of its first request anywhere in the input; a model is new when it first appears at least 24 h after the input begins. Unknown when no model is new."
        ),
        .init(
            "template_sharing_accounts", .number, unit: "accounts", window: "all accounts, whole input",
            "Most accounts of other organisations (accounts without org_id count alone) that have one of this account-day's top templates among their own top templates, over the whole input; unknown without top templates."
        ),
        // Registry
        .init(
            "account_age_days", .number, unit: "days", window: "account, at the end of the UTC day",
            "Days from created_at to the end of the day analysed."),
        .init(
            "payment_fingerprint_accounts", .number, unit: "accounts", window: "registry",
            "Accounts in the registry sharing this account's payment fingerprint (1 = not shared)."),
        .init(
            "disposable_email", .flag, unit: "flag", window: "registry",
            "email_domain is on the disposable-domain list (rules/disposable_domains.yaml)."),
        .init("phone_billing_mismatch", .flag, unit: "flag", window: "registry", "phone_country differs from billing_country."),
        .init("kyc_status", .text, unit: "status", window: "registry", "none, passed, failed or manual."),
        .init(
            "signup_billing_country_mismatch", .flag, unit: "flag", window: "registry",
            "The country of signup_ip (GeoIP) differs from billing_country."),
        .init(
            "signup_card_country_mismatch", .flag, unit: "flag", window: "registry",
            "The country of signup_ip (GeoIP) differs from card_country."),
        // Clusters of linked accounts (scope: cluster rules; see README "Reseller clusters")
        .cluster("cluster_size", unit: "accounts", "Accounts in the cluster."),
        .cluster("cluster_requests", unit: "requests", "Requests of all members over the input."),
        .cluster("cluster_tokens", unit: "tokens", "Input plus output tokens of all members over the input."),
        .cluster("cluster_flagged_accounts", unit: "accounts", "Members flagged on their own (on at least one day)."),
        .cluster("cluster_flagged_share", unit: "share 0-1", "cluster_flagged_accounts / cluster_size."),
        .cluster("cluster_mean_score", unit: "score 0-1", "Mean over members of each member's highest day score."),
        .cluster("cluster_max_score", unit: "score 0-1", "Highest day score of any member."),
        .cluster(
            "cluster_cohesion", unit: "share 0-1",
            "Share of member pairs linked directly (1: every member shares enough with every other)."),
        .cluster("cluster_link_bits", unit: "bits", "Mean evidence of the direct links between members (each capped, see LinkSettings)."),
        .cluster("cluster_shared_addresses", unit: "addresses", "Client addresses (sampled) used by at least two members."),
        .cluster("cluster_shared_networks", unit: "networks", "/24 and /48 networks (sampled) used by at least two members."),
        .cluster(
            "cluster_shared_coactivity", unit: "buckets",
            "(network, UTC hour) buckets (sampled) in which at least two members were active: loosely synchronised use of one network."
        ),
        .cluster(
            "cluster_shared_sessions", unit: "sessions",
            "Client session ids (sampled) seen on at least two members: a conversation moved between accounts."),
        .cluster(
            "cluster_shared_clients", unit: "fingerprints",
            "Client fingerprints (User-Agent with JA4) held by at least two members and by at most 32 accounts in all."),
        .cluster("cluster_shared_templates", unit: "templates", "Top prompt template keys held by at least two members."),
        .cluster("cluster_shared_cards", unit: "cards", "Payment fingerprints (registry) shared by at least two members."),
        .cluster(
            "cluster_shared_signups", unit: "addresses",
            "Signup addresses (registry) from which at least two members were opened."),
        .cluster(
            "cluster_signup_burst_share", unit: "share 0-1",
            "Largest share of members (with a known created_at) opened within one 24-hour window; unknown when fewer than two members have one."
        ),
        .cluster(
            "cluster_org_share", unit: "share 0-1",
            "Share of members whose org_id is the cluster's most common one (0 when no member names an organisation)."),
    ]

    private static let indexByName: [String: Int] = {
        var d: [String: Int] = [:]
        for (i, f) in all.enumerated() { d[f.name] = i }
        return d
    }()

    /// The index of a feature name, or `nil` when there is no such feature.
    public static func index(of name: String) -> Int? { indexByName[name] }

    public static func definition(_ name: String) -> FeatureDefinition? {
        index(of: name).map { all[$0] }
    }

    /// The features of one scope.
    public static func features(in scope: FeatureScope) -> [FeatureDefinition] { all.filter { $0.scope == scope } }
}

/// Values of every catalog feature for one account (and day); `nil` entries are unknown.
public struct FeatureVector: Sendable, Equatable, Codable {
    public var values: [FeatureValue?]

    public init() { values = Array(repeating: nil, count: FeatureCatalog.all.count) }

    public subscript(name: String) -> FeatureValue? {
        get { FeatureCatalog.index(of: name).flatMap { values[$0] } }
        set {
            guard let i = FeatureCatalog.index(of: name) else { preconditionFailure("unknown feature \(name)") }
            values[i] = newValue
        }
    }

    public subscript(index: Int) -> FeatureValue? {
        get { values[index] }
        set { values[index] = newValue }
    }

    /// Known values by name, for storage and explanations.
    public var named: [String: FeatureValue] {
        var d: [String: FeatureValue] = [:]
        for (i, v) in values.enumerated() { if let v { d[FeatureCatalog.all[i].name] = v } }
        return d
    }

    public init(named: [String: FeatureValue]) {
        self.init()
        for (k, v) in named { if let i = FeatureCatalog.index(of: k) { values[i] = v } }
    }
}

/// What an analyst can check behind an account's features: sample request ids and the
/// most used addresses and user agents with their request counts, and what case files
/// draw (activity by hour, countries, networks, address kinds, client fingerprints).
///
/// The optional fields are `nil` when nothing is known, and in days stored by an older
/// Trawl; lists hold at most 5 entries, most requests first.
public struct AccountEvidence: Sendable, Equatable, Codable {
    public var requestIDs: [String] = []
    /// The `session_id` of each request of `requestIDs` (`nil`: the line had none); `nil`
    /// when none of them had one.
    public var requestSessions: [String?]?
    public var topIPs: [CountedValue] = []
    public var topUserAgents: [CountedValue] = []
    /// Redacted, truncated prompt texts (`analyze --keep-samples N`); `nil` when none are kept,
    /// so that no prompt text reaches the case store unless asked for.
    public var promptSamples: [String]?
    public var firstSeen: Timestamp?
    public var lastSeen: Timestamp?
    /// Requests per UTC hour of the day: 24 counts, hour 0 first.
    public var hourly: [Int]?
    /// JA4 TLS fingerprints the log reported, with their requests.
    public var topJA4s: [CountedValue]?
    /// Countries (ISO 3166 alpha-2) of the client addresses, with their requests (needs GeoIP).
    public var topCountries: [CountedValue]?
    /// Autonomous systems (`AS64500`) of the client addresses, with their requests (needs GeoIP).
    public var topASNs: [CountedValue]?
    /// How enrichment classed the client addresses (needs GeoIP).
    public var addressKinds: AddressKindCounts?
    public init() {}

    /// Removes what only case files use (hourly counts, sessions, JA4s, countries, ASNs,
    /// address kinds), keeping what every stored day has: for accounts with no case.
    public mutating func removeCaseFileDetail() {
        requestSessions = nil
        hourly = nil
        topJA4s = nil
        topCountries = nil
        topASNs = nil
        addressKinds = nil
    }
}

/// Requests by what enrichment data says about their client address, over one account-day.
public struct AddressKindCounts: Sendable, Equatable, Codable {
    /// Requests whose address any database knew.
    public var known = 0
    /// Requests whose address an anonymity database covered (the next four are among them).
    public var anonymityCovered = 0
    public var residentialProxy = 0
    public var vpn = 0
    public var hosting = 0
    public var tor = 0
    /// Requests from networks an allowlist names.
    public var allowlisted = 0
    public init() {}
}

public struct CountedValue: Sendable, Equatable, Codable {
    public var value: String
    public var count: Int
    public init(_ value: String, _ count: Int) {
        self.value = value
        self.count = count
    }
}

/// The features of one account over one UTC day, with the evidence behind them.
public struct AccountDayFeatures: Sendable, Equatable {
    public var accountID: String
    public var day: Int32
    public var features: FeatureVector
    public var evidence: AccountEvidence

    public init(accountID: String, day: Int32, features: FeatureVector, evidence: AccountEvidence) {
        self.accountID = accountID
        self.day = day
        self.features = features
        self.evidence = evidence
    }
}
