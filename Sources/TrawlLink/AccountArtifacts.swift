import TrawlFeatures
import TrawlModel

/// Everything the linking stage knows of one account over the whole input: the artifacts
/// it could share with other accounts, and the facts cluster features add up.
public struct AccountArtifacts: Sendable {
    public var accountID: String
    /// Distinct by key, sorted by key.
    public var artifacts: [LinkArtifact]
    /// The smallest stable hash of the account's `org_id`s (0: none).
    public var orgHash: UInt64 = 0
    public var requests = 0
    /// Input plus output tokens.
    public var tokens: Int64 = 0
    /// Registry `created_at` (nil: unknown).
    public var createdAt: Timestamp?
    /// First and last UTC day with traffic.
    public var firstDay: Int32 = .max
    public var lastDay: Int32 = .min

    public init(accountID: String, artifacts: [LinkArtifact]) {
        self.accountID = accountID
        self.artifacts = Self.normalized(artifacts)
    }

    /// Distinct by key (the first detail wins), sorted by key.
    static func normalized(_ artifacts: [LinkArtifact]) -> [LinkArtifact] {
        var out = artifacts.sorted { $0.key < $1.key }
        var k = 0
        for i in out.indices where k == 0 || out[i].key != out[k - 1].key {
            out[k] = out[i]
            k += 1
        }
        out.removeLast(out.count - k)
        return out
    }

    /// The artifact keys, sorted.
    public var keys: [UInt64] { artifacts.map(\.key) }
}

/// Collects one account's artifacts from its account-day states and its registry record.
///
/// Days merge as their samples do (the union's smallest hashes), so the artifacts of a
/// whole input are a consistent sample whatever its length; at most 32 addresses,
/// networks, co-activity buckets and sessions, 8 client fingerprints and 32 template keys
/// per account, plus its payment fingerprint and signup address.
public struct ArtifactCollector: Sendable {
    public static let templateKeys = 32

    public let accountID: String
    private var addresses = AddressLifetimeSample()
    private var link = LinkDayState()
    private var templates: Set<UInt64> = []
    private var orgHash: UInt64 = 0
    private var requests = 0
    private var tokens: Int64 = 0
    private var firstDay: Int32 = .max
    private var lastDay: Int32 = .min

    public init(accountID: String) { self.accountID = accountID }

    /// Adds one day of the account.
    public mutating func add(_ s: AccountDayState, day: Int32) {
        if firstDay == .max {
            // The first day is taken as it is (a copy shares its storage): most accounts have one.
            addresses = s.lifetimes
            link = s.link
        } else {
            addresses.merge(s.lifetimes)
            link.merge(s.link)
        }
        if let p = s.prompts {
            for k in p.analysis.keys where templates.count < Self.templateKeys { templates.insert(k) }
        }
        if s.orgHash != 0 && (orgHash == 0 || s.orgHash < orgHash) { orgHash = s.orgHash }
        requests += s.requests
        tokens = tokens.addingReportingOverflow(s.inputTokens).partialValue
        tokens = tokens.addingReportingOverflow(s.outputTokens).partialValue
        firstDay = min(firstDay, day)
        lastDay = max(lastDay, day)
    }

    /// The account's artifacts, with the registry's payment fingerprint and signup when known.
    public func finish(record: AccountRecord?) -> AccountArtifacts {
        var out: [LinkArtifact] = []
        out.reserveCapacity(addresses.count + link.networks.count + link.coactivity.count + link.sessions.count + 12)
        // The samples' hashes are the artifacts' own (`stableHash`, `mix64(networkKey)` and
        // `LinkDayState.bucketHash`), so the keys match `LinkArtifact.address(_:)` and the rest.
        for address in addresses.addresses { out.append(.address(address)) }
        for e in link.networks.entries { out.append(.network(e.value)) }
        for e in link.coactivity.entries { out.append(.coactivity(e.value)) }
        for e in link.sessions.entries { out.append(.session(e.hash)) }
        for (client, _) in link.clients.pairs {
            out.append(.client(client.ja4.isEmpty ? client.userAgent : "\(client.userAgent) · \(client.ja4)"))
        }
        for k in templates { out.append(.template(k)) }
        var artifacts = AccountArtifacts(accountID: accountID, artifacts: out)
        if let record {
            artifacts.artifacts = AccountArtifacts.normalized(artifacts.artifacts + Self.registryArtifacts(record))
            artifacts.createdAt = record.createdAt
        }
        artifacts.orgHash = orgHash
        artifacts.requests = requests
        artifacts.tokens = tokens
        artifacts.firstDay = firstDay
        artifacts.lastDay = lastDay
        return artifacts
    }

    /// The payment fingerprint and the signup address.
    static func registryArtifacts(_ r: AccountRecord) -> [LinkArtifact] {
        var out: [LinkArtifact] = []
        if let fp = r.paymentFingerprint, !fp.isEmpty { out.append(.payment(fp)) }
        if let ip = r.signupIP { out.append(.signup(ip)) }
        return out
    }
}
