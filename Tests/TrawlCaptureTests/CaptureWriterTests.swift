import Foundation
import TestSupport
import Testing
import TrawlCapture
import TrawlModel

/// `PcapWriter`, `PacketBuilder` and `ClientHelloBuilder` write captures that Trawl reads
/// back through libpcap with the fingerprints of the stacks they imitate.
@Suite struct CaptureWriterTests {
    static let table = try! SYNSignatureTable.load(path: repositoryRoot() + "/rules/tcp_signatures.yaml")
    static let server4 = Endpoint(address: IPAddress("203.0.113.10")!, port: 443)
    static let server6 = Endpoint(address: IPAddress("2001:db8:443::10")!, port: 443)

    /// One connection: SYN, SYN-ACK, then the ClientHello.
    static func connection(
        _ w: PcapWriter, client: Endpoint, at micros: Int64, syn: SYNProfile, hello: ClientHelloProfile, seed: UInt64
    ) throws {
        let server = client.address.isIPv4 ? server4 : server6
        try w.write(
            micros: micros,
            frame: PacketBuilder.syn(client: client, server: server, profile: syn, hops: 9, sequence: 1000, timestamp: 77, ipID: 0))
        try w.write(
            micros: micros + 20_000,
            frame: PacketBuilder.frame(
                source: server, destination: client, ttl: 60, sequence: 5000, acknowledgment: 1001,
                flags: PacketBuilder.syn | PacketBuilder.ack, window: 65_535))
        let record = ClientHelloBuilder.record(hello, serverName: "api.example.com", seed: seed)
        try w.write(
            micros: micros + 21_000,
            frame: PacketBuilder.frame(
                source: client, destination: server, ttl: syn.initialTTL - 9, sequence: 1001, acknowledgment: 5001,
                flags: PacketBuilder.ack | PacketBuilder.psh, window: 502, payload: record[...]))
    }

    /// Each known profile gives the JA4 listed for its stack (the fixture's or the observed
    /// client's), whatever the GREASE and random bytes.
    @Test func profilesGiveTheirStacksJA4() throws {
        let cases: [(ClientHelloProfile, String)] = [
            (ClientHelloProfile.Known.chromium, "t13d1516h2_8daaf6152771_e5627efa2ab1"),
            (ClientHelloProfile.Known.chromiumResumed, "t13d1516h2_8daaf6152771_9b887d9acb53"),
            (ClientHelloProfile.Known.firefox, "t13d1715h2_5b57614c22b0_3d5424432f57"),
            (ClientHelloProfile.Known.python, "t13d1812h1_85036bcba153_b26ce05bbdd6"),
            (ClientHelloProfile.Known.curl, "t13d3112h2_e8f1e7e78f70_b26ce05bbdd6"),
            (ClientHelloProfile.Known.node, "t13d5911h1_a33745022dd6_1f22a2ca17c4"),
            (ClientHelloProfile.Known.go, "t13d1311h2_f57a46bbacb6_e7c285222651"),
            (ClientHelloProfile.Known.java, "t13d3713h2_db35923f8641_7c76daad20ec"),
        ]
        let dir = try TemporaryDirectory("trawl-writer")
        defer { dir.remove() }
        let path = dir.file("profiles.pcap")
        let w = try PcapWriter(path: path)
        for (i, (profile, _)) in cases.enumerated() {
            let client = Endpoint(address: IPAddress(v4: 0xC000_0200 | UInt32(i + 1)), port: UInt16(40_000 + i))
            try Self.connection(
                w, client: client, at: 1_700_000_000_000_000 + Int64(i) * 1_000_000, syn: .linux, hello: profile, seed: UInt64(i) * 7919)
        }
        try w.close()
        #expect(w.records == 3 * cases.count)
        let read = try CaptureReader.records(files: [path])
        #expect(read.records.count == cases.count)
        for (i, (_, ja4)) in cases.enumerated() {
            let r = try #require(read.records.first { $0.client.port == UInt16(40_000 + i) })
            #expect(r.firstTLS?.ja4 == ja4)
            #expect(r.firstTLS?.hello.serverName == "api.example.com")
        }
        #expect(read.statistics.damagedTotal == 0)
        // Safari's profile gives Safari's a_b sections.
        let dir2 = try TemporaryDirectory("trawl-writer")
        defer { dir2.remove() }
        let w2 = try PcapWriter(path: dir2.file("safari.pcap"))
        try Self.connection(
            w2, client: Endpoint(address: IPAddress("192.0.2.1")!, port: 50_000), at: 1_700_000_000_000_000, syn: .apple,
            hello: ClientHelloProfile.Known.safari, seed: 3)
        try w2.close()
        let safari = try CaptureReader.records(files: [dir2.file("safari.pcap")]).records
        #expect(safari.first?.firstTLS?.ja4.hasPrefix("t13d2014h2_a09f3c656075_") == true)
    }

    /// Each SYN profile is named by the SYN table; a lower MSS raises the tunnel hint; an
    /// IPv6 SYN carries the hop limit and the path's IPv6 MSS.
    @Test(arguments: [
        (SYNProfile.linux, "linux", 1460 as UInt16, nil as String?),
        (SYNProfile.android, "android", 1460, nil),
        (SYNProfile.windows, "windows", 1380, "vpn"),
        (SYNProfile.apple, "macos_ios", 1452, "pppoe"),
        (SYNProfile(initialTTL: 64, layout: .linux, mss: 8961, window: 62_727, windowScale: 7), "linux_server", 8961, nil),
    ])
    func synProfiles(profile: SYNProfile, family: String, mss: UInt16, hint: String?) throws {
        var p = profile
        p.mss = mss
        let dir = try TemporaryDirectory("trawl-writer")
        defer { dir.remove() }
        let w = try PcapWriter(path: dir.file("syn.pcap"))
        try Self.connection(
            w, client: Endpoint(address: IPAddress("198.51.100.7")!, port: 51_000), at: 1_000_000, syn: p,
            hello: ClientHelloProfile.Known.go, seed: 1)
        try w.close()
        var options = CaptureOptions()
        options.signatureTable = Self.table
        let r = try #require(try CaptureReader.records(files: [dir.file("syn.pcap")], options: options).records.first)
        #expect(r.syn?.osGuess?.family == family)
        #expect(r.syn?.mss == Int(mss))
        #expect(r.syn?.hops == 9)
        #expect(r.syn?.tunnelHint?.kind == hint)
        #expect(r.clientEvidence == .syn)
    }

    @Test func ipv6() throws {
        let dir = try TemporaryDirectory("trawl-writer")
        defer { dir.remove() }
        let w = try PcapWriter(path: dir.file("v6.pcap"))
        var p = SYNProfile.linux
        p.mss = 1440
        try Self.connection(
            w, client: Endpoint(address: IPAddress("2001:db8::7")!, port: 51_001), at: 1_000_000, syn: p,
            hello: ClientHelloProfile.Known.python, seed: 2)
        try w.close()
        let r = try #require(try CaptureReader.records(files: [dir.file("v6.pcap")]).records.first)
        #expect(r.client.description == "[2001:db8::7]:51001")
        #expect(r.syn?.ipVersion == 6)
        #expect(r.syn?.tunnelHint == nil)
        #expect(r.firstTLS?.ja4 == "t13d1812h1_85036bcba153_b26ce05bbdd6")
    }

    @Test func anUnwritablePathIsAnError() {
        #expect(throws: CaptureError.self) { _ = try PcapWriter(path: "/nonexistent-dir/x.pcap") }
    }
}
