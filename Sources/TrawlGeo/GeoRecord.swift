/// What the databases say about one address; every field is optional (`nil`: not known).
///
/// Filled from MaxMind's City/Country, ASN, ISP, Connection-Type, Anonymous-IP,
/// Anonymous-Plus and Residential-Proxy databases, and from Trawl's own intel databases
/// (`trawl intel build`). When several databases know an address, their records merge
/// with `fill(from:)`.
public struct GeoRecord: Hashable, Sendable {
    /// ISO 3166-1 alpha-2 code of the country the address is in (not the registered country).
    public var countryCode: String?
    /// Degrees (WGS 84), approximate: see `accuracyRadiusKm`.
    public var latitude: Double?
    public var longitude: Double?
    /// Kilometres around the coordinates within which the address likely is.
    public var accuracyRadiusKm: Int?
    /// IANA time zone of the location, e.g. `Europe/London`.
    public var timeZone: String?
    /// Autonomous system number and its organisation.
    public var asn: UInt32?
    public var asOrganization: String?
    /// Internet service provider, and the organisation the address is assigned to (ISP database).
    public var isp: String?
    public var organization: String?
    /// `Cable/DSL`, `Cellular`, `Corporate`, `Satellite` (Connection-Type database).
    public var connectionType: String?
    /// Anonymizer flags (Anonymous-IP / Anonymous-Plus databases, own intel).
    public var isAnonymous: Bool?
    public var isAnonymousVPN: Bool?
    public var isHostingProvider: Bool?
    public var isPublicProxy: Bool?
    /// True for every address of a Residential-Proxy database, which has no such key.
    public var isResidentialProxy: Bool?
    public var isTorExitNode: Bool?
    /// 1-99: how sure the database is that the address is an anonymizer (Anonymous-Plus,
    /// Residential-Proxy).
    public var anonymizerConfidence: Int?
    /// The anonymizer or proxy service, e.g. a VPN or residential-proxy vendor.
    public var providerName: String?
    /// A free-text label from own intel (`label` column).
    public var label: String?
    /// Prefix length of the matched network, in the address's family (0-32 for IPv4,
    /// 0-128 for IPv6); after a merge, the most specific among the databases that matched.
    public var prefixLength: Int?

    public init() {}

    /// True when no database said anything about the address (a match with an empty
    /// record still sets `prefixLength`).
    public var isEmpty: Bool { self == GeoRecord() }

    /// Fills the fields this record leaves `nil` from `other` (earlier databases win);
    /// `prefixLength` becomes the longer of the two.
    public mutating func fill(from other: GeoRecord) {
        countryCode = countryCode ?? other.countryCode
        latitude = latitude ?? other.latitude
        longitude = longitude ?? other.longitude
        accuracyRadiusKm = accuracyRadiusKm ?? other.accuracyRadiusKm
        timeZone = timeZone ?? other.timeZone
        asn = asn ?? other.asn
        asOrganization = asOrganization ?? other.asOrganization
        isp = isp ?? other.isp
        organization = organization ?? other.organization
        connectionType = connectionType ?? other.connectionType
        isAnonymous = isAnonymous ?? other.isAnonymous
        isAnonymousVPN = isAnonymousVPN ?? other.isAnonymousVPN
        isHostingProvider = isHostingProvider ?? other.isHostingProvider
        isPublicProxy = isPublicProxy ?? other.isPublicProxy
        isResidentialProxy = isResidentialProxy ?? other.isResidentialProxy
        isTorExitNode = isTorExitNode ?? other.isTorExitNode
        anonymizerConfidence = anonymizerConfidence ?? other.anonymizerConfidence
        providerName = providerName ?? other.providerName
        label = label ?? other.label
        if let p = other.prefixLength { prefixLength = max(prefixLength ?? p, p) }
    }
}
