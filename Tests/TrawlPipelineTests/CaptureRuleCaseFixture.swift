import Foundation
import TestSupport
import Testing
import TrawlCapture
import TrawlModel

/// The capture of the rule case `fixtures/rules/capture_relay_vs_honest_stacks/`, made
/// here with TrawlCapture's writer so that it can be read and remade: the test fails when
/// the file differs from what this code writes (`TRAWL_WRITE_FIXTURES=1` rewrites it).
///
/// Connections, all at 2026-11-21T10:00:00Z + 60 s × k to api.example.com:
/// - 198.51.100.20:40000+k, k 0..<10: Go's ClientHello from a Linux SYN with MSS 1380
///   (a relay behind a tunnelled proxy exit; the log says Chrome on Windows);
/// - 203.0.113.50:41000+k: Python's ClientHello from a Google Cloud VM's SYN (MSS 1420:
///   a tunnel hint) — an SDK job, honest;
/// - 192.0.2.77:42000+k: Safari's ClientHello from a Mac's SYN with MSS 1380 — a person on a VPN;
/// - 192.0.2.88:43000+k: Node.js's ClientHello from a Linux SYN — Claude Code on Linux.
@Suite struct CaptureRuleCaseFixture {
    static let folder = repositoryRoot() + "/fixtures/rules/capture_relay_vs_honest_stacks"
    static let start: Int64 = 1_795_255_200_000_000  // 2026-11-21T10:00:00Z in µs

    static func bytes() throws -> [UInt8] {
        let dir = try TemporaryDirectory("trawl-fixture")
        defer { dir.remove() }
        let path = dir.file("capture.pcap")
        let w = try PcapWriter(path: path)
        let server = Endpoint(address: IPAddress("198.18.0.10")!, port: 443)
        var gcp = SYNProfile.linux
        gcp.mss = 1420
        var tunnelled = SYNProfile.linux
        tunnelled.mss = 1380
        tunnelled.window = 0
        var vpn = SYNProfile.apple
        vpn.mss = 1380
        let clients: [(String, UInt16, SYNProfile, ClientHelloProfile)] = [
            ("198.51.100.20", 40_000, tunnelled, .Known.go),
            ("203.0.113.50", 41_000, gcp, .Known.python),
            ("192.0.2.77", 42_000, vpn, .Known.safari),
            ("192.0.2.88", 43_000, .linux, .Known.node),
        ]
        for k in 0..<10 {
            for (i, (ip, port, syn, hello)) in clients.enumerated() {
                let client = Endpoint(address: IPAddress(ip)!, port: port + UInt16(k))
                let t = start + Int64(k) * 60_000_000 + Int64(i) * 1000
                let seed = UInt64(k * 16 + i + 1)
                try w.write(
                    micros: t,
                    frame: PacketBuilder.syn(client: client, server: server, profile: syn, hops: 12, sequence: 1000, timestamp: 5, ipID: 0))
                try w.write(
                    micros: t + 30_000,
                    frame: PacketBuilder.frame(
                        source: server, destination: client, ttl: 58, sequence: 9000, acknowledgment: 1001,
                        flags: PacketBuilder.syn | PacketBuilder.ack, window: 65_535))
                let record = ClientHelloBuilder.record(hello, serverName: "api.example.com", seed: seed)
                try w.write(
                    micros: t + 31_000,
                    frame: PacketBuilder.frame(
                        source: client, destination: server, ttl: syn.initialTTL - 12, sequence: 1001, acknowledgment: 9001,
                        flags: PacketBuilder.ack | PacketBuilder.psh, window: 502, payload: record[...]))
            }
        }
        try w.close()
        return Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    @Test func theFixtureIsWhatTheWriterWrites() throws {
        let fresh = try Self.bytes()
        let path = Self.folder + "/capture.pcap"
        if ProcessInfo.processInfo.environment["TRAWL_WRITE_FIXTURES"] == "1" {
            try Data(fresh).write(to: URL(fileURLWithPath: path))
        }
        let stored = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(Array(stored) == fresh)
    }
}
