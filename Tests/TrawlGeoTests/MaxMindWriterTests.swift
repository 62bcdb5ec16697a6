import CMaxMindDB
import Foundation
import TestSupport
import Testing
import TrawlGeo
import TrawlModel

/// Databases written by `MaxMindWriter`, read back through libmaxminddb.
@Suite struct MaxMindWriterTests {
    static func ip(_ text: String) -> IPAddress { IPAddress(text)! }

    /// Writes `csv` as an intel list, builds a database from it and opens it.
    static func build(_ csv: String, in dir: TemporaryDirectory) throws -> GeoDatabase {
        let list = IntelListDecoder.decode(bytes: Array(csv.utf8), file: "intel.csv")
        #expect(list.problems.isEmpty, "\(list.problems)")
        var writer = MaxMindWriter(databaseType: OwnIntel.databaseType, descriptions: ["en": "test"])
        for entry in list.entries { writer.insert(entry.network, entry.record) }
        let path = dir.file("intel.mmdb")
        try writer.write(to: path)
        return try GeoDatabase(path: path)
    }

    static let overlapping = #"""
        network,label,asn,country,is_residential_proxy,latitude,longitude,as_org,accuracy_radius
        0.0.0.0/0,world,,,,,,,
        10.0.0.0/8,corp,64500,gb,false,51.5,-0.125,"Corp, ""Ltd""",50
        10.1.0.0/16,proxy,AS64501,,true,,,,
        10.1.2.3,host,,,,,,,
        2001:db8::/32,v6net,64510,DE,,,,,
        2001:db8:1::/48,v6sub,,,yes,,,,
        2001:db8:1::1/128,v6host,,,,,,Zürich AG,

        """#

    struct Probe: Sendable, CustomTestStringConvertible {
        let ip: String, label: String?, prefix: Int
        var testDescription: String { ip }
    }

    /// Inside, outside and at the edges of each range; the prefix is the tree's: the
    /// largest block around the address that no more specific network cuts into.
    @Test(arguments: [
        Probe(ip: "10.1.2.3", label: "host", prefix: 32), Probe(ip: "10.1.2.2", label: "proxy", prefix: 32),
        Probe(ip: "10.1.0.0", label: "proxy", prefix: 23), Probe(ip: "10.1.255.255", label: "proxy", prefix: 17),
        Probe(ip: "10.0.255.255", label: "corp", prefix: 16), Probe(ip: "10.2.0.0", label: "corp", prefix: 15),
        Probe(ip: "10.0.0.0", label: "corp", prefix: 16), Probe(ip: "10.255.255.255", label: "corp", prefix: 9),
        Probe(ip: "9.255.255.255", label: "world", prefix: 7), Probe(ip: "11.0.0.0", label: "world", prefix: 8),
        Probe(ip: "192.0.2.1", label: "world", prefix: 1), Probe(ip: "0.0.0.0", label: "world", prefix: 5),
        Probe(ip: "2001:db8:1::1", label: "v6host", prefix: 128), Probe(ip: "2001:db8:1::2", label: "v6sub", prefix: 127),
        Probe(ip: "2001:db8:1:ffff:ffff:ffff:ffff:ffff", label: "v6sub", prefix: 49),
        Probe(ip: "2001:db8:2::", label: "v6net", prefix: 47), Probe(ip: "2001:db8:ffff::", label: "v6net", prefix: 33),
        Probe(ip: "2001:db8::", label: "v6net", prefix: 48), Probe(ip: "2001:db7:ffff::", label: nil, prefix: 0),
        Probe(ip: "2001:db9::", label: nil, prefix: 0),
    ])
    func overlappingNetworks(_ p: Probe) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let db = try Self.build(Self.overlapping, in: dir)
        let found = try db.lookupValue(Self.ip(p.ip))
        #expect(found?.value["label"]?.stringValue == p.label)
        if p.label != nil { #expect(found?.prefixLength == p.prefix) }
        #expect(try db.lookup(Self.ip(p.ip))?.label == p.label)
    }

    @Test func typedValuesRoundTrip() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let db = try Self.build(Self.overlapping, in: dir)
        #expect(db.databaseType == "Trawl-Intel")
        #expect(db.ipVersion == 6)
        #expect(db.descriptions == ["en": "test"])
        let corp = try #require(try db.lookupValue(Self.ip("10.200.0.1")))
        #expect(
            corp.value
                == .map([
                    "label": .string("corp"), "asn": .uint32(64500), "country": .string("GB"), "is_residential_proxy": .boolean(false),
                    "latitude": .double(51.5), "longitude": .double(-0.125), "as_org": .string(#"Corp, "Ltd""#),
                    "accuracy_radius": .uint16(50),
                ]))
        let record = try #require(try db.lookup(Self.ip("10.200.0.1")))
        #expect(record.countryCode == "GB" && record.asn == 64500 && record.asOrganization == #"Corp, "Ltd""#)
        #expect(record.latitude == 51.5 && record.longitude == -0.125 && record.accuracyRadiusKm == 50)
        #expect(record.isResidentialProxy == false && record.label == "corp" && record.prefixLength == 9)
        // The most specific network wins whole: nothing is inherited from 10.0.0.0/8.
        let proxy = try #require(try db.lookup(Self.ip("10.1.9.9")))
        #expect(proxy.isResidentialProxy == true && proxy.asn == 64501 && proxy.countryCode == nil)
        let host = try #require(try db.lookupValue(Self.ip("2001:db8:1::1")))
        #expect(host.value == .map(["label": .string("v6host"), "as_org": .string("Zürich AG")]))
        #expect(try db.lookup(Self.ip("2001:db8:1::5"))?.isResidentialProxy == true)
    }

    /// libmaxminddb itself, from text: IPv4 sits at ::/96 and ::ffff:0:0/96 leads to the same data.
    @Test func ipv4IsReachableAsMappedAndCompatibleIPv6() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        _ = try Self.build(Self.overlapping, in: dir)
        var mmdb = MMDB_s()
        #expect(MMDB_open(dir.file("intel.mmdb"), UInt32(MMDB_MODE_MMAP), &mmdb) == MMDB_SUCCESS)
        defer { MMDB_close(&mmdb) }
        for (text, label) in [("10.1.2.3", "host"), ("::ffff:10.1.2.3", "host"), ("::10.1.2.3", "host"), ("::ffff:10.1.2.2", "proxy")] {
            var gai: Int32 = 0, status: Int32 = 0
            var result = MMDB_lookup_string(&mmdb, text, &gai, &status)
            #expect(gai == 0 && status == MMDB_SUCCESS && result.found_entry, "\(text)")
            #expect(result.netmask == 128, "\(text)")
            var data = MMDB_entry_data_s()
            let keys: [UnsafePointer<CChar>?] = [UnsafePointer(strdup("label")), nil]
            defer { free(UnsafeMutablePointer(mutating: keys[0])) }
            #expect(MMDB_aget_value(&result.entry, &data, keys) == MMDB_SUCCESS)
            let found = String(decoding: UnsafeRawBufferPointer(start: data.utf8_string, count: Int(data.data_size)), as: UTF8.self)
            #expect(found == label, "\(text)")
        }
    }

    @Test func sameNetworkTwiceCombinesKeysLaterWins() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let db = try Self.build(
            "network,label,asn,is_tor_exit_node\n192.0.2.0/24,first,64496,\n192.0.2.0/24,second,,true\n", in: dir)
        let found = try #require(try db.lookupValue(Self.ip("192.0.2.77")))
        #expect(found.value == .map(["label": .string("second"), "asn": .uint32(64496), "is_tor_exit_node": .boolean(true)]))
        #expect(found.prefixLength == 24)
    }

    /// ::/96 holds IPv4, so an IPv6 network there is the IPv4 network it covers.
    @Test func ipv6NetworksInsideTheIPv4SpaceAreIPv4() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let db = try Self.build("network,label,asn\n192.0.2.0/24,v4,\n::192.0.2.0/120,,64496\n", in: dir)
        let found = try #require(try db.lookupValue(Self.ip("192.0.2.9")))
        #expect(found.value == .map(["label": .string("v4"), "asn": .uint32(64496)]))
        #expect(found.prefixLength == 24)
    }

    @Test func oversizedValuesAreAnErrorNotACrash() throws {
        var writer = MaxMindWriter(databaseType: "T")
        writer.insert(try IPNetwork.parse("192.0.2.0/24"), ["blob": .bytes([UInt8](repeating: 1, count: 16_843_037))])
        let error = #expect(throws: GeoError.self) { try writer.serialize(name: "big.mmdb") }
        #expect(error?.description.hasPrefix("big.mmdb: database too large: the record of 192.0.2.0/24 has a value over") == true)
    }

    @Test func emptyListGivesAnEmptyDatabase() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let db = try Self.build("network,label\n", in: dir)
        #expect(try db.lookup(Self.ip("192.0.2.1")) == nil)
        #expect(try db.lookup(Self.ip("2001:db8::1")) == nil)
    }

    @Test func wholeSpaceNetworks() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let db = try Self.build("network,label\n::/0,everything\n0.0.0.0/0,ipv4\n", in: dir)
        #expect(try db.lookup(Self.ip("192.0.2.1"))?.label == "ipv4")
        #expect(try db.lookup(Self.ip("192.0.2.1"))?.prefixLength == 0)
        #expect(try db.lookup(Self.ip("2001:db8::1"))?.label == "everything")
        // 2001:db8::1 leaves the path to ::/96 at its third bit.
        #expect(try db.lookup(Self.ip("2001:db8::1"))?.prefixLength == 3)
        #expect(try db.lookup(Self.ip("8000::1"))?.prefixLength == 1)
    }

    @Test func identicalRecordsAreStoredOnce() throws {
        var one = MaxMindWriter(databaseType: "T", buildEpoch: 0)
        var many = MaxMindWriter(databaseType: "T", buildEpoch: 0)
        let record: [String: MaxMindValue] = ["label": .string("a long label that repeats across many networks")]
        one.insert(try IPNetwork.parse("192.0.2.0/32"), record)
        for i in 0..<200 { many.insert(IPNetwork(containing: IPAddress(v4: 0xC000_0200 + UInt32(i) * 4), prefixLength: 30), record) }
        let small = try one.serialize(), large = try many.serialize()
        // 199 more networks cost tree nodes only, not 199 more copies of the record.
        #expect(large.count - small.count < 200 * 7 + 64)
        #expect(try one.serialize() == small)  // deterministic
    }

    /// Records past 2^24 (here: 18 MB of data) need 28-bit records; 32 bits take over 256 MB
    /// and are not built here.
    @Test(arguments: [(5_000, 0, 24), (300, 60_000, 28)])
    func recordSizeGrowsWithTheData(_ networks: Int, _ padding: Int, _ expected: Int) throws {
        var writer = MaxMindWriter(databaseType: "T")
        for i in 0..<networks {
            var record: [String: MaxMindValue] = ["i": .uint32(UInt32(i))]
            if padding > 0 { record["pad"] = .string(String(i) + String(repeating: "x", count: padding)) }
            writer.insert(IPNetwork(containing: IPAddress(v4: UInt32(i) &* 2_654_435_761), prefixLength: 32), record)
        }
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try writer.write(to: dir.file("t.mmdb"))
        let db = try GeoDatabase(path: dir.file("t.mmdb"))
        #expect(db.recordSize == expected)
        for i in stride(from: 0, to: networks, by: 37) {
            let found = try db.lookupValue(IPAddress(v4: UInt32(i) &* 2_654_435_761))
            #expect(found?.value["i"] == .uint32(UInt32(i)))
            #expect(found?.value["pad"]?.stringValue?.count ?? 0 == (padding > 0 ? padding + String(i).count : 0))
        }
    }

    @Test func everyValueTypeRoundTrips() throws {
        let value: [String: MaxMindValue] = [
            "s": .string("x \u{1F600} \"q\""), "d": .double(-1.5e-300), "f": .float(3.25), "b": .bytes([0, 1, 255]),
            "u16": .uint16(65535), "u32": .uint32(0), "i32": .int32(-7), "i32p": .int32(300), "u64": .uint64(.max),
            "u128": .uint128(UInt128(1) << 100 | 5), "t": .boolean(true), "a": .array([.string("a"), .map([:]), .array([])]),
            "long": .string(String(repeating: "é", count: 40_000)),
        ]
        var writer = MaxMindWriter(databaseType: "Custom-Type", buildEpoch: 1_700_000_000)
        writer.insert(try IPNetwork.parse("2001:db8::/64"), value)
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try writer.write(to: dir.file("t.mmdb"))
        let db = try GeoDatabase(path: dir.file("t.mmdb"))
        #expect(db.buildEpoch == 1_700_000_000 && db.databaseType == "Custom-Type")
        #expect(try db.lookupValue(Self.ip("2001:db8::42"))?.value == .map(value))
    }

    // MARK: Random ranges against a naive longest-prefix match

    /// SplitMix64, so a failure can be replayed.
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    }

    /// A network in the database's 128-bit key space (IPv4 at ::/96).
    struct KeyNetwork {
        let key: UInt128, length: Int, label: String
        func contains(_ k: UInt128) -> Bool { length == 0 || (k ^ key) >> UInt128(128 - length) == 0 }
    }

    static func key(_ a: IPAddress) -> UInt128 {
        if let v4 = a.v4 { return UInt128(v4) }
        return UInt128(a.high) << 64 | UInt128(a.low)
    }

    static func address(_ key: UInt128, v4: Bool) -> IPAddress {
        v4 ? IPAddress(v4: UInt32(truncatingIfNeeded: key)) : IPAddress(high: UInt64(key >> 64), low: UInt64(truncatingIfNeeded: key))
    }

    /// The label of the longest network holding `k`, and the prefix the tree must report:
    /// no shorter than that network, and long enough to exclude every network (and the
    /// ::ffff:0:0/96 alias) that branches off the address's path.
    static func naive(_ k: UInt128, _ networks: [KeyNetwork]) -> (label: String?, prefix: Int) {
        var best: KeyNetwork?
        var depth = 0
        for n in networks {
            if n.contains(k) {
                if n.length > (best?.length ?? -1) { best = n }
            } else {
                depth = max(depth, (k ^ n.key).leadingZeroBitCount + 1)
            }
        }
        let alias = UInt128(0xFFFF) << 32
        if (k ^ alias) >> 32 != 0 { depth = max(depth, (k ^ alias).leadingZeroBitCount + 1) }
        return (best?.label, max(depth, best?.length ?? 0, 1))
    }

    @Test func randomRangesMatchANaiveLongestPrefixMatch() throws {
        var random = Random(state: 20_261_121)
        var writer = MaxMindWriter(databaseType: OwnIntel.databaseType, buildEpoch: 0)
        var byNetwork: [IPNetwork: Int] = [:]
        var list: [(IPNetwork, String)] = []
        for i in 0..<2_000 {
            let v4 = i % 2 == 0
            // Clustered addresses so that ranges nest and overlap often.
            let address =
                v4
                ? IPAddress(v4: 0x0A00_0000 | UInt32(random.below(1 << 20)) << 4)
                : IPAddress(high: 0x2001_0DB8_0000_0000 | UInt64(random.below(1 << 12)) << 20, low: random.next())
            let length = v4 ? 8 + random.below(25) : 24 + random.below(105)
            let network = IPNetwork(containing: address, prefixLength: length)
            let label = "r\(i)"
            writer.insert(network, ["label": .string(label), "n": .uint32(UInt32(i))])
            byNetwork[network] = list.count
            list.append((network, label))
        }
        // A network listed twice keeps the later row's label (its keys replace the earlier ones).
        var networks: [KeyNetwork] = []
        for (index, (network, label)) in list.enumerated() where byNetwork[network] == index {
            networks.append(
                KeyNetwork(key: Self.key(network.address), length: network.prefixLength + (network.address.isIPv4 ? 96 : 0), label: label))
        }
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try writer.write(to: dir.file("random.mmdb"))
        let db = try GeoDatabase(path: dir.file("random.mmdb"))

        var probes: [UInt128] = []
        for n in networks {
            let last = n.key | (UInt128.max >> UInt128(n.length))
            probes += [n.key, last, n.key &- 1, last &+ 1]
        }
        for _ in 0..<2_000 {
            probes.append(UInt128(0x0A00_0000 | UInt32(random.below(1 << 24))))
            probes.append(UInt128(0x2001_0DB8_0000_0000 | UInt64(random.below(1 << 32)) << 16) << 64 | UInt128(random.next()))
        }
        var checked = 0
        for k in probes {
            let isV4 = k >> 32 == 0
            guard isV4 || k >> 96 != 0 else { continue }  // IPv6 keys inside ::/96 are IPv4 lookups
            let expected = Self.naive(k, networks)
            let found = try db.lookupValue(Self.address(k, v4: isV4))
            #expect(found?.value["label"]?.stringValue == expected.label, "\(Self.address(k, v4: isV4))")
            if expected.label != nil {
                #expect(found?.prefixLength == (isV4 ? max(0, expected.prefix - 96) : expected.prefix), "\(Self.address(k, v4: isV4))")
            }
            checked += 1
        }
        #expect(checked > 10_000)
    }
}
