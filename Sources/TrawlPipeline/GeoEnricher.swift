import TrawlFeatures
import TrawlGeo
import TrawlModel

/// Answers `AddressEnricher` from the GeoIP databases of `--geoip`.
///
/// Decoding workers keep their own per-address answers, so this asks the databases
/// directly (no shared cache, no lock on the hot path).
public struct GeoEnricher: AddressEnricher {
    public let resolver: GeoResolver
    /// Whether an anonymity database (Anonymous-IP, residential proxy, own intel) is loaded:
    /// then an address without flags is known not to be anonymous.
    public let coversAnonymity: Bool
    /// Databases of networks the team vouches for (`rules/allowlists.yaml`).
    public let allowlists: [GeoDatabase]

    public var hasAllowlists: Bool { !allowlists.isEmpty }

    public init(resolver: GeoResolver, allowlists: [GeoDatabase] = []) {
        self.resolver = resolver
        self.allowlists = allowlists
        coversAnonymity = resolver.databases.contains { db in
            let type = db.databaseType.lowercased()
            return type.contains("anonymous") || type.contains("proxy") || db.databaseType == OwnIntel.databaseType
        }
    }

    /// Opens the databases at `paths` (files, or folders of `*.mmdb`).
    public init(paths: [String], allowlists: [GeoDatabase] = []) throws(GeoError) {
        self.init(resolver: try GeoResolver(paths: paths, cacheCapacity: 0), allowlists: allowlists)
    }

    public func facts(for address: IPAddress) -> AddressFacts {
        var f = Self.facts(from: resolver.lookup(address), coversAnonymity: coversAnonymity)
        // A damaged allowlist answers nothing for the address (it is then not allowlisted).
        if allowlists.contains(where: { (try? $0.lookup(address)) != nil }) { f.flags.insert(.allowlisted) }
        return f
    }

    static func facts(from r: GeoRecord, coversAnonymity: Bool) -> AddressFacts {
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
