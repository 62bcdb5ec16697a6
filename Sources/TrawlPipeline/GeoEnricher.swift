import Synchronization
import TrawlFeatures
import TrawlGeo
import TrawlModel

/// Answers `AddressEnricher` from the GeoIP databases of `--geoip`.
///
/// Answers (32-byte facts, no strings) are cached by network, in 64 stripes behind their
/// own locks so that decoding workers rarely meet: a lookup also says how far its answer
/// holds (the prefix length at which every database's and allowlist's search ended), so a
/// new address inside a network already seen is answered without reading the databases.
/// Rotating proxies draw thousands of addresses from a few networks; this turns their
/// lookups into a few probes. (Each worker keeps recent answers in front of this.)
public final class GeoEnricher: AddressEnricher {
    public let resolver: GeoResolver
    /// Whether an anonymity database (Anonymous-IP, residential proxy, own intel) is loaded:
    /// then an address without flags is known not to be anonymous.
    public let coversAnonymity: Bool
    /// Databases of networks the team vouches for (`rules/allowlists.yaml`).
    public let allowlists: [GeoDatabase]

    public var hasAllowlists: Bool { !allowlists.isEmpty }
    private let networkStripes: [NetworkStripe]
    private static let stripeCount = 64
    /// Prefix lengths with cached networks: bit L of word L / 64 (IPv4: word 0, lengths 0-32;
    /// IPv6: words 1-3, lengths 0-128 as bits 64...192).
    private let lengths = PrefixLengthSet()

    public init(resolver: GeoResolver, allowlists: [GeoDatabase] = []) {
        self.resolver = resolver
        self.allowlists = allowlists
        networkStripes = (0..<Self.stripeCount).map { _ in NetworkStripe() }

        coversAnonymity = resolver.databases.contains { db in
            let type = db.databaseType.lowercased()
            return type.contains("anonymous") || type.contains("proxy") || db.databaseType == OwnIntel.databaseType
        }
    }

    /// Opens the databases at `paths` (files, or folders of `*.mmdb`).
    public convenience init(paths: [String], allowlists: [GeoDatabase] = []) throws(GeoError) {
        self.init(resolver: try GeoResolver(paths: paths, cacheCapacity: 0), allowlists: allowlists)
    }

    public func facts(for address: IPAddress) -> AddressFacts { factsWithExtent(for: address).facts }
    /// Networks read from the databases so far (one database read each).
    public var networkCount: Int { networkStripes.reduce(0) { $0 + $1.facts.withLock { $0.count } } }

    /// The facts of the network around `address` and its prefix length: from the network
    /// cache when a network of any cached length contains the address, else from the
    /// databases and allowlists (then cached).
    public func factsWithExtent(for address: IPAddress) -> (facts: AddressFacts, prefixLength: Int) {
        let v4 = address.isIPv4
        let words = v4 ? [lengths.load(0)] : [lengths.load(1), lengths.load(2), lengths.load(3)]
        for (w, word) in words.enumerated().reversed() {
            var bits = word
            while bits != 0 {
                let top = 63 - bits.leadingZeroBitCount
                bits &= ~(1 << UInt64(top))
                let key = IPNetwork(containing: address, prefixLength: w * 64 + top)
                if let known = stripe(key).facts.withLock({ $0[key] }) { return (known, key.prefixLength) }
            }
        }
        let (record, geoPrefix) = resolver.lookupWithExtent(address, essentialOnly: true)
        var f = Self.facts(from: record, coversAnonymity: coversAnonymity)
        var prefix = geoPrefix
        // Allowlists narrow the network to where they too answer the same; a damaged one
        // answers nothing (the address is then not allowlisted, for itself alone).
        for list in allowlists {
            if let (found, depth) = try? list.lookupWithExtent(address, essentialOnly: true) {
                if found != nil { f.flags.insert(.allowlisted) }
                prefix = max(prefix, depth)
            } else {
                prefix = v4 ? 32 : 128
            }
        }
        let key = IPNetwork(containing: address, prefixLength: prefix)
        stripe(key).facts.withLock { $0[key] = f }
        lengths.insert(prefix % 64, word: v4 ? 0 : 1 + prefix / 64)
        return (f, prefix)
    }

    /// The cache stripe of a network.
    private func stripe(_ key: IPNetwork) -> NetworkStripe {
        networkStripes[Int(truncatingIfNeeded: mix64(key.address.stableHash ^ UInt64(key.prefixLength))) & (Self.stripeCount - 1)]
    }

    public static func facts(from r: GeoRecord, coversAnonymity: Bool) -> AddressFacts {
        var f = AddressFacts()
        if let code = r.countryCode { f.country = AddressFacts.countryCode(code) }
        f.asn = r.asn ?? 0
        if let lat = r.latitude, let lon = r.longitude {
            f.latitude = Float(lat)
            f.longitude = Float(lon)
            f.radiusKm = Float(r.accuracyRadiusKm ?? 0)
        }
        if let zone = r.timeZone { f.timeZone = TimeZoneNames.shared.id(for: zone) }
        let flagged =
            r.isResidentialProxy != nil || r.isAnonymousVPN != nil || r.isHostingProvider != nil || r.isTorExitNode != nil
            || r.isAnonymous != nil || r.isPublicProxy != nil
        if coversAnonymity || flagged {
            f.flags.insert(.anonymityKnown)
            if r.isResidentialProxy == true { f.flags.insert(.residentialProxy) }
            if r.isAnonymousVPN == true { f.flags.insert(.anonymousVPN) }
            if r.isHostingProvider == true { f.flags.insert(.hosting) }
            if r.isTorExitNode == true { f.flags.insert(.tor) }
            if r.isPublicProxy == true { f.flags.insert(.publicProxy) }
        }
        return f
    }
}

/// Which prefix lengths have cached networks, readable without a lock.
private final class PrefixLengthSet: Sendable {
    private let w0 = Atomic<UInt64>(0), w1 = Atomic<UInt64>(0), w2 = Atomic<UInt64>(0), w3 = Atomic<UInt64>(0)

    func load(_ word: Int) -> UInt64 {
        switch word {
        case 0: w0.load(ordering: .relaxed)
        case 1: w1.load(ordering: .relaxed)
        case 2: w2.load(ordering: .relaxed)
        default: w3.load(ordering: .relaxed)
        }
    }

    func insert(_ bit: Int, word: Int) {
        let mask = UInt64(1) << UInt64(bit)
        switch word {
        case 0: w0.bitwiseOr(mask, ordering: .relaxed)
        case 1: w1.bitwiseOr(mask, ordering: .relaxed)
        case 2: w2.bitwiseOr(mask, ordering: .relaxed)
        default: w3.bitwiseOr(mask, ordering: .relaxed)
        }
    }
}

/// One lock-protected part of `GeoEnricher`'s network cache.
private final class NetworkStripe: Sendable {
    let facts = Mutex<[IPNetwork: AddressFacts]>([:])
}
