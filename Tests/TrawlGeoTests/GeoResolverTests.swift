import Dispatch
import Foundation
import TestSupport
import Testing
import TrawlGeo
import TrawlModel

/// Several databases merged per address, folders of databases, and the shared cache.
@Suite struct GeoResolverTests {
    static let maxmind = MaxMindFixtureTests.folder

    /// An own-intel database that disagrees with MaxMind's City database on 81.2.69.0/24.
    static func ownIntel(in dir: TemporaryDirectory) throws -> String {
        let list = IntelListDecoder.decode(
            bytes: Array("network,country,asn,label\n81.2.69.0/24,FR,64500,reseller-exit\n2001:db8::/32,,,lab\n".utf8), file: "x.csv")
        var writer = MaxMindWriter(databaseType: OwnIntel.databaseType)
        for e in list.entries { writer.insert(e.network, e.record) }
        let path = dir.file("intel/own.mmdb")
        try FileManager.default.createDirectory(atPath: dir.file("intel"), withIntermediateDirectories: true)
        try writer.write(to: path)
        return path
    }

    @Test func laterDatabasesFillOnlyWhatEarlierOnesLeftOpen() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let own = try Self.ownIntel(in: dir)
        let city = Self.maxmind + "GeoIP2-City-Test.mmdb", anonymous = Self.maxmind + "GeoIP2-Anonymous-IP-Test.mmdb"
        let resolver = try GeoResolver(paths: [city, anonymous, own])
        let r = resolver.record(for: IPAddress("81.2.69.160")!)
        #expect(r.countryCode == "GB")  // City first: its country wins over own intel's FR
        #expect(r.timeZone == "Europe/London" && r.accuracyRadiusKm == 100)
        #expect(r.isTorExitNode == true && r.isResidentialProxy == true)  // Anonymous-IP
        #expect(r.asn == 64500 && r.label == "reseller-exit")  // own intel, which City has no field for
        #expect(r.prefixLength == 27)  // the most specific match (City's /27 inside the /24s)

        let ownFirst = try GeoResolver(paths: [own, city])
        #expect(ownFirst.record(for: IPAddress("81.2.69.160")!).countryCode == "FR")

        let unknown = resolver.record(for: IPAddress("192.0.2.1")!)
        #expect(unknown == GeoRecord())
        #expect(resolver.record(for: IPAddress("2001:db8::7")!).label == "lab")
        #expect(resolver.failureCount == 0)
    }

    @Test func foldersAreSearchedForDatabases() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let own = try Self.ownIntel(in: dir)
        try FileManager.default.createDirectory(atPath: dir.file("intel/sub"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.maxmind + "GeoLite2-ASN-Test.mmdb", toPath: dir.file("intel/sub/asn.mmdb"))
        try dir.write("intel/notes.txt", text: "not a database")
        try dir.write("intel/.hidden/x.mmdb", text: "skipped")
        let files = try GeoResolver.databaseFiles([dir.file("intel"), own])
        #expect(files == [own, dir.file("intel/sub/asn.mmdb")])
        let resolver = try GeoResolver(paths: [dir.file("intel")])
        #expect(resolver.databases.map(\.databaseType) == ["Trawl-Intel", "GeoLite2-ASN"])
        #expect(resolver.record(for: IPAddress("1.128.0.0")!).asn == 1221)
    }

    @Test func missingAndEmptyPathsAreErrors() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("empty/readme.txt", text: "")
        let missing = #expect(throws: GeoError.self) { try GeoResolver(paths: ["/nonexistent/geoip"]) }
        #expect(missing?.reason == .noSuchFile)
        let empty = #expect(throws: GeoError.self) { try GeoResolver(paths: [dir.file("empty")]) }
        #expect(empty?.reason == .noDatabases)
        #expect(empty?.description == dir.file("empty") + ": the folder holds no *.mmdb database")
        let corrupt = #expect(throws: GeoError.self) {
            try GeoResolver(paths: [Self.maxmind + "bad-data/libmaxminddb-offset-integer-overflow.mmdb"])
        }
        if case .invalidDatabase = corrupt?.reason {} else { Issue.record("\(String(describing: corrupt))") }
    }

    /// Two threads share one resolver; every answer equals an uncached lookup, and the
    /// cache stays within its capacity.
    @Test(arguments: [1 << 20, 64])
    func concurrentCachedLookupsAgreeWithUncached(_ capacity: Int) throws {
        let city = Self.maxmind + "GeoIP2-City-Test.mmdb", asn = Self.maxmind + "GeoLite2-ASN-Test.mmdb"
        let resolver = try GeoResolver(paths: [city, asn], cacheCapacity: capacity)
        let reference = try GeoResolver(paths: [city, asn], cacheCapacity: 0)
        // Addresses from networks the databases know, repeated as in a day of logs.
        let bases: [UInt32] = [0x5102_4580, 0x027D_A0D8, 0x59A0_1470, 0x0180_0000, 0x0C51_5C00, 0xAF10_C700, 0xD8A0_5338]
        let addresses = (0..<4_000).map { i in IPAddress(v4: bases[i % bases.count] &+ UInt32(i % 97)) }
        let mismatches = Counter(0)
        DispatchQueue.concurrentPerform(iterations: 2) { worker in
            for round in 0..<3 {
                for (i, a) in addresses.enumerated() where (i + round + worker) % 2 == 0 || round > 0 {
                    if resolver.record(for: a) != reference.record(for: a) { mismatches.add(1) }
                }
            }
        }
        #expect(mismatches.load() == 0)
        #expect(resolver.cachedAddressCount <= max(capacity, 16))
        #expect(resolver.record(for: IPAddress("81.2.69.160")!).countryCode == "GB")
    }
}

/// A counter for test threads.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Int
    init(_ value: Int) { self.value = value }
    func add(_ n: Int) {
        lock.lock()
        value += n
        lock.unlock()
    }
    func load() -> Int {
        lock.lock()
        defer { lock.unlock() }
        return value
    }
}
