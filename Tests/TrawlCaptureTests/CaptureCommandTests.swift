import Foundation
import TestSupport
import Testing
import TrawlCapture

/// `trawl capture`, run as the built binary.
@Suite struct CaptureCommandTests {
    static let binary = builtProduct("trawl")
    static let fixtures = repositoryRoot() + "/fixtures/ja4/"

    func trawl(_ args: [String]) throws -> CommandResult {
        try runCommand(Self.binary, ["capture", "--rules", repositoryRoot() + "/rules"] + args)
    }

    @Test func helpHasAnExample() throws {
        let r = try runCommand(Self.binary, ["capture", "--help"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("Example:"))
        #expect(r.stdout.contains("trawl capture --interface eth0"))
    }

    @Test func jsonLineForOneConnection() throws {
        let r = try trawl([Self.fixtures + "macos_tcp_flags.pcap"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n")
        try #require(lines.count == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(object["stream"] as? Int == 0)
        #expect(object["client_ip"] as? String == "172.16.5.16")
        #expect(object["client_port"] as? Int == 61_311)
        #expect(object["server_port"] as? Int == 443)
        #expect(object["client_by"] as? String == "syn")
        #expect((object["first_seen"] as? String)?.hasSuffix("Z") == true)
        #expect(object["first_seen_us"] is Int)
        #expect(object["ja4"] as? String == "t13d2613h2_2802a3db6c62_845d286b0d67")
        #expect((object["ja4_r"] as? String)?.hasPrefix("t13d2613h2_") == true)
        #expect(object["ja4_o"] is String && object["ja4_ro"] is String)
        #expect((object["ja3"] as? String)?.count == 32)
        #expect((object["ja3_r"] as? String)?.hasPrefix("771,") == true)
        #expect(object["sni"] as? String == "venarisecurity.com")
        #expect(object["alpn"] as? [String] == ["h2", "http/1.1"])
        #expect(object["syn_signature"] as? String == "4:64+0:0:1460:65535,6:mss,nop,ws,nop,nop,ts,sok,eol+1:df,ecn:0")
        #expect(object["os"] as? String == "macOS or iOS")
        #expect(object["os_family"] as? String == "macos_ios")
        #expect(object["tunnel_hint"] == nil)
        #expect(r.stderr.contains("connections: 1 (TLS 1, HTTP 0, SYN 1)"))
    }

    @Test func tunnelHintAndProxyFields() throws {
        let r = try trawl([Self.fixtures + "socks4-https.pcap", Self.fixtures + "http1-with-cookies.pcapng"])
        let lines = r.stdout.split(separator: "\n").map { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(lines.count == 2)
        let socks = try #require(lines.first { $0?["proxy"] != nil } ?? nil)
        #expect(socks["proxy"] as? String == "socks4a")
        #expect(socks["proxy_target"] as? String == "login.live.com:443")
        #expect(socks["tunnel_hint"] as? String == "vpn")
        #expect(socks["mss_deficit"] as? Int == 100)
        #expect(socks["os_family"] as? String == "windows")
        let http = try #require(lines.first { $0?["user_agent"] != nil } ?? nil)
        #expect(http["http_header_order"] as? String == "1:host,user-agent,accept,referer,cookie,accept-language")
        #expect(http["http_host"] as? String == "localhost:8000")
    }

    @Test func attackerTextIsEscaped() throws {
        // An SNI with an ANSI escape, a bidi override and a line separator.
        var hello = FixtureHello.record
        let name = Array(FixtureHello.serverName.utf8)
        let at = try #require(hello.indices.first { hello[$0..<min(hello.count, $0 + name.count)].elementsEqual(name) })
        hello.replaceSubrange(at..<(at + 12), with: Array("\u{1B}[2J\u{202E}ab\u{2028}".utf8))  // 12 bytes
        let frames = Conversation().packets(payload: hello).map { PcapBuilder.ethernetFrame($0) }
        let (dir, path) = try PcapBuilder.write(PcapBuilder.file(linkType: PcapBuilder.ethernet, PcapBuilder.records(frames)))
        defer { dir.remove() }
        let r = try trawl([path])
        #expect(r.status == 0)
        #expect(r.stdout.contains(#""sni":"\u001b[2J\u202eab\u2028"#))
        #expect(!r.stdout.contains("\u{1B}") && !r.stdout.contains("\u{202E}"))
    }

    @Test func damageIsSummarisedAndTheExitIsZero() throws {
        let frames = Conversation().packets(payload: FixtureHello.record).map { PcapBuilder.ethernetFrame($0) }
        var records = PcapBuilder.records(frames)
        records[3].wireLength = records[3].bytes.count
        records[3].bytes.removeLast(100)
        let (dir, path) = try PcapBuilder.write(PcapBuilder.file(linkType: PcapBuilder.ethernet, records))
        defer { dir.remove() }
        let r = try trawl([path])
        #expect(r.status == 0)
        #expect(r.stderr.contains("damaged: 2 (cut_by_snaplen 1, incomplete_client_hello 1)"))
        #expect(r.stderr.contains("\(path):packet 4: cut_by_snaplen"))
        #expect(r.stdout.contains(#""issue":"incomplete_client_hello""#))
    }

    @Test func exitStatuses() throws {
        let missing = try trawl(["/no/such/capture.pcap"])
        #expect(missing.status == 66)
        #expect(missing.stderr.contains("/no/such/capture.pcap: no such file"))
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let text = try dir.write("notes.pcap", text: "this is not a capture\n")
        let notCapture = try trawl([text])
        #expect(notCapture.status == 65)
        #expect(notCapture.stderr.contains("not a pcap or pcapng capture"))
        let badFilter = try trawl(["--filter", "tcp port ((", Self.fixtures + "tls12.pcap"])
        #expect(badFilter.status == 64)
        #expect(badFilter.stderr.contains("the BPF filter does not compile"))
        #expect(try trawl([]).status == 64)
        #expect(try trawl(["--duration", "3", Self.fixtures + "tls12.pcap"]).status == 64)
        let badTable = try dir.write("sigs.yaml", text: "signatures:\n  - id: x\n    colour: red\n")
        let table = try trawl(["--signatures", badTable, Self.fixtures + "tls12.pcap"])
        #expect(table.status == 65)
        #expect(table.stderr.contains("sigs.yaml:3:5: unknown key `colour`"))
    }

    @Test func filterAppliesToFiles() throws {
        let r = try trawl(["--filter", "tcp port 1080", Self.fixtures + "socks-https-example.pcap", Self.fixtures + "tls12.pcap"])
        #expect(r.status == 0)
        #expect(r.stdout.split(separator: "\n").count == 3)
    }

    /// Whether this machine lets `trawl capture` open the loopback interface (root, an
    /// `lo`, and a sandbox that allows packet sockets).
    static let loopbackCaptureWorks: Bool = {
        guard getuid() == 0, let probe = try? runCommand(binary, ["capture", "--interface", "lo", "--duration", "0.2"]) else {
            return false
        }
        return probe.status == 0
    }()

    /// Live capture on the loopback interface, when this machine allows it.
    @Test(.enabled(if: loopbackCaptureWorks, "live capture on lo needs root and packet sockets (skipped here)"))
    func liveCaptureOnLoopback() throws {
        // A listener and a client on loopback; the client sends the fixture ClientHello.
        let port = UInt16.random(in: 20_000...40_000)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = ["capture", "--interface", "lo", "--filter", "tcp port \(port)", "--duration", "3"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = Pipe()
        try process.run()
        Thread.sleep(forTimeInterval: 1)
        try LoopbackPeer.exchange(port: port, payload: FixtureHello.record)
        process.waitUntilExit()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 0)
        #expect(text.contains(#""ja4":"\#(FixtureHello.ja4)""#))
        #expect(text.contains(#""server_port":\#(port)"#))
    }
}
