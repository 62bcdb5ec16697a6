import Foundation
import TestSupport
import Testing

/// `trawl intel build` and `trawl intel lookup`, run as the built binary.
@Suite struct IntelCommandTests {
    static let binary = builtProduct("trawl")

    func trawl(_ args: [String]) throws -> CommandResult { try runCommand(Self.binary, args) }

    @Test(arguments: [["intel", "build"], ["intel", "lookup"]])
    func helpHasAnExample(_ command: [String]) throws {
        let r = try trawl(command + ["--help"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("Example"))
    }

    @Test func buildThenLookUp() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let a = try dir.write("proxies.csv", text: "network,label,is_residential_proxy\n203.0.113.0/24,\"exit, pool A\",true\n")
        let b = try dir.write("hosting.csv", text: "network,asn,as_org\n203.0.113.0/24,64496,Example Hosting\n2001:db8::/48,64497,\n")
        let out = dir.file("own.mmdb")
        let build = try trawl(["intel", "build", a, b, "-o", out, "--type", "Trawl-Intel-Test"])
        #expect(build.status == 0, "\(build.stderr)")
        #expect(build.stderr.contains("3 row(s), 2 network(s) from 2 file(s)"))
        let r = try trawl(["intel", "lookup", out, "203.0.113.9", "2001:db8::1", "198.51.100.1"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(
            lines == [
                #"{"found":true,"ip":"203.0.113.9","network":"203.0.113.0/24","prefix_length":24,"#
                    + #""record":{"as_org":"Example Hosting","asn":64496,"is_residential_proxy":true,"label":"exit, pool A"}}"#,
                #"{"found":true,"ip":"2001:db8::1","network":"2001:db8::/48","prefix_length":48,"record":{"asn":64497}}"#,
                #"{"found":false,"ip":"198.51.100.1"}"#,
            ])
    }

    @Test func lookUpMaxMindDatabase() throws {
        let db = MaxMindFixtureTests.folder + "GeoLite2-ASN-Test.mmdb"
        let r = try trawl(["intel", "lookup", db, "1.128.0.0"])
        #expect(
            r.stdout
                == #"{"found":true,"ip":"1.128.0.0","network":"1.128.0.0/11","prefix_length":11,"#
                + #""record":{"autonomous_system_number":1221,"autonomous_system_organization":"Telstra Pty Ltd"}}"# + "\n")
    }

    @Test func badRowsFailTheBuildAndWriteNothing() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        var csv = "network,asn,label\n10.0.0.0/8,1,ok\n10.0.0.1/8,2,host bits\n11.0.0.0/8,AS-x,\u{1B}[2J\n"
        for i in 0..<30 { csv += "12.\(i).0.0/16,bad\(i),\n" }
        let input = try dir.write("intel.csv", text: csv)
        let out = dir.file("own.mmdb")
        let r = try trawl(["intel", "build", input, "-o", out])
        #expect(r.status == 65)
        #expect(!FileManager.default.fileExists(atPath: out))
        #expect(r.stderr.contains("\(input):3: column network: bits set past the prefix length"))
        #expect(r.stderr.contains("\(input):4: column asn: expected a whole number from 0 to 4294967295"))
        #expect(r.stderr.contains("… and 12 more problem(s)"))
        #expect(r.stderr.contains("32 problem(s) in 32 of 33 row(s)"))
        #expect(!r.stderr.contains("AS-x"))
        let verbose = try trawl(["intel", "build", input, "-o", out, "--verbose"])
        #expect(
            verbose.stderr.contains(#"column asn: expected a whole number from 0 to 4294967295 (an AS number, AS prefix allowed): "AS-x""#))
        #expect(!verbose.stderr.contains("\u{1B}"))
    }

    @Test func exitStatuses() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        #expect(try trawl(["intel", "build", "/nonexistent/intel.csv", "-o", dir.file("x.mmdb")]).status == 66)
        #expect(try trawl(["intel", "build", dir.path]).status == 64)  // no -o
        let csv = try dir.write("ok.csv", text: "network\n10.0.0.0/8\n")
        #expect(try trawl(["intel", "build", csv, "-o", csv + "/x.mmdb"]).status == 74)  // a file where a folder must be
        let nested = try trawl(["intel", "build", csv, "-o", dir.file("new/folder/x.mmdb")])
        #expect(nested.status == 0 && FileManager.default.fileExists(atPath: dir.file("new/folder/x.mmdb")))
        let bad = MaxMindFixtureTests.folder + "bad-data/libmaxminddb-offset-integer-overflow.mmdb"
        #expect(try trawl(["intel", "lookup", bad, "1.1.1.1"]).status == 65)
        #expect(try trawl(["intel", "lookup", "/nonexistent/x.mmdb", "1.1.1.1"]).status == 66)
        let notAnAddress = try trawl(["intel", "lookup", MaxMindFixtureTests.folder + "GeoIP2-City-Test.mmdb", "1.2.3.999"])
        #expect(notAnAddress.status == 64)
        #expect(notAnAddress.stderr.contains("not an IPv4 or IPv6 address: 1.2.3.999"))
    }
}
