import TestSupport
import Testing
import TrawlGeo
import TrawlModel

/// MaxMind's own test databases (fixtures/maxmind), read through libmaxminddb. Expected
/// values are those of the upstream JSON sources the files were built from.
@Suite struct MaxMindFixtureTests {
    static let folder = repositoryRoot() + "/fixtures/maxmind/"

    static func open(_ name: String) throws -> GeoDatabase { try GeoDatabase(path: folder + name + ".mmdb") }

    static func ip(_ text: String) -> IPAddress { IPAddress(text)! }

    @Test func metadataIsRead() throws {
        let city = try Self.open("GeoIP2-City-Test")
        #expect(city.databaseType == "GeoIP2-City")
        #expect(city.ipVersion == 6)
        #expect(city.recordSize == 28)
        #expect(city.languages == ["en", "zh"])
        #expect(city.buildEpoch > 1_400_000_000)
        #expect(city.descriptions["en"]?.isEmpty == false)
    }

    struct CityCase: Sendable, CustomTestStringConvertible {
        let ip: String, country: String, latitude: Double, longitude: Double, radius: Int, zone: String, prefix: Int
        var testDescription: String { ip }
    }

    @Test(arguments: [
        CityCase(ip: "81.2.69.160", country: "GB", latitude: 51.5142, longitude: -0.0931, radius: 100, zone: "Europe/London", prefix: 27),
        CityCase(ip: "81.2.69.191", country: "GB", latitude: 51.5142, longitude: -0.0931, radius: 100, zone: "Europe/London", prefix: 27),
        CityCase(ip: "2.125.160.216", country: "GB", latitude: 51.75, longitude: -1.25, radius: 100, zone: "Europe/London", prefix: 29),
        CityCase(
            ip: "89.160.20.112", country: "SE", latitude: 58.4167, longitude: 15.6167, radius: 76, zone: "Europe/Stockholm", prefix: 28),
        CityCase(ip: "2001:218::1", country: "JP", latitude: 35.68536, longitude: 139.75309, radius: 100, zone: "Asia/Tokyo", prefix: 32),
        CityCase(
            ip: "::ffff:81.2.69.170", country: "GB", latitude: 51.5142, longitude: -0.0931, radius: 100, zone: "Europe/London", prefix: 27),
    ])
    func cityRecords(_ c: CityCase) throws {
        let r = try #require(try Self.open("GeoIP2-City-Test").lookup(Self.ip(c.ip)))
        #expect(r.countryCode == c.country)
        #expect(r.latitude == c.latitude)
        #expect(r.longitude == c.longitude)
        #expect(r.accuracyRadiusKm == c.radius)
        #expect(r.timeZone == c.zone)
        #expect(r.prefixLength == c.prefix)
        #expect(r.asn == nil && r.isAnonymous == nil && r.label == nil)
    }

    @Test func addressesOutsideTheDataAreNotFound() throws {
        let city = try Self.open("GeoIP2-City-Test")
        #expect(try city.lookup(Self.ip("1.1.1.1")) == nil)
        // Either side of 81.2.69.160/27: other networks, with their own accuracy radius.
        let below = try #require(try city.lookup(Self.ip("81.2.69.159")))
        #expect(below.prefixLength == 28 && below.accuracyRadiusKm == 3)
        let above = try #require(try city.lookup(Self.ip("81.2.69.192")))
        #expect(above.prefixLength == 28 && above.accuracyRadiusKm == 100)
        #expect(try Self.open("GeoLite2-ASN-Test").lookup(Self.ip("81.2.69.160")) == nil)
        #expect(try city.lookupValue(Self.ip("1.1.1.1")) == nil)
    }

    @Test func countryDatabaseHasNoLocation() throws {
        let db = try Self.open("GeoIP2-Country-Test")
        let v6 = try #require(try db.lookup(Self.ip("2a02:cf40::1")))
        #expect(v6.countryCode == "NO" && v6.prefixLength == 29 && v6.latitude == nil && v6.timeZone == nil)
        let v4 = try #require(try db.lookup(Self.ip("74.209.24.0")))
        #expect(v4.countryCode == "US" && v4.prefixLength == 20)
    }

    @Test(arguments: [
        ("1.128.0.0", UInt32(1221), "Telstra Pty Ltd", 11), ("12.81.92.0", 7018, "AT&T Services", 22),
        ("149.101.100.0", 6167, "CELLCO-PART", 28), ("2600:6000::1", 237, "Merit Network Inc.", 20),
    ])
    func asnRecords(_ ip: String, _ asn: UInt32, _ org: String, _ prefix: Int) throws {
        let r = try #require(try Self.open("GeoLite2-ASN-Test").lookup(Self.ip(ip)))
        #expect(r.asn == asn)
        #expect(r.asOrganization == org)
        #expect(r.prefixLength == prefix)
        #expect(r.countryCode == nil)
    }

    @Test func ispRecords() throws {
        let db = try Self.open("GeoIP2-ISP-Test")
        let verizon = try #require(try db.lookup(Self.ip("149.101.100.0")))
        #expect(verizon.asn == 6167 && verizon.asOrganization == "CELLCO-PART")
        #expect(verizon.isp == "Verizon Wireless" && verizon.organization == "Verizon Wireless")
        let att = try #require(try db.lookup(Self.ip("12.81.92.0")))
        #expect(att.asn == 7018 && att.isp == "AT&T Services" && att.asOrganization == nil)
    }

    @Test func anonymousIPFlags() throws {
        let db = try Self.open("GeoIP2-Anonymous-IP-Test")
        let all = try #require(try db.lookup(Self.ip("81.2.69.0")))
        #expect(all.isAnonymous == true && all.isAnonymousVPN == true && all.isHostingProvider == true)
        #expect(all.isPublicProxy == true && all.isResidentialProxy == true && all.isTorExitNode == true)
        #expect(all.prefixLength == 24)
        let tor = try #require(try db.lookup(Self.ip("1.124.213.1")))
        #expect(tor.isTorExitNode == true && tor.isAnonymousVPN == true && tor.isPublicProxy == nil && tor.prefixLength == 32)
        let v6 = try #require(try db.lookup(Self.ip("abcd:1000::1")))
        #expect(v6.isPublicProxy == true && v6.isAnonymous == true && v6.isTorExitNode == nil && v6.prefixLength == 112)
        let hosting = try #require(try db.lookup(Self.ip("71.160.223.0")))
        #expect(hosting.isHostingProvider == true && hosting.isAnonymousVPN == nil)
        // Found, but the record is an empty map: no flags, prefix known.
        let google = try #require(try db.lookup(Self.ip("8.8.8.8")))
        #expect(google.prefixLength == 7)
        var bare = google
        bare.prefixLength = nil
        #expect(bare.isEmpty)
    }

    @Test func connectionType() throws {
        let db = try Self.open("GeoIP2-Connection-Type-Test")
        #expect(try db.lookup(Self.ip("1.0.1.0"))?.connectionType == "Cellular")
        #expect(try db.lookup(Self.ip("1.0.0.0"))?.connectionType == "Cable/DSL")
    }

    @Test func residentialProxyDatabaseImpliesTheFlag() throws {
        let db = try Self.open("GeoIP-Residential-Proxy-Test")
        let low = try #require(try db.lookup(Self.ip("21.4.181.221")))
        #expect(low.providerName == "geonode" && low.anonymizerConfidence == 1 && low.isResidentialProxy == true)
        #expect(low.prefixLength == 32)
        let novada = try #require(try db.lookup(Self.ip("6.0.42.17")))
        #expect(novada.providerName == "novada" && novada.anonymizerConfidence == 95)
    }

    @Test func anonymousPlus() throws {
        let db = try Self.open("GeoIP-Anonymous-Plus-Test")
        let r = try #require(try db.lookup(Self.ip("1.2.0.1")))
        #expect(r.anonymizerConfidence == 30 && r.providerName == "foo" && r.isAnonymousVPN == true && r.isAnonymous == true)
        #expect(r.isResidentialProxy == nil)
        #expect(try db.lookup(Self.ip("1.2.0.2"))?.anonymizerConfidence == 99)
    }

    @Test func genericDecodingKeepsEveryKey() throws {
        let city = try Self.open("GeoIP2-City-Test")
        let (prefix, value) = try #require(try city.lookupValue(Self.ip("89.160.20.112")))
        #expect(prefix == 28)
        #expect(value["city"]?["names"]?["en"] == .string("Linköping"))
        #expect(value["country"]?["is_in_european_union"] == .boolean(true))
        #expect(value["location"]?["accuracy_radius"] == .uint16(76))
        #expect(value["location"]?["latitude"] == .double(58.4167))
        let isp = try #require(try Self.open("GeoIP2-ISP-Test").lookupValue(Self.ip("149.101.100.0")))
        #expect(isp.value["mobile_network_code"] == .string("004"))
        #expect(isp.value["autonomous_system_number"] == .uint32(6167))
    }

    @Test func anIPv4DatabaseDoesNotFindIPv6() throws {
        // The corrupt-tree file is an IPv4 database; its search tree is damaged but its
        // metadata opens, so an IPv6 lookup is simply "not found".
        let path = Self.folder + "bad-data/libmaxminddb-corrupt-search-tree.mmdb"
        guard let db = try? GeoDatabase(path: path) else { return }
        #expect(db.ipVersion == 4)
        #expect(try db.lookup(Self.ip("2001:db8::1")) == nil)
    }

    @Test(arguments: ["libmaxminddb-metadata-marker-only", "libmaxminddb-offset-integer-overflow"])
    func damagedFilesFailToOpenWithAReason(_ name: String) throws {
        let path = Self.folder + "bad-data/" + name + ".mmdb"
        let error = #expect(throws: GeoError.self) { try GeoDatabase(path: path) }
        #expect(error?.file == path)
        guard case .invalidDatabase(let why) = error?.reason else {
            Issue.record("expected invalidDatabase, got \(String(describing: error?.reason))")
            return
        }
        #expect(!why.isEmpty)
        #expect(error?.description.hasPrefix(path + ": not a usable MaxMind database: ") == true)
    }

    /// The corrupt search tree may open (libmaxminddb 1.7.1 does): lookups must then give
    /// an answer or an error, never a crash.
    @Test func corruptSearchTreeNeverCrashes() throws {
        let path = Self.folder + "bad-data/libmaxminddb-corrupt-search-tree.mmdb"
        let db: GeoDatabase
        do { db = try GeoDatabase(path: path) } catch { return }
        for text in ["1.1.1.1", "0.0.0.0", "255.255.255.255", "10.0.0.1", "192.0.2.7"] {
            _ = try? db.lookup(Self.ip(text))
            _ = try? db.lookupValue(Self.ip(text))
        }
    }

    @Test func missingFilesAndFolders() throws {
        let missing = #expect(throws: GeoError.self) { try GeoDatabase(path: "/nonexistent/GeoLite2-City.mmdb") }
        #expect(missing?.reason == .noSuchFile)
        let folder = #expect(throws: GeoError.self) { try GeoDatabase(path: Self.folder) }
        #expect(folder?.reason == .unreadable("is a folder, not a database file"))
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let text = try dir.write("not-a-db.mmdb", text: "hello, this is not a database\n")
        let notDB = #expect(throws: GeoError.self) { try GeoDatabase(path: text) }
        if case .invalidDatabase = notDB?.reason {} else { Issue.record("expected invalidDatabase, got \(String(describing: notDB))") }
        let empty = try dir.write("empty.mmdb", bytes: [])
        #expect(throws: GeoError.self) { try GeoDatabase(path: empty) }
    }
}
