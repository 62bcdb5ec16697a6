import TrawlModel

/// What kind of network an address block belongs to.
enum NetworkKind: Int, Sendable, CaseIterable {
    case residential, mobile, business, cloud, hosting, vpn, university

    var name: String {
        switch self {
        case .residential: "residential"
        case .mobile: "mobile"
        case .business: "business"
        case .cloud: "cloud"
        case .hosting: "hosting"
        case .vpn: "vpn"
        case .university: "university"
        }
    }

}

/// One autonomous system in one country: its /16 blocks and, for consumer networks, an IPv6 /32.
struct NetworkProvider: Sendable {
    let kind: NetworkKind
    let country: Int
    let asn: Int
    let name: String
    var prefixes16: [UInt32]
    /// An IPv6 /32 in the top 32 bits, or 0.
    let v6Prefix: UInt64
    /// Shared egress /24s (carrier CGNAT pools), as 24-bit keys.
    var pool24: [UInt32] = []
    /// Shared egress addresses (VPN exits, university NAT).
    var pool: [IPAddress] = []
}

/// The synthetic address plan: every provider owns whole /16s, so blocks never overlap.
///
/// Written out as `networks.csv` so that enrichment (country, ASN, connection type,
/// anonymity) can be evaluated against the same plan the generator used.
struct NetworkCatalog: Sendable {
    private(set) var providers: [NetworkProvider] = []
    private var byCountryKind: [Int: [Int]] = [:]
    private var used16: Set<UInt32> = []
    private var usedASN: Set<Int> = []
    /// /24 keys that an intel feed lists as residential-proxy exits (a share of those in use).
    private(set) var flaggedProxy24: [UInt32] = []
    private var flaggedSet: Set<UInt32> = []

    static let firstOctets: [UInt32] = (2...223).map { UInt32($0) }.filter {
        ![10, 100, 127, 169, 172, 192, 198, 203].contains($0)
    }

    init(rng: inout SimulationRandom) {
        for (c, country) in Geography.countries.enumerated() {
            let big = country.userWeight >= 4
            let residential = country.code == "US" ? 6 : big ? 3 : 2
            for _ in 0..<residential {
                add(.residential, country: c, blocks: country.code == "US" ? 3 : 2, rng: &rng)
            }
            for _ in 0..<(country.code == "US" ? 3 : 2) {
                let p = add(.mobile, country: c, blocks: 1, rng: &rng)
                let n = rng.int(6, 20)
                let base = providers[p].prefixes16[0]
                for k in rng.sample(n, of: 256) { providers[p].pool24.append(base << 8 | UInt32(k)) }
            }
            add(.business, country: c, blocks: big ? 2 : 1, rng: &rng)
        }
        for code in ["US", "DE", "NL", "GB", "SG", "JP", "FR", "CA"] {
            add(.hosting, country: Geography.country(code), blocks: 1, rng: &rng)
        }
        for brand in 0..<3 {
            let asn = freshASN(&rng)
            for code in ["US", "US", "GB", "DE", "JP", "SG", "AU", "IN", "BR", "CA"] {
                add(.cloud, country: Geography.country(code), blocks: 1, asn: asn, name: Self.cloudNames[brand], rng: &rng)
            }
        }
        for brand in 0..<4 {
            let asn = freshASN(&rng)
            let sites = ["US", "GB", "DE", "NL", "JP", "SG", "CA", "FR", "AU", "SE", "ES", "BR", "IN", "KR", "TR", "MX"]
            for code in sites.prefix(rng.int(10, 16)) {
                let p = add(.vpn, country: Geography.country(code), blocks: 1, asn: asn, name: Self.vpnNames[brand], rng: &rng)
                let base = providers[p].prefixes16[0]
                for _ in 0..<rng.int(1, 3) {
                    let key = base << 8 | UInt32(rng.int(256))
                    for _ in 0..<rng.int(4, 10) { providers[p].pool.append(Self.host(in: key, rng: &rng)) }
                }
            }
        }
    }

    /// Adds a provider with `blocks` fresh /16s; returns its index.
    @discardableResult
    mutating func add(
        _ kind: NetworkKind, country: Int, blocks: Int, asn: Int? = nil, name: String? = nil,
        rng: inout SimulationRandom
    ) -> Int {
        var prefixes: [UInt32] = []
        while prefixes.count < blocks {
            let p = rng.pick(Self.firstOctets) << 8 | UInt32(rng.int(256))
            if used16.insert(p).inserted { prefixes.append(p) }
        }
        let v6: UInt64 =
            kind == .residential || kind == .mobile || kind == .university || kind == .cloud
            ? (0x2400_0000 + UInt64(rng.int(0x0800_0000))) << 32 : 0
        let provider = NetworkProvider(
            kind: kind, country: country, asn: asn ?? freshASN(&rng),
            name: name ?? Self.brand(kind, country: country, rng: &rng), prefixes16: prefixes, v6Prefix: v6)
        providers.append(provider)
        byCountryKind[country * 8 + kind.rawValue, default: []].append(providers.count - 1)
        return providers.count - 1
    }

    mutating func addPool(_ address: IPAddress, to provider: Int) { providers[provider].pool.append(address) }

    private mutating func freshASN(_ rng: inout SimulationRandom) -> Int {
        while true {
            let asn = rng.chance(0.7) ? rng.int(1000, 64000) : rng.int(131_072, 399_999)
            if usedASN.insert(asn).inserted { return asn }
        }
    }

    /// Providers of a kind in a country (possibly empty).
    func providers(_ kind: NetworkKind, in country: Int) -> [Int] {
        byCountryKind[country * 8 + kind.rawValue] ?? []
    }

    /// A provider of a kind in a country, falling back to the United States.
    func anyProvider(_ kind: NetworkKind, in country: Int, rng: inout SimulationRandom) -> Int {
        let list = providers(kind, in: country)
        if !list.isEmpty { return rng.pick(list) }
        return rng.pick(providers(kind, in: Geography.country("US")))
    }

    /// A random /24 (24-bit key) inside a provider's blocks.
    func random24(_ provider: Int, rng: inout SimulationRandom) -> UInt32 {
        rng.pick(providers[provider].prefixes16) << 8 | UInt32(rng.int(256))
    }

    /// A host address (.1 – .254) inside a /24 key.
    static func host(in key24: UInt32, rng: inout SimulationRandom) -> IPAddress {
        IPAddress(v4: key24 << 8 | UInt32(rng.int(1, 254)))
    }

    /// An IPv6 address in a provider's /32: one /48 per customer `site`, random interface id.
    func v6(_ provider: Int, site: UInt64, rng: inout SimulationRandom) -> IPAddress {
        let high = providers[provider].v6Prefix | (site & 0xFFFF) << 16 | UInt64(rng.int(16))
        return IPAddress(high: high, low: rng.next() | 1)
    }

    mutating func flagProxy(_ key24: UInt32) {
        if flaggedSet.insert(key24).inserted { flaggedProxy24.append(key24) }
    }

    /// `networks.csv`: the address plan as an intel list for `trawl intel build`: per block
    /// its kind, country, ASN and AS organisation, anonymity flags, location, accuracy radius
    /// and time zone; listed residential-proxy /24s follow their /16s (the more specific wins).
    ///
    /// Consumer and business networks sit at their country's first zone with a radius that
    /// covers the country, as GeoIP databases place addresses they know only to the country;
    /// datacenter, cloud, VPN and university networks sit at a city of their country with a
    /// tight radius. Nothing here draws from the world's random stream.
    func csv() -> [UInt8] {
        var out: [UInt8] = []
        out.append(
            "network,kind,country,asn,as_org,is_anonymous,is_anonymous_vpn,is_hosting_provider,is_residential_proxy,latitude,longitude,accuracy_radius,time_zone\n"
        )
        func row(_ network: [UInt8], _ index: Int, residentialProxy: Bool) {
            let p = providers[index]
            let country = Geography.countries[p.country]
            let precise = [.cloud, .hosting, .vpn, .university].contains(p.kind)
            let zone = precise ? country.zones[Int(mix64(UInt64(index)) % UInt64(country.zones.count))] : country.zones[0]
            let place = Geography.zoneLocations[zone]
            out.append(contentsOf: network)
            out.append(UInt8(ascii: ","))
            out.append(contentsOf: p.kind.name.bytes)
            out.append(UInt8(ascii: ","))
            out.append(contentsOf: country.code.bytes)
            out.append(UInt8(ascii: ","))
            out.appendInt(p.asn)
            out.append(UInt8(ascii: ","))
            out.append(contentsOf: p.name.bytes)
            let vpn = p.kind == .vpn
            let hosting = p.kind == .cloud || p.kind == .hosting
            for flag in [vpn || residentialProxy, vpn, hosting, residentialProxy] {
                out.append(contentsOf: (flag ? ",true" : ",false").bytes)
            }
            out.append(contentsOf: ",\(place.latitude),\(place.longitude),".bytes)
            out.appendInt(precise ? (p.kind == .vpn ? 100 : 20) : Geography.consumerRadiusKm(p.country))
            out.append(UInt8(ascii: ","))
            out.append(contentsOf: Geography.zones[zone].name)
            out.append(UInt8(ascii: "\n"))
        }
        var owner: [UInt32: Int] = [:]
        for (i, p) in providers.enumerated() {
            for prefix in p.prefixes16 {
                owner[prefix] = i
                var net: [UInt8] = []
                net.appendIP(IPAddress(v4: prefix << 16))
                net.append("/16")
                row(net, i, residentialProxy: false)
            }
            if p.v6Prefix != 0 {
                var net: [UInt8] = []
                net.appendIP(IPAddress(high: p.v6Prefix, low: 0))
                net.append("/32")
                row(net, i, residentialProxy: false)
            }
        }
        for key in flaggedProxy24 {
            guard let i = owner[key >> 8] else { continue }
            var net: [UInt8] = []
            net.appendIP(IPAddress(v4: key << 8))
            net.append("/24")
            row(net, i, residentialProxy: true)
        }
        return out
    }

    static let cloudNames = ["Stratus Cloud", "Nimbus Compute", "Cirrus Web Services"]
    static let vpnNames = ["SwiftShield VPN", "NordPeak VPN", "MullionNet", "PrivaTunnel"]

    private static func brand(_ kind: NetworkKind, country: Int, rng: inout SimulationRandom) -> String {
        let heads = ["Tel", "Net", "Fibra", "Wave", "Link", "Star", "Blue", "Metro", "Sky", "Nova", "Ora", "Vox", "Alto", "Terra"]
        let tails = ["com", "ia", "ix", "ora", "link", "net", "tel", "wave", "cast", "line"]
        let kindName: String
        switch kind {
        case .residential: kindName = rng.pick(["Broadband", "Cable", "Fiber", "Telecom"])
        case .mobile: kindName = rng.pick(["Mobile", "Wireless", "Cellular"])
        case .business: kindName = "Business Networks"
        case .hosting: kindName = rng.pick(["Hosting", "Servers", "Datacenter"])
        case .university: kindName = "Research and Education Network"
        case .cloud: kindName = "Cloud"
        case .vpn: kindName = "VPN"
        }
        return "\(rng.pick(heads))\(rng.pick(tails)) \(kindName) (\(Geography.countries[country].code))"
    }
}
