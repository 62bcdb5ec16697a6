import Foundation
import TestSupport
import Testing
import TrawlFeatures
import TrawlPipeline

/// `analyze --pcap`: requests join the captured connection of their client address and
/// port; the capture's JA4 counts where the log has none. Real captures read through
/// libpcap (fixtures/ja4, see its README).
@Suite struct CaptureJoinTests {
    static let captures = repositoryRoot() + "/fixtures/ja4"

    /// tls12.pcap: one ClientHello from 192.168.133.129:36372 at 2023-12-26T15:53:52.925Z.
    /// macos_tcp_flags.pcap: a SYN with MSS 1460 (no tunnel) from 172.16.5.16:61311.
    func run(window: Double, _ lines: [String]) throws -> [String: FeatureVector] {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        _ = try dir.write("logs/day.jsonl", text: lines.joined(separator: "\n") + "\n")
        var o = AnalyzeOptions(inputs: [dir.file("logs")])
        o.databasePath = dir.file("cases.sqlite")
        o.rulesDirectory = repositoryRoot() + "/rules"
        o.pcapPaths = [Self.captures + "/tls12.pcap", Self.captures + "/macos_tcp_flags.pcap"]
        o.joinWindowSeconds = window
        let outcome = try BatchAnalyzer.run(o)
        #expect(outcome.summary.capturedConnections >= 2)
        return Dictionary(uniqueKeysWithValues: outcome.results.map { ($0.features.accountID, $0.features.features) })
    }

    static func line(_ account: String, _ ts: String, _ ip: String, _ port: Int, ja4: String? = nil, ua: String? = nil) -> String {
        let j = ja4.map { #","ja4":"\#($0)""# } ?? ""
        let u = ua.map { #","user_agent":"\#($0)""# } ?? ""
        return #"{"ts":"\#(ts)","account_id":"\#(account)","client_ip":"\#(ip)","client_port":\#(port)\#(j)\#(u)}"#
    }

    @Test func requestsJoinTheirConnection() throws {
        let f = try run(
            window: 600,
            [
                // Two seconds after the handshake, same address and port: joined, JA4 from the capture.
                Self.line("acct-joined", "2023-12-26T15:53:54.925Z", "192.168.133.129", 36372),
                // Same address, another port: not joined.
                Self.line("acct-other-port", "2023-12-26T15:53:54.925Z", "192.168.133.129", 36373),
                // Before the connection began: not joined.
                Self.line("acct-before", "2023-12-26T15:53:50.000Z", "192.168.133.129", 36372),
                // Joined, but the log's own ja4 is kept (one fingerprint, not two).
                Self.line(
                    "acct-own-ja4", "2023-12-26T15:53:55.000Z", "192.168.133.129", 36372, ja4: "t13d1516h2_8daaf6152771_e5627efa2ab1"),
                // A SYN with a full-size MSS: joined, no tunnel.
                Self.line("acct-syn", "2022-10-28T09:46:20.000Z", "172.16.5.16", 61311),
            ])
        #expect(f["acct-joined"]?["distinct_ja4"] == .number(1))
        #expect(f["acct-joined"]?["tunnel_share"] == .number(0))
        #expect(f["acct-other-port"]?["distinct_ja4"] == nil)
        #expect(f["acct-other-port"]?["tunnel_share"] == nil)
        #expect(f["acct-before"]?["tunnel_share"] == nil)
        #expect(f["acct-own-ja4"]?["distinct_ja4"] == .number(1))
        #expect(f["acct-own-ja4"]?["tunnel_share"] == .number(0))
        #expect(f["acct-syn"]?["tunnel_share"] == .number(0))
    }

    /// macos_tcp_flags.pcap's SYN is macOS's: a Mac User-Agent fits, a Windows one does not,
    /// a CLI's names no OS.
    @Test func synOperatingSystemAgainstTheUserAgent() throws {
        let t = "2022-10-28T09:46:20.000Z"
        let f = try run(
            window: 600,
            [
                Self.line("acct-mac", t, "172.16.5.16", 61311, ua: "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) Safari/605.1.15"),
                Self.line("acct-windows", t, "172.16.5.16", 61311, ua: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/142.0.0.0"),
                Self.line("acct-cli", t, "172.16.5.16", 61311, ua: "claude-cli/2.0.37 (external, cli)"),
            ])
        #expect(f["acct-mac"]?["syn_os_mismatch_share"] == .number(0))
        #expect(f["acct-windows"]?["syn_os_mismatch_share"] == .number(1))
        #expect(f["acct-cli"]?["syn_os_mismatch_share"] == nil)
        #expect(OSFamily.linuxServer.fits(claimed: .windows) == false)
        #expect(OSFamily.linux.fits(claimed: .android))
    }

    /// tls12.pcap's ClientHello is Firefox's (NSS): a Firefox User-Agent fits; a Chrome one
    /// contradicts it but NSS is no relay's stack; the log's own ja4 (Python's) wins over the
    /// capture's and makes a Chrome User-Agent a relay's.
    @Test func tlsStackAgainstTheUserAgent() throws {
        let t = "2023-12-26T15:53:54.925Z", ip = "192.168.133.129"
        let chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36"
        let f = try run(
            window: 600,
            [
                Self.line("acct-firefox", t, ip, 36372, ua: "Mozilla/5.0 (X11; Linux x86_64; rv:145.0) Gecko/20100101 Firefox/145.0"),
                Self.line("acct-chrome", t, ip, 36372, ua: chrome),
                Self.line("acct-relay", t, ip, 36372, ja4: "t13d1812h1_85036bcba153_b26ce05bbdd6", ua: chrome),
                Self.line("acct-unjoined", t, ip, 1, ua: chrome),
            ])
        #expect(f["acct-firefox"]?["tls_ua_mismatch_share"] == .number(0))
        #expect(f["acct-firefox"]?["relay_stack_share"] == .number(0))
        #expect(f["acct-chrome"]?["tls_ua_mismatch_share"] == .number(1))
        #expect(f["acct-chrome"]?["relay_stack_share"] == .number(0))
        #expect(f["acct-relay"]?["tls_ua_mismatch_share"] == .number(1))
        #expect(f["acct-relay"]?["relay_stack_share"] == .number(1))
        #expect(f["acct-unjoined"]?["tls_ua_mismatch_share"] == nil)
    }

    @Test func theWindowBoundsTheJoin() throws {
        let f = try run(window: 1, [Self.line("acct-late", "2023-12-26T15:53:54.925Z", "192.168.133.129", 36372)])
        #expect(f["acct-late"]?["distinct_ja4"] == nil)
        #expect(f["acct-late"]?["tunnel_share"] == nil)
    }

    /// A broken stack table stops the run with its file and line (status 65), pcap or not.
    @Test func aBadStackTableIsExit65() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        _ = try dir.write("logs/day.jsonl", text: Self.line("a", "2023-12-26T15:53:54.925Z", "192.0.2.1", 1) + "\n")
        let rules = dir.file("rules")
        try FileManager.default.copyItem(atPath: repositoryRoot() + "/rules", toPath: rules)
        let table = rules + "/tls_stacks.yaml"
        let text = try String(contentsOfFile: table, encoding: .utf8)
        try text.replacingOccurrences(of: "stacks: [go]", with: "stacks: [golang]").write(toFile: table, atomically: true, encoding: .utf8)
        let line = text.components(separatedBy: "\n").firstIndex { $0.contains("stacks: [go]") }! + 1
        var o = AnalyzeOptions(inputs: [dir.file("logs")])
        o.databasePath = dir.file("cases.sqlite")
        o.rulesDirectory = rules
        let error = #expect(throws: PipelineError.self) { try BatchAnalyzer.run(o) }
        #expect(error?.exitCode == 65)
        #expect(error?.message.contains("tls_stacks.yaml:\(line):") == true)
        #expect(error?.message.contains("unknown stack `golang`") == true)
    }

    @Test func aMissingCaptureIsExit66() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        _ = try dir.write("logs/day.jsonl", text: Self.line("a", "2023-12-26T15:53:54.925Z", "192.0.2.1", 1) + "\n")
        var o = AnalyzeOptions(inputs: [dir.file("logs")])
        o.databasePath = dir.file("cases.sqlite")
        o.rulesDirectory = repositoryRoot() + "/rules"
        o.pcapPaths = [dir.file("nope.pcap")]
        let error = #expect(throws: PipelineError.self) { try BatchAnalyzer.run(o) }
        #expect(error?.exitCode == 66)
        #expect(error?.message.contains("nope.pcap") == true)
    }
}
