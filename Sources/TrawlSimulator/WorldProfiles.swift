import TrawlModel

/// When in the (local) day an account is active.
enum Rhythm: UInt8, Sendable {
    /// A person: asleep for 6–9 h, otherwise active with a daytime or an evening peak.
    case personal
    /// Office hours on weekdays.
    case office
    /// Late mornings to after midnight, weekends too.
    case student
    /// Around the clock with a mild swing (resellers' customers).
    case always
    /// Around the clock except a daily 4–6 h idle gap (evasive resellers).
    case gapped
    /// Flat around the clock (batch jobs, distillation runs).
    case flat
}

/// A customer of a reseller: the client and locale its requests carry.
struct Customer: Sendable {
    let client: Int16
    let lang: Int16
    let zone: Int16
}

/// Registry facts for `accounts.jsonl` (inputs.md §2); `nil` fields are left out.
struct RegistryRecord: Sendable {
    var createdAt: Int64 = 0
    var signupIP: IPAddress?
    var signupClient: Int16 = -1
    var emailDomain: String?
    var phoneCountry: String?
    var payment: UInt64 = 0
    var cardCountry: String?
    var billingCountry: String?
    var kyc: String?
}

/// An organisation whose members share egress addresses: an office, a university, a team.
struct OrgProfile: Sendable {
    let id: [UInt8]
    let country: Int
    let zone: Int16
    let egress: [IPAddress]
    let domain: String
    /// `teamLibrary` template indices of the organisation's shared prompt library (empty: none).
    var library: [Int] = []
    /// The company card paying for every member account (0: each pays its own).
    var payment: UInt64 = 0
}

/// An abusive operator: the accounts it controls and the infrastructure they share.
struct OperatorProfile: Sendable {
    let name: String
    let population: Population
    var members: [Int] = []
    /// Residential-proxy exits shared by all members.
    var proxyPool: [IPAddress] = []
    /// Datacenter addresses of the operator's own servers.
    var farm: [IPAddress] = []
    var customers: [Customer] = []
    /// Client stacks the operator's relay or scripts present.
    var clients: [Int16] = []
    /// `distillFixed` template indices (fixed-template operators).
    var templates: [Int] = []
    var temperature: Int = 100
    var system: Int16 = -1
    var model: Model = .sonnet
    /// Share of customer sessions that keep one proxy exit (the rest rotate per request).
    var sticky: Double = 0.5
    var zone: Int16 = 0
    var lang: Int16 = 0
    /// Hours of the day (UTC) a scheduled run is active; 24 = always.
    var runHours: Int = 24
    var runStart: Int = 0
    var cards: [UInt64] = []
    /// When the operator opened its accounts: 1–3 signup sessions before the world begins.
    var bursts: [Int64] = []
    /// The address each signup session ran from (one per burst): a signup script runs on
    /// one machine, or through one sticky exit, for a whole burst.
    var signupHosts: [IPAddress] = []
    let seed: UInt64
}

/// Everything fixed about an account for the whole world.
struct AccountProfile: Sendable {
    var id: [UInt8]
    var population: Population
    var plan: Plan = .pro
    var org: Int = -1
    /// `org_id` written on log lines (empty: none).
    var orgID: [UInt8] = []
    var operatorIndex: Int = -1
    var keys: [[UInt8]] = []
    var country: Int = 0
    var zone: Int16 = 0
    var lang: Int16 = 0
    var clients: [Int16] = []
    /// Requests per day at `requestScale` 1.
    var daily: Double = 50
    /// Probability that the account is active at all on a given day.
    var activeDays: Double = 1
    var rhythm: Rhythm = .personal
    var sleepStart: Double = 23
    var sleepHours: Double = 7.5
    var eveningBias: Double = 0.5
    var gapStart: Double = 0
    var gapHours: Double = 5
    /// Stable addresses: home and second network, office egress, cloud hosts.
    var home: [IPAddress] = []
    /// Carrier, VPN brand or cloud provider index.
    var provider: Int = -1
    /// Carrier /24 keys this subscriber's device lands in.
    var preferred24: [UInt32] = []
    /// VPN sites (provider indices) the user connects to.
    var sites: [Int] = []
    /// Traveller: country per day of the world.
    var itinerary: [Int] = []
    var v6Provider: Int = -1
    var v6Site: UInt64 = 0
    var v6Share: Double = 0
    var opusShare: Double = 0.1
    var thinkingShare: Double = 0.2
    /// Virtual people sharing a team account.
    var members: Int = 1
    /// Power user: sessions a day at full shape (coding agents open new ones often).
    var sessionsPerDay: Double = 0
    /// Power user: the most sub-agents their agent runs at once.
    var agentWidth: Int = 1
    /// Agent: its own system prompt (requests with `system == PromptSource.System.own`).
    var systemPrompt: [UInt8] = []
    /// Benchmark: the day of the run (index in the world), its template, how long it runs
    /// and how many prompts it sends at `requestScale` 1.
    var burstDay: Int = -1
    var burstTemplate: Int16 = -1
    var burstMinutes: Double = 40
    var burstSize: Double = 0
    /// Thin distillation: the account's own sticky exits in the operator's pool.
    var exits: [IPAddress] = []
    var registry = RegistryRecord()
}
