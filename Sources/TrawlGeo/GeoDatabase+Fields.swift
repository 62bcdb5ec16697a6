/// A field of `GeoRecord` and the kind of value it takes.
enum GeoField: Sendable {
    case countryCode, latitude, longitude, accuracyRadius, timeZone, asn, asOrganization, isp, organization
    case connectionType, isAnonymous, isAnonymousVPN, isHostingProvider, isPublicProxy, isResidentialProxy
    case isTorExitNode, anonymizerConfidence, providerName, label

    /// What per-account features need from a record.
    static let essential: Set<GeoField> = [
        .countryCode, .latitude, .longitude, .accuracyRadius, .timeZone, .asn, .isAnonymous, .isAnonymousVPN,
        .isHostingProvider, .isPublicProxy, .isResidentialProxy, .isTorExitNode,
    ]
}

/// Which data paths a database's records are read from, chosen by its `database_type`.
///
/// The first path that yields a value of the right type sets a field; paths that are
/// absent or hold another type are skipped, so a database never fails a lookup for
/// having an unexpected layout.
enum GeoFieldPaths {
    typealias Path = (field: GeoField, keys: [String])

    static let location: [Path] = [
        (.countryCode, ["country", "iso_code"]), (.latitude, ["location", "latitude"]),
        (.longitude, ["location", "longitude"]), (.accuracyRadius, ["location", "accuracy_radius"]),
        (.timeZone, ["location", "time_zone"]),
    ]
    static let autonomousSystem: [Path] = [
        (.asn, ["autonomous_system_number"]), (.asOrganization, ["autonomous_system_organization"]),
    ]
    static let isp: [Path] = [(.isp, ["isp"]), (.organization, ["organization"])] + autonomousSystem
    static let anonymizerFlags: [Path] = [
        (.isAnonymous, ["is_anonymous"]), (.isAnonymousVPN, ["is_anonymous_vpn"]),
        (.isHostingProvider, ["is_hosting_provider"]), (.isPublicProxy, ["is_public_proxy"]),
        (.isResidentialProxy, ["is_residential_proxy"]), (.isTorExitNode, ["is_tor_exit_node"]),
    ]
    static let anonymizerProvider: [Path] = [
        (.anonymizerConfidence, ["anonymizer_confidence"]), (.providerName, ["provider_name"]),
    ]
    /// Trawl's own intel databases: flat keys named after the CSV columns.
    static let ownIntel: [Path] =
        [
            (.countryCode, ["country"]), (.asn, ["asn"]), (.asOrganization, ["as_org"]), (.label, ["label"]),
            (.latitude, ["latitude"]), (.longitude, ["longitude"]), (.accuracyRadius, ["accuracy_radius"]),
            (.timeZone, ["time_zone"]), (.isp, ["isp"]), (.organization, ["organization"]),
            (.connectionType, ["connection_type"]),
        ] + anonymizerFlags + anonymizerProvider
    /// Enterprise-style records keep network facts under `traits`.
    static let traits: [Path] = (isp + anonymizerFlags + [(.connectionType, ["connection_type"])]).map {
        ($0.field, ["traits"] + $0.keys)
    }

    /// The paths for a `database_type`; unknown types get every known path.
    static func paths(forDatabaseType type: String) -> [Path] {
        let t = type.lowercased()
        if t.contains("residential-proxy") { return anonymizerProvider + anonymizerFlags }
        if t.contains("anonymous-plus") { return anonymizerFlags + anonymizerProvider }
        if t.contains("anonymous-ip") { return anonymizerFlags }
        if t.contains("connection-type") { return [(.connectionType, ["connection_type"])] }
        if t.contains("asn") { return autonomousSystem }
        if t.hasSuffix("-isp") || t.contains("-isp ") { return isp }
        if t.contains("enterprise") { return location + traits }
        if t.contains("city") || t.contains("country") { return location }
        if t == OwnIntel.databaseType.lowercased() { return ownIntel }
        return ownIntel + location + isp + anonymizerProvider + [(.connectionType, ["connection_type"])] + traits
    }

    /// Whether a found record means "residential proxy" by itself (a database that
    /// lists only residential proxies and has no flag for it).
    static func impliesResidentialProxy(databaseType type: String) -> Bool {
        type.lowercased().contains("residential-proxy")
    }
}

/// Names shared by the intel list reader and the databases it builds.
public enum OwnIntel {
    /// The default `database_type` of `trawl intel build`.
    public static let databaseType = "Trawl-Intel"
}
