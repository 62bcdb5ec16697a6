import TestSupport
import Testing
import TrawlGeo
import TrawlModel

/// Intel lists (CSV) read into networks and records, and every kind of bad row.
@Suite struct IntelListDecoderTests {
    static func decode(_ text: String) -> IntelList { IntelListDecoder.decode(bytes: Array(text.utf8), file: "intel.csv") }

    @Test func quotedFieldsAndLineBreaks() throws {
        let list = Self.decode(
            "\u{FEFF}network,label,as_org\r\n192.0.2.0/24,\"a, b\",\"say \"\"hi\"\"\"\r\n\n2001:db8::/32,\"two\nlines\",x\n198.51.100.7,plain,"
        )
        #expect(list.problems.isEmpty)
        #expect(list.rowCount == 3 && list.badRowCount == 0)
        #expect(list.entries.map(\.line) == [2, 4, 6])
        #expect(list.entries[0].record == ["label": .string("a, b"), "as_org": .string(#"say "hi""#)])
        #expect(list.entries[1].record["label"] == .string("two\nlines"))
        #expect(list.entries[2].network.description == "198.51.100.7/32")
        #expect(list.entries[2].record == ["label": .string("plain")])
    }

    @Test func typedColumns() throws {
        let list = Self.decode(
            """
            network,country,asn,is_anonymous,is_tor_exit_node,latitude,longitude,accuracy_radius,time_zone,provider
            10.0.0.0/8,de,AS64500,YES,0,-33.5,151.25,20,Australia/Sydney,acme
            ::ffff:192.0.2.0/120,,4294967295,,,,,,,
            """)
        #expect(list.problems.isEmpty, "\(list.problems)")
        #expect(
            list.entries[0].record == [
                "country": .string("DE"), "asn": .uint32(64500), "is_anonymous": .boolean(true), "is_tor_exit_node": .boolean(false),
                "latitude": .double(-33.5), "longitude": .double(151.25), "accuracy_radius": .uint16(20),
                "time_zone": .string("Australia/Sydney"), "provider": .string("acme"),
            ])
        #expect(list.entries[1].network == IPNetwork(containing: IPAddress("192.0.2.0")!, prefixLength: 24))
        #expect(list.entries[1].record == ["asn": .uint32(4_294_967_295)])
    }

    @Test func spacesAroundTypedValuesAreIgnoredStringsKeptAsWritten() throws {
        let list = Self.decode("network , asn ,label\n 10.0.0.0/8\t,\tAS64500 , two words \n")
        #expect(list.problems.isEmpty, "\(list.problems)")
        #expect(list.entries.first?.record == ["asn": .uint32(64500), "label": .string(" two words ")])
    }

    struct BadRow: Sendable, CustomTestStringConvertible {
        let csv: String
        let expected: String
        var testDescription: String { expected }
    }

    /// Each bad row is reported as file:line: column NAME: reason, never quoting the value.
    @Test(arguments: [
        BadRow(csv: "network,label\n10.0.0.1/8,x\n", expected: "intel.csv:2: column network: bits set past the prefix length"),
        BadRow(csv: "network,label\n10.0.0.0/33,x\n", expected: "intel.csv:2: column network: prefix length out of range"),
        BadRow(csv: "network,label\n2001:db8::/129,x\n", expected: "intel.csv:2: column network: prefix length out of range"),
        BadRow(csv: "network,label\nexample.com,x\n", expected: "intel.csv:2: column network: not an IPv4 or IPv6 address"),
        BadRow(csv: "network,label\n,x\n", expected: "intel.csv:2: column network: empty network"),
        BadRow(csv: "network,label\n\n\n1.2.3.0/24,x,y\n", expected: "intel.csv:4: 3 fields, but the header has 2 columns"),
        BadRow(csv: "network,asn\n1.2.3.0/24,4294967296\n", expected: "intel.csv:2: column asn: expected a whole number from 0"),
        BadRow(csv: "network,asn\n1.2.3.0/24,-5\n", expected: "intel.csv:2: column asn: expected a whole number from 0"),
        BadRow(
            csv: "network,accuracy_radius\n1.2.3.0/24,70000\n", expected: "intel.csv:2: column accuracy_radius: expected a whole number"),
        BadRow(
            csv: "network,is_hosting_provider\n1.2.3.0/24,maybe\n",
            expected: "intel.csv:2: column is_hosting_provider: expected true or false"),
        BadRow(csv: "network,latitude\n1.2.3.0/24,91\n", expected: "intel.csv:2: column latitude: expected a number from -90 to 90"),
        BadRow(csv: "network,longitude\n1.2.3.0/24,nan\n", expected: "intel.csv:2: column longitude: expected a number from -180 to 180"),
        BadRow(csv: "network,country\n1.2.3.0/24,GBR\n", expected: "intel.csv:2: column country: expected a two-letter ISO 3166-1"),
        BadRow(csv: "network,label\n1.2.3.0/24,\"open\n\n", expected: "intel.csv:2: quoted field never closed"),
        BadRow(csv: "network,label\n1.2.3.0/24,\"a\"b\n", expected: "intel.csv:2: text after the closing quote of field 2"),
        BadRow(csv: "network,label\n1.2.3.0/24,a\"b\n", expected: "intel.csv:2: a \" inside unquoted field 2"),
        BadRow(csv: "network,label\n1.2.3.0/24,\"x\ny\"z\n", expected: "intel.csv:3: text after the closing quote"),
    ])
    func badRows(_ row: BadRow) throws {
        let list = Self.decode(row.csv)
        #expect(list.problems.count == 1)
        #expect(list.entries.isEmpty)
        #expect(list.badRowCount == 1)
        let problem = try #require(list.problems.first)
        #expect(problem.description.hasPrefix(row.expected), "\(problem.description)")
    }

    @Test(arguments: [
        ("", "intel.csv:1: empty file: expected a header line starting with network"),
        ("label,network\n", "intel.csv:1: the header's first column must be network"),
        ("network,label,label\n", "intel.csv:1: header names column label twice"),
        ("network,,x\n", "intel.csv:1: header column 2 has no name"),
    ])
    func badHeaders(_ csv: String, _ expected: String) throws {
        let list = Self.decode(csv)
        #expect(list.problems.map(\.description).first?.hasPrefix(expected) == true, "\(list.problems)")
        #expect(list.entries.isEmpty)
    }

    @Test func valuesAreQuotedOnlyWhenAskedAndMadeSafe() throws {
        let list = Self.decode("network,asn\n1.2.3.0/24,\"\u{1B}[31mAS-bad\"\n")
        let problem = try #require(list.problems.first)
        #expect(!problem.description.contains("AS-bad"))
        #expect(problem.verboseDescription.hasSuffix(#": "AS-bad""#))
        #expect(!problem.verboseDescription.contains("\u{1B}"))
    }

    @Test func goodRowsAroundBadOnesAreKeptAndEveryProblemCounted() throws {
        let list = Self.decode("network,asn,country\n1.0.0.0/8,1,US\n2.0.0.0/8,x,USA\n3.0.0.0/8,3,\n4.0.0.1/8,4,\n")
        #expect(list.entries.map(\.line) == [2, 4])
        #expect(list.rowCount == 4 && list.badRowCount == 2)
        #expect(list.problems.map { $0.line ?? 0 } == [3, 3, 5])
        #expect(list.problems.map { $0.column ?? "" } == ["asn", "country", "network"])
    }

    @Test func invalidUTF8IsReported() throws {
        let bytes = Array("network,label\n1.2.3.0/24,".utf8) + [0xFF, 0xFE] + Array("\n".utf8)
        let list = IntelListDecoder.decode(bytes: bytes, file: "intel.csv")
        #expect(list.problems.first?.description == "intel.csv:2: field 2 is not valid UTF-8")
    }

    @Test func missingFile() throws {
        let error = #expect(throws: GeoError.self) { try IntelListDecoder.decode(contentsOf: "/nonexistent/intel.csv") }
        #expect(error?.reason == .noSuchFile)
    }

    @Test(arguments: [
        ("192.0.2.0/24", "192.0.2.0/24"), ("2001:DB8::/32", "2001:db8::/32"), ("::ffff:10.0.0.0/104", "10.0.0.0/8"),
        ("0.0.0.0/0", "0.0.0.0/0"), ("::/0", "::/0"), ("2001:db8::1", "2001:db8::1/128"),
    ])
    func networksParse(_ text: String, _ expected: String) throws {
        #expect(try IPNetwork.parse(Substring(text)).description == expected)
    }

    @Test func networkContainment() throws {
        let net = try IPNetwork.parse("10.1.0.0/16")
        #expect(net.contains(IPAddress("10.1.255.255")!))
        #expect(!net.contains(IPAddress("10.2.0.0")!))
        #expect(!net.contains(IPAddress("::a01:0")!))  // an IPv6 address is never in an IPv4 network
        #expect(IPNetwork(containing: IPAddress("2001:db8:ffff::1")!, prefixLength: 33).description == "2001:db8:8000::/33")
    }
}
