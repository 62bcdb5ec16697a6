import Foundation
import TestSupport
import Testing
import TrawlCapture
import TrawlModel

/// Trawl's JA4 against the JA4 reference tool's output (`ja4.py -J -r -o`, the
/// `.python.json` beside each capture) and its JA3 against tshark's.
///
/// For every capture, every client `JA4.n` and `JA4_r.n` value in the reference must be
/// among the ClientHellos of Trawl's record for the same TCP connection (same client and
/// server address and port). Only TCP is compared: the reference outputs no QUIC
/// fingerprints (`quic-tls-handshake.pcapng` gives `[]`), and Trawl reads no QUIC.
@Suite struct JA4ConformanceTests {
    static let fixtures = repositoryRoot() + "/fixtures/ja4"
    /// All of the shared test data, when it sits beside the repository (as on developers'
    /// machines and in CI): also the large captures not copied into fixtures/.
    static let shared = (repositoryRoot() as NSString).deletingLastPathComponent + "/shared/testdata/ja4"

    static func captures(in folder: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { $0.hasSuffix(".pcap") || $0.hasSuffix(".pcapng") }.sorted()
    }

    struct Expectation {
        let stream: Int
        let client: Endpoint
        let server: Endpoint
        let key: String
        let value: String
    }

    /// The client JA4 and JA4_r values of a `.python.json` file.
    static func expectations(_ path: String) throws -> [Expectation] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let entries = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] ?? []
        var out: [Expectation] = []
        for e in entries {
            guard let src = e["src"] as? String, let dst = e["dst"] as? String,
                let srcPort = (e["srcport"] as? String).flatMap(UInt16.init),
                let dstPort = (e["dstport"] as? String).flatMap(UInt16.init), let stream = e["stream"] as? Int,
                let client = IPAddress(src), let server = IPAddress(dst)
            else { continue }
            for (key, value) in e {
                let name = key.split(separator: ".").first.map(String.init)
                guard name == "JA4" || name == "JA4_r", key.contains("."), let text = value as? String else { continue }
                out.append(
                    Expectation(
                        stream: stream, client: Endpoint(address: client, port: srcPort), server: Endpoint(address: server, port: dstPort),
                        key: key, value: text))
            }
        }
        return out
    }

    /// Checks one capture; returns how many reference values were compared.
    @discardableResult
    static func check(_ capture: String) throws -> Int {
        let expected = try expectations(capture + ".python.json")
        let (records, _) = try CaptureReader.records(files: [capture])
        var byConnection: [[Endpoint]: [CaptureRecord]] = [:]
        for r in records { byConnection[[r.client, r.server], default: []].append(r) }
        let name = (capture as NSString).lastPathComponent
        for e in expected {
            let matches = byConnection[[e.client, e.server]] ?? []
            let values = matches.flatMap(\.tls).map { e.key.hasPrefix("JA4_r") ? $0.ja4Raw : $0.ja4 }
            #expect(values.contains(e.value), "\(name) stream \(e.stream) \(e.key): \(e.value) not in \(values)")
            // Stream numbers are Wireshark's tcp.stream; they agree where tshark numbers
            // only the TCP connections (its SOCKS dissector skips numbers).
            if !name.hasPrefix("socks") { #expect(matches.contains { $0.stream == e.stream }, "\(name) stream \(e.stream)") }
        }
        return expected.count
    }

    @Test(arguments: captures(in: fixtures))
    func fixtureMatchesReference(_ name: String) throws {
        try Self.check(Self.fixtures + "/" + name)
    }

    @Test func everyValueIsCompared() throws {
        // 292 values over the copied captures (308 in all of shared/testdata/ja4): a reference file that stopped parsing would show here.
        let total = try Self.captures(in: Self.fixtures).reduce(0) { try $0 + Self.check(Self.fixtures + "/" + $1) }
        #expect(total == 292)
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: shared), "shared/testdata/ja4 is not beside the repository"))
    func sharedTestDataMatchesReference() throws {
        var total = 0
        for name in Self.captures(in: Self.shared) { total += try Self.check(Self.shared + "/" + name) }
        #expect(total == 308)
    }

    /// JA3 and the JA3 string of every TCP ClientHello, against tshark 4.0.17's (fixtures/ja4/tshark-ja3.tsv).
    @Test func ja3MatchesTshark() throws {
        let text = try String(contentsOfFile: Self.fixtures + "/tshark-ja3.tsv", encoding: .utf8)
        var byCapture: [String: [(address: IPAddress, port: UInt16, ja3: String, raw: String)]] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let f = line.split(separator: "\t").map(String.init)
            byCapture[f[0], default: []].append((IPAddress(f[1])!, UInt16(f[2])!, f[3], f[4]))
        }
        var compared = 0
        for (capture, rows) in byCapture {
            let (records, _) = try CaptureReader.records(files: [Self.fixtures + "/" + capture])
            for row in rows {
                let hellos = records.filter { $0.client.address == row.address && $0.client.port == row.port }.flatMap(\.tls)
                #expect(hellos.contains { $0.ja3 == row.ja3 && $0.ja3Raw == row.raw }, "\(capture) \(row.address):\(row.port)")
                compared += 1
            }
        }
        #expect(compared == 147)
    }

    @Test func knownValues() throws {
        func only(_ name: String) throws -> CaptureRecord {
            let (records, _) = try CaptureReader.records(files: [Self.fixtures + "/" + name])
            return try #require(records.first { !$0.tls.isEmpty })
        }
        // TLS 1.0 with SNI as the only extension: JA4_c is twelve zeros. JA3 string and hash
        // as tshark gives them; the hash is MD5("769,57-56-…-3-255,0,,").
        let old = try only("https3-301-get.pcap")
        #expect(old.firstTLS?.ja4 == "t10d230100_6a57a6f57151_000000000000")
        #expect(old.firstTLS?.ja3 == "06a92bf69b367389d2feb0d70501ddfe")
        #expect(old.firstTLS?.ja3Raw == "769,57-56-53-22-19-10-51-50-47-154-153-150-5-4-21-18-9-20-17-8-6-3-255,0,,")
        #expect(old.firstTLS?.ja4OriginalRaw.hasSuffix("_0000") == true)
        // TLS behind an HTTP CONNECT (the reference Rust tool's value; ja4.py finds none).
        let tunnel = try only("https-connect.pcap")
        #expect(tunnel.firstTLS?.ja4 == "t12i860500_e18388e7f3a3_a1e935682795")
        #expect(tunnel.proxy == ProxyRequest(kind: .httpConnect, target: "ts01-b.cloudsink.net:443"))
        #expect(tunnel.http?.method == "CONNECT")
        // SOCKS4a before the ClientHello.
        let socks = try CaptureReader.records(files: [Self.fixtures + "/socks-https-example.pcap"]).records
        #expect(socks.map { $0.proxy?.kind } == [.socks4, .socks4a, .socks5])
        #expect(socks.allSatisfy { $0.firstTLS?.ja4 == "t10d230100_6a57a6f57151_000000000000" })
    }

    @Test func alpnRules() throws {
        // The first ALPN value is the bytes 0xBA 0xAD: the reference tools write 99,
        // technical_details/JA4.md (since January 2026) the hex digits' first and last: bd.
        let path = Self.fixtures + "/tls-non-ascii-alpn.pcapng"
        let reference = try CaptureReader.records(files: [path]).records.first?.firstTLS
        #expect(reference?.ja4 == "t13d151699_8daaf6152771_e5627efa2ab1")
        var options = CaptureOptions()
        options.alpnRule = .specification
        let specification = try CaptureReader.records(files: [path], options: options).records.first?.firstTLS
        #expect(specification?.ja4 == "t13d1516bd_8daaf6152771_e5627efa2ab1")
        var hello = ClientHello()
        for (bytes, spec, ref) in [
            ([0xAB], "ab", "99"), ([0x20], "20", "  "), ([0xAB, 0xCD], "ad", "99"), ([0x20, 0x61], "21", " a"),
            ([0x30, 0xAB], "3b", "09"), ([0x61, 0x20], "60", "a "), ([0x30, 0x31, 0xAB, 0xCD], "3d", "09"),
            ([0x30, 0xAB, 0xCD, 0x31], "01", "01"), ([0x68], "hh", "hh"),
        ] as [([UInt8], String, String)] {
            hello.firstALPNBytes = bytes
            #expect(TLSFingerprinter(alpnRule: .specification).fingerprint(hello).ja4.dropFirst(8).prefix(2) == spec[...])
            #expect(TLSFingerprinter(alpnRule: .reference).fingerprint(hello).ja4.dropFirst(8).prefix(2) == ref[...])
        }
    }

    @Test func helloRetryRequestGivesTwoClientHellos() throws {
        let (records, _) = try CaptureReader.records(files: [Self.fixtures + "/tls-handshake.pcapng"])
        let retried = records.filter { $0.tls.count == 2 }
        #expect(retried.count == 5)
        #expect(retried.allSatisfy { $0.tls[1].ja4 == "t13d1515h2_8daaf6152771_f37e75b10bcc" })
    }

    @Test func noTCPNoRecords() throws {
        for name in ["quic-tls-handshake.pcapng", "dhcp.pcapng"] {
            let (records, stats) = try CaptureReader.records(files: [Self.fixtures + "/" + name])
            #expect(records.isEmpty)
            #expect(stats.skipped[.notTCP] == stats.packets)
        }
    }
}
