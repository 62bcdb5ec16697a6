import Foundation
import TestSupport
import Testing
import TrawlGeo
import TrawlModel

/// A database built by `trawl intel build` reads back the same through libmaxminddb
/// (`GeoDatabase`) and through MaxMind's own command-line reader, `mmdblookup` (Debian
/// `mmdb-bin`, installed by the Makefile).
@Suite struct MmdblookupConformanceTests {
    static let list = #"""
        network,label,asn,country,is_residential_proxy,latitude,longitude,as_org,accuracy_radius,time_zone
        10.0.0.0/8,corp,64500,GB,false,51.5,-0.125,"Corp, ""Ltd""",50,Europe/London
        10.1.0.0/16,proxy,AS64501,NL,true,52.37,4.9,,,
        10.1.2.3,host,,,,,,Zürich AG,,
        2001:db8::/32,v6net,64510,DE,,52.52,13.405,,300,Europe/Berlin
        2001:db8:1::/48,v6sub,,,yes,,,,,

        """#

    static let probes = [
        "10.0.0.1", "10.255.255.255", "10.1.0.0", "10.1.2.3", "10.1.2.4", "11.0.0.0", "::ffff:10.1.2.3",
        "2001:db8::1", "2001:db8:1::9", "2001:db8:2::", "2001:db9::",
    ]

    /// The record as `key=value` lines in mmdblookup's own formatting, from libmaxminddb.
    static func viaLibrary(_ db: GeoDatabase, _ ip: String) throws -> [String]? {
        guard let (_, value) = try db.lookupValue(try #require(IPAddress(ip))) else { return nil }
        guard case .map(let map) = value else { return ["<not a map>"] }
        return map.map { key, v in
            let text: String
            switch v {
            case .string(let s): text = "\"\(s)\""
            case .double(let d): text = String(format: "%f", d)
            case .boolean(let b): text = b ? "true" : "false"
            case .uint16(let n): text = "\(n)"
            case .uint32(let n): text = "\(n)"
            default: text = "\(v)"
            }
            return "\(key)=\(text)"
        }.sorted()
    }

    /// The record as `key=value` lines, from `mmdblookup`'s output (flat maps only).
    static func viaTool(_ path: String, _ ip: String) throws -> [String]? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/mmdblookup")
        p.arguments = ["--file", path, "--ip", ip]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = Pipe()
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        if text.contains("Could not find an entry") || p.terminationStatus != 0 { return nil }
        var rows: [String] = []
        var key: String?
        for raw in text.split(separator: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasSuffix(":"), line.hasPrefix("\"") {
                key = String(line.dropFirst().dropLast(2))
            } else if let k = key, let typeStart = line.range(of: " <", options: .backwards) {
                rows.append("\(k)=\(line[..<typeStart.lowerBound])")
                key = nil
            }
        }
        return rows.sorted()
    }

    @Test func libraryAndMmdblookupAgree() throws {
        #expect(FileManager.default.isExecutableFile(atPath: "/usr/bin/mmdblookup"), "install mmdb-bin (make deps)")
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let list = IntelListDecoder.decode(bytes: Array(Self.list.utf8), file: "intel.csv")
        #expect(list.problems.isEmpty)
        var writer = MaxMindWriter(databaseType: OwnIntel.databaseType, descriptions: ["en": "conformance"])
        for entry in list.entries { writer.insert(entry.network, entry.record) }
        let path = dir.file("intel.mmdb")
        try writer.write(to: path)
        let db = try GeoDatabase(path: path)

        var found = 0
        for ip in Self.probes {
            let library = try Self.viaLibrary(db, ip)
            let tool = try Self.viaTool(path, ip)
            #expect(library == tool, "\(ip)")
            if library != nil { found += 1 }
        }
        #expect(found == 9)  // all but 11.0.0.0 and 2001:db9::
        // Spot checks of what both say, so that agreeing on nothing cannot pass.
        #expect(try Self.viaTool(path, "10.1.2.3") == ["as_org=\"Zürich AG\"", "label=\"host\""])
        // mmdblookup prints strings unescaped.
        #expect(try Self.viaTool(path, "10.0.0.1")?.contains(#"as_org="Corp, "Ltd"""#) == true)
        #expect(try Self.viaTool(path, "10.0.0.1")?.contains("latitude=51.500000") == true)
        #expect(try Self.viaTool(path, "2001:db8:1::9") == ["is_residential_proxy=true", "label=\"v6sub\""])
        #expect(try Self.viaTool(path, "11.0.0.0") == nil)
    }
}
