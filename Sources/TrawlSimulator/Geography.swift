/// Countries, time zones and languages the simulated world draws from.
///
/// Offsets are those in force in late November (northern winter, southern summer);
/// a world spans days to weeks, so daylight-saving changes are not modelled.
enum Geography {
    struct Zone: Sendable {
        let name: [UInt8]
        let offsetMinutes: Int
    }

    struct Country: Sendable {
        let code: String
        /// Relative share of ordinary (benign) users; 0 where the service is not offered.
        let userWeight: Double
        /// Relative share of residential-proxy exits located here.
        let proxyWeight: Double
        /// Relative share of reseller customers located here.
        let customerWeight: Double
        let zones: [Int]
        let languages: [Int]
    }

    static let zones: [Zone] = zoneTable.map { Zone(name: $0.0.bytes, offsetMinutes: $0.1) }
    static let languages: [[UInt8]] = languageTable.map(\.bytes)
    static let countries: [Country] = countryTable.map { row in
        Country(
            code: row.code, userWeight: row.user, proxyWeight: row.proxy, customerWeight: row.customer,
            zones: row.zones.map { z in zoneTable.firstIndex { $0.0 == z }! },
            languages: row.langs.map { l in languageTable.firstIndex(of: l)! })
    }
    static let userWeights: [Double] = countries.map(\.userWeight)
    static let proxyWeights: [Double] = countries.map(\.proxyWeight)
    static let customerWeights: [Double] = countries.map(\.customerWeight)

    static func country(_ code: String) -> Int { countries.firstIndex { $0.code == code }! }

    /// Where a zone's city is, in degrees (the coordinates networks of that zone get).
    static let zoneLocations: [(latitude: Double, longitude: Double)] = zoneTable.map { zoneCities[$0.0]! }

    /// How far from its city a consumer address of the country may be, in km: the accuracy
    /// radius a GeoIP database gives when it knows only the country or region.
    static func consumerRadiusKm(_ country: Int) -> Int {
        switch countries[country].code {
        case "US", "CA", "RU", "CN", "BR", "AU": 2500
        case "IN", "ID", "MX": 1500
        default: 300
        }
    }

    private static let zoneCities: [String: (latitude: Double, longitude: Double)] = [
        "America/New_York": (40.71, -74.01), "America/Chicago": (41.88, -87.63), "America/Denver": (39.74, -104.99),
        "America/Los_Angeles": (34.05, -118.24), "America/Toronto": (43.65, -79.38),
        "America/Vancouver": (49.28, -123.12), "America/Sao_Paulo": (-23.55, -46.63),
        "America/Mexico_City": (19.43, -99.13), "Europe/London": (51.51, -0.13), "Europe/Berlin": (52.52, 13.40),
        "Europe/Paris": (48.86, 2.35), "Europe/Madrid": (40.42, -3.70), "Europe/Rome": (41.90, 12.50),
        "Europe/Amsterdam": (52.37, 4.90), "Europe/Warsaw": (52.23, 21.01), "Europe/Stockholm": (59.33, 18.07),
        "Europe/Istanbul": (41.01, 28.98), "Europe/Moscow": (55.76, 37.62), "Asia/Kolkata": (19.08, 72.88),
        "Asia/Tokyo": (35.68, 139.69), "Asia/Seoul": (37.57, 126.98), "Asia/Singapore": (1.35, 103.82),
        "Asia/Shanghai": (31.23, 121.47), "Asia/Hong_Kong": (22.32, 114.17), "Asia/Taipei": (25.03, 121.57),
        "Asia/Jakarta": (-6.21, 106.85), "Asia/Ho_Chi_Minh": (10.82, 106.63), "Asia/Jerusalem": (31.77, 35.21),
        "Asia/Dubai": (25.20, 55.27), "Australia/Sydney": (-33.87, 151.21), "Pacific/Auckland": (-36.85, 174.76),
        "Africa/Lagos": (6.52, 3.38),
    ]

    private static let zoneTable: [(String, Int)] = [
        ("America/New_York", -300), ("America/Chicago", -360), ("America/Denver", -420),
        ("America/Los_Angeles", -480), ("America/Toronto", -300), ("America/Vancouver", -480),
        ("America/Sao_Paulo", -180), ("America/Mexico_City", -360), ("Europe/London", 0),
        ("Europe/Berlin", 60), ("Europe/Paris", 60), ("Europe/Madrid", 60), ("Europe/Rome", 60),
        ("Europe/Amsterdam", 60), ("Europe/Warsaw", 60), ("Europe/Stockholm", 60),
        ("Europe/Istanbul", 180), ("Europe/Moscow", 180), ("Asia/Kolkata", 330), ("Asia/Tokyo", 540),
        ("Asia/Seoul", 540), ("Asia/Singapore", 480), ("Asia/Shanghai", 480), ("Asia/Hong_Kong", 480),
        ("Asia/Taipei", 480), ("Asia/Jakarta", 420), ("Asia/Ho_Chi_Minh", 420), ("Asia/Jerusalem", 120),
        ("Asia/Dubai", 240), ("Australia/Sydney", 660), ("Pacific/Auckland", 780), ("Africa/Lagos", 60),
    ]

    private static let languageTable: [String] = [
        "en-US,en;q=0.9", "en-US", "es-US,es;q=0.9,en;q=0.8", "en-CA,en;q=0.9", "fr-CA,fr;q=0.9,en;q=0.8",
        "en-GB,en;q=0.9", "de-DE,de;q=0.9,en;q=0.8", "fr-FR,fr;q=0.9,en;q=0.8", "es-ES,es;q=0.9",
        "it-IT,it;q=0.9,en;q=0.8", "nl-NL,nl;q=0.9,en;q=0.8", "pl-PL,pl;q=0.9,en;q=0.8", "sv-SE,sv;q=0.9,en;q=0.8",
        "en-IN,en;q=0.9,hi;q=0.8", "ja-JP,ja;q=0.9,en;q=0.8", "ja", "ko-KR,ko;q=0.9,en;q=0.8",
        "en-SG,en;q=0.9,zh;q=0.8", "en-AU,en;q=0.9", "pt-BR,pt;q=0.9,en;q=0.8", "es-MX,es;q=0.9,en;q=0.8",
        "id-ID,id;q=0.9,en;q=0.8", "vi-VN,vi;q=0.9,en;q=0.8", "zh-TW,zh;q=0.9,en;q=0.8",
        "he-IL,he;q=0.9,en;q=0.8", "ar-AE,ar;q=0.9,en;q=0.8", "en-NG,en;q=0.9", "tr-TR,tr;q=0.9,en;q=0.8",
        "en-NZ,en;q=0.9", "zh-CN,zh;q=0.9", "zh-CN,zh;q=0.9,en;q=0.8", "zh-CN", "ru-RU,ru;q=0.9,en;q=0.8",
        "zh-HK,zh;q=0.9,en;q=0.8",
    ]

    // swift-format-ignore
    private static let countryTable: [(code: String, user: Double, proxy: Double, customer: Double, zones: [String], langs: [String])] = [
        ("US", 30, 40, 4, ["America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"], ["en-US,en;q=0.9", "en-US", "es-US,es;q=0.9,en;q=0.8"]),
        ("CA", 3, 4, 0.5, ["America/Toronto", "America/Vancouver"], ["en-CA,en;q=0.9", "fr-CA,fr;q=0.9,en;q=0.8"]),
        ("GB", 8, 8, 0.5, ["Europe/London"], ["en-GB,en;q=0.9"]),
        ("DE", 6, 6, 0.5, ["Europe/Berlin"], ["de-DE,de;q=0.9,en;q=0.8"]),
        ("FR", 4, 4, 0.3, ["Europe/Paris"], ["fr-FR,fr;q=0.9,en;q=0.8"]),
        ("ES", 2, 2, 0.2, ["Europe/Madrid"], ["es-ES,es;q=0.9"]),
        ("IT", 2, 2, 0.2, ["Europe/Rome"], ["it-IT,it;q=0.9,en;q=0.8"]),
        ("NL", 2, 3, 0.1, ["Europe/Amsterdam"], ["nl-NL,nl;q=0.9,en;q=0.8"]),
        ("PL", 2, 2, 0.2, ["Europe/Warsaw"], ["pl-PL,pl;q=0.9,en;q=0.8"]),
        ("SE", 1, 1, 0.1, ["Europe/Stockholm"], ["sv-SE,sv;q=0.9,en;q=0.8"]),
        ("IN", 6, 3, 2, ["Asia/Kolkata"], ["en-IN,en;q=0.9,hi;q=0.8"]),
        ("JP", 4, 6, 1, ["Asia/Tokyo"], ["ja-JP,ja;q=0.9,en;q=0.8", "ja"]),
        ("KR", 3, 3, 1, ["Asia/Seoul"], ["ko-KR,ko;q=0.9,en;q=0.8"]),
        ("SG", 1.5, 3, 1, ["Asia/Singapore"], ["en-SG,en;q=0.9,zh;q=0.8"]),
        ("AU", 3, 3, 0.3, ["Australia/Sydney"], ["en-AU,en;q=0.9"]),
        ("BR", 4, 3, 1, ["America/Sao_Paulo"], ["pt-BR,pt;q=0.9,en;q=0.8"]),
        ("MX", 2, 1, 0.3, ["America/Mexico_City"], ["es-MX,es;q=0.9,en;q=0.8"]),
        ("ID", 2, 1, 1, ["Asia/Jakarta"], ["id-ID,id;q=0.9,en;q=0.8"]),
        ("VN", 1, 1, 1.5, ["Asia/Ho_Chi_Minh"], ["vi-VN,vi;q=0.9,en;q=0.8"]),
        ("TW", 1, 1, 2, ["Asia/Taipei"], ["zh-TW,zh;q=0.9,en;q=0.8"]),
        ("IL", 1, 0.5, 0.1, ["Asia/Jerusalem"], ["he-IL,he;q=0.9,en;q=0.8"]),
        ("AE", 1, 0.5, 0.5, ["Asia/Dubai"], ["ar-AE,ar;q=0.9,en;q=0.8"]),
        ("NG", 1, 0.5, 0.3, ["Africa/Lagos"], ["en-NG,en;q=0.9"]),
        ("TR", 1, 1, 0.5, ["Europe/Istanbul"], ["tr-TR,tr;q=0.9,en;q=0.8"]),
        ("NZ", 0.5, 0.5, 0.1, ["Pacific/Auckland"], ["en-NZ,en;q=0.9"]),
        ("CN", 0, 0, 55, ["Asia/Shanghai"], ["zh-CN,zh;q=0.9", "zh-CN,zh;q=0.9,en;q=0.8", "zh-CN"]),
        ("RU", 0, 0, 10, ["Europe/Moscow"], ["ru-RU,ru;q=0.9,en;q=0.8"]),
        ("HK", 0, 0, 8, ["Asia/Hong_Kong"], ["zh-HK,zh;q=0.9,en;q=0.8"]),
    ]
}
