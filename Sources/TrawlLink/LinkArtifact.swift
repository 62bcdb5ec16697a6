import TrawlFeatures
import TrawlModel

/// What kind of thing two accounts can share.
public enum ArtifactKind: UInt8, Sendable, CaseIterable, Codable, Comparable {
    /// A client IP address (a sample of 32 per account-day, chosen by hash).
    case address
    /// A /24 (IPv4) or /48 (IPv6) network.
    case network
    /// A network in one UTC hour (SynchroTrap-style co-activity).
    case coactivity
    /// A client session id seen on both accounts (a reseller's gateway moving a customer's
    /// conversation between accounts to spread quota).
    case session
    /// A client fingerprint: User-Agent with the log's JA4.
    case client
    /// A prompt template among the account's top templates (opening or closing words, or a
    /// band of alike prompt_simhash values).
    case template
    /// A payment fingerprint from the registry.
    case payment
    /// A signup address from the registry (accounts opened from one address).
    case signup

    /// The name used in the case store, rules and reports.
    public var name: String {
        switch self {
        case .address: "address"
        case .network: "network"
        case .coactivity: "coactivity"
        case .session: "session"
        case .client: "client"
        case .template: "template"
        case .payment: "payment"
        case .signup: "signup"
        }
    }

    public init?(name: String) {
        guard let k = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = k
    }

    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }

    /// The kind a key was made for (its low three bits).
    @inline(__always) public static func of(key: UInt64) -> ArtifactKind { ArtifactKind(rawValue: UInt8(key & 7))! }

    /// The key of a value of this kind: a 64-bit hash with the kind in its low three bits,
    /// so that equal values of different kinds never meet.
    @inline(__always) public func key(_ valueHash: UInt64) -> UInt64 {
        (mix64(valueHash ^ (UInt64(rawValue) &+ 1) &* 0xA24B_AED4_963E_E407) & ~7) | UInt64(rawValue)
    }

    /// The key of a value inside a network (an address, a network itself, a co-activity
    /// bucket): the high 32 bits are the network's tag (see `networkTag(of:)`), so that the
    /// graph builder can tell how crowded the value's network is; the low bits hash the value.
    /// - Parameter networkHash: `mix64(IPAddress.networkKey)` of the value's network.
    @inline(__always) public func key(_ valueHash: UInt64, networkHash: UInt64) -> UInt64 {
        let tag = UInt64(Self.tag(networkHash)) << 32
        let low = UInt64(UInt32(truncatingIfNeeded: mix64(valueHash ^ (UInt64(rawValue) &+ 1) &* 0xA24B_AED4_963E_E407)))
        return tag | (low & ~7) | UInt64(rawValue)
    }

    @inline(__always) static func tag(_ networkHash: UInt64) -> UInt32 { UInt32(truncatingIfNeeded: mix64(networkHash ^ 0x6E65_74) >> 32) }

    /// Whether values of this kind lie inside one network (their keys carry its tag).
    public var isInNetwork: Bool { self == .address || self == .network || self == .coactivity }

    /// The tag of the network a key of an in-network kind lies in.
    @inline(__always) public static func networkTag(of key: UInt64) -> UInt32 { UInt32(truncatingIfNeeded: key >> 32) }
}

/// What an artifact is, for evidence an analyst can read.
public enum ArtifactDetail: Sendable, Hashable {
    case address(IPAddress)
    /// An `IPAddress.networkKey`.
    case network(UInt64)
    case bucket(NetworkHour)
    /// An opaque hash (a session id's, a template's key).
    case hash(UInt64)
    /// A client fingerprint or a payment fingerprint as given.
    case text(String)

    /// The artifact as text: `203.0.113.7`, `203.0.113.0/24`, `203.0.113.0/24 2026-11-21 13h UTC`,
    /// `#1f2e3d4c5b6a7988`, or the fingerprint text.
    public var text: String {
        switch self {
        case .address(let a): return a.description
        case .network(let key): return Self.networkText(key)
        case .bucket(let b):
            let day = Int32((Int64(b.hour) * 3_600_000).floorDivided(by: TimestampParser.millisPerDay))
            let hour = Int(Int64(b.hour) - Int64(day) * 24)
            return "\(Self.networkText(b.network)) \(TimestampParser.dayString(day)) \(hour < 10 ? "0" : "")\(hour)h UTC"
        case .hash(let h):
            let hex = String(h, radix: 16)
            return "#" + String(repeating: "0", count: max(0, 16 - hex.count)) + hex
        case .text(let t): return t
        }
    }

    /// The CIDR text of an `IPAddress.networkKey`.
    public static func networkText(_ key: UInt64) -> String {
        if key >> 63 == 1 {
            let v4 = UInt32(truncatingIfNeeded: key & 0xFF_FFFF) << 8
            return IPAddress(v4: v4).description + "/24"
        }
        return IPAddress(high: key << 16, low: 0).description + "/48"
    }
}

extension Int64 {
    /// Division rounding towards negative infinity.
    fileprivate func floorDivided(by d: Int64) -> Int64 {
        let q = self / d
        return (self % d != 0 && (self < 0) != (d < 0)) ? q - 1 : q
    }
}

/// One artifact of one account: its key (shared by every account with the same value) and
/// what it is.
public struct LinkArtifact: Sendable, Hashable {
    /// `kind.key(hash of the value)`; the kind is in the low three bits.
    public var key: UInt64
    public var detail: ArtifactDetail

    public init(key: UInt64, detail: ArtifactDetail) {
        self.key = key
        self.detail = detail
    }

    public var kind: ArtifactKind { ArtifactKind.of(key: key) }

    /// A client address.
    public static func address(_ a: IPAddress) -> LinkArtifact {
        LinkArtifact(key: ArtifactKind.address.key(a.stableHash, networkHash: mix64(a.networkKey)), detail: .address(a))
    }

    /// A network, by `IPAddress.networkKey`.
    public static func network(_ key: UInt64) -> LinkArtifact {
        let hash = mix64(key)
        return LinkArtifact(key: ArtifactKind.network.key(hash, networkHash: hash), detail: .network(key))
    }

    /// A network in one UTC hour.
    public static func coactivity(_ b: NetworkHour) -> LinkArtifact {
        let networkHash = mix64(b.network)
        return LinkArtifact(
            key: ArtifactKind.coactivity.key(LinkDayState.bucketHash(networkHash: networkHash, hour: b.hour), networkHash: networkHash),
            detail: .bucket(b))
    }

    /// A client session, by the stable hash of its id.
    public static func session(_ hash: UInt64) -> LinkArtifact { LinkArtifact(key: ArtifactKind.session.key(hash), detail: .hash(hash)) }

    /// A client fingerprint (User-Agent, with ` · ` and the JA4 when known).
    public static func client(_ text: String) -> LinkArtifact {
        LinkArtifact(key: ArtifactKind.client.key(stableHash(text)), detail: .text(text))
    }

    /// A prompt template key (`PromptDayState.TemplateAnalysis.keys`).
    public static func template(_ key: UInt64) -> LinkArtifact { LinkArtifact(key: ArtifactKind.template.key(key), detail: .hash(key)) }

    /// A payment fingerprint.
    public static func payment(_ fingerprint: String) -> LinkArtifact {
        LinkArtifact(key: ArtifactKind.payment.key(stableHash(fingerprint)), detail: .text(fingerprint))
    }

    /// A signup address.
    public static func signup(_ a: IPAddress) -> LinkArtifact {
        LinkArtifact(key: ArtifactKind.signup.key(a.stableHash), detail: .address(a))
    }
}
