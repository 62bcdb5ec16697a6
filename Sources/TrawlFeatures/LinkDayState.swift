import TrawlModel

/// What one account-day shares with other accounts, kept for the linking stage as small
/// consistent samples (see ``BottomKSample``): 32 of its networks, 32 of its (network,
/// hour) buckets and 32 of its client sessions, each chosen by smallest hash, and its most
/// used client fingerprints (User-Agent with the log's JA4).
///
/// The day's addresses come from `AccountDayState.lifetimes`, which already keeps the 32
/// with the smallest hashes. Samples chosen by hash keep a shared item on both accounts
/// whenever its hash is below both thresholds: accounts that share much share much of
/// their samples, at a bounded size (at most about 2 KB a day) whatever the account's volume.
/// - Complexity: O(1) per request in the common case (an item above the sample's
///   threshold, or the same network or session as the request before).
public struct LinkDayState: Sendable, Equatable, Mergeable {
    public static let sampleSize = 32
    public static let clientCapacity = 8
    public static let millisPerHour: Int64 = 3_600_000

    /// /24 (IPv4) and /48 (IPv6) networks, by `IPAddress.networkKey`.
    public var networks = BottomKSample<UInt64>(capacity: sampleSize)
    /// (network, UTC hour) buckets the account was active in.
    public var coactivity = BottomKSample<NetworkHour>(capacity: sampleSize)
    /// Client session ids (their stable hashes).
    public var sessions = BottomKSample<NoValue>(capacity: sampleSize)
    /// The most used (User-Agent, JA4) pairs with their request counts (JA4 empty when the
    /// log line had none).
    public var clients = TopKCounter<ClientFingerprint>(capacity: clientCapacity)

    public init() {}

    /// The hash of a (network, hour) bucket from the network's hash.
    @inline(__always) public static func bucketHash(networkHash: UInt64, hour: Int32) -> UInt64 {
        mix64(networkHash ^ UInt64(UInt32(bitPattern: hour)) &* 0xD6E8_FEB8_6659_FD93)
    }

    /// Notes the network of one request at `ts`.
    @inline(__always) public mutating func add(network: UInt64, hash: UInt64, at ts: Timestamp) {
        networks.add(hash: hash, network)
        let hour = Int32(truncatingIfNeeded: ts >= 0 ? ts / Self.millisPerHour : (ts + 1) / Self.millisPerHour - 1)
        coactivity.add(hash: Self.bucketHash(networkHash: hash, hour: hour), NetworkHour(network: network, hour: hour))
    }

    public mutating func merge(_ o: LinkDayState) {
        networks.merge(o.networks)
        coactivity.merge(o.coactivity)
        sessions.merge(o.sessions)
        clients.merge(o.clients)
    }
}

/// A client as the log shows it: its User-Agent and, when the line carried one, its JA4.
public struct ClientFingerprint: Sendable, Hashable, Comparable {
    public var userAgent: String
    /// Empty when unknown.
    public var ja4: String
    public init(userAgent: String, ja4: String) {
        self.userAgent = userAgent
        self.ja4 = ja4
    }
    public static func < (a: Self, b: Self) -> Bool { (a.userAgent, a.ja4) < (b.userAgent, b.ja4) }
}
