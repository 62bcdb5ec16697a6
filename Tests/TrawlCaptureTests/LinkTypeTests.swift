import TestSupport
import Testing
import TrawlCapture
import TrawlModel

/// One connection (SYN, SYN-ACK, ClientHello, FINs) written in each link type Trawl reads,
/// as a real pcap file read through libpcap.
@Suite struct LinkTypeTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let linkType: UInt32
        let ipv6: Bool
        let frame: @Sendable ([UInt8]) -> [UInt8]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "Ethernet IPv4", linkType: PcapBuilder.ethernet, ipv6: false) { PcapBuilder.ethernetFrame($0) },
        Case(name: "Ethernet IPv6", linkType: PcapBuilder.ethernet, ipv6: true) { PcapBuilder.ethernetFrame($0) },
        Case(name: "802.1Q VLAN", linkType: PcapBuilder.ethernet, ipv6: false) {
            PcapBuilder.ethernetFrame($0, vlanTags: [(0x8100, 42)])
        },
        Case(name: "QinQ (802.1ad + 802.1Q)", linkType: PcapBuilder.ethernet, ipv6: true) {
            PcapBuilder.ethernetFrame($0, vlanTags: [(0x88A8, 100), (0x8100, 42)])
        },
        Case(name: "Linux cooked SLL", linkType: PcapBuilder.sll, ipv6: false) { PcapBuilder.sllFrame($0) },
        Case(name: "Linux cooked SLL2", linkType: PcapBuilder.sll2, ipv6: true) { PcapBuilder.sll2Frame($0) },
        Case(name: "raw IP (LINKTYPE_RAW)", linkType: PcapBuilder.raw, ipv6: false) { $0 },
        Case(name: "raw IPv6 (LINKTYPE_RAW)", linkType: PcapBuilder.raw, ipv6: true) { $0 },
        Case(name: "LINKTYPE_IPV4", linkType: PcapBuilder.ipv4LinkType, ipv6: false) { $0 },
        Case(name: "LINKTYPE_IPV6", linkType: PcapBuilder.ipv6LinkType, ipv6: true) { $0 },
        Case(name: "BSD loopback IPv4", linkType: PcapBuilder.null, ipv6: false) { PcapBuilder.nullFrame($0) },
        Case(name: "BSD loopback IPv6 (macOS family 30)", linkType: PcapBuilder.null, ipv6: true) {
            PcapBuilder.nullFrame($0, family: 30)
        },
    ]

    @Test(arguments: cases)
    func readsSYNAndClientHello(_ c: Case) throws {
        let conversation = Conversation(ipv6: c.ipv6)
        let frames = conversation.packets(payload: FixtureHello.record).map(c.frame)
        let (dir, path) = try PcapBuilder.write(PcapBuilder.file(linkType: c.linkType, PcapBuilder.records(frames)))
        defer { dir.remove() }
        let (records, stats) = try CaptureReader.records(files: [path])
        #expect(stats.packets == 7)
        #expect(stats.tcpPackets == 7)
        #expect(stats.damaged.isEmpty)
        try #require(records.count == 1)
        let r = records[0]
        #expect(r.client.address == IPAddress(c.ipv6 ? "2001:db8::a" : "192.0.2.10"))
        #expect(r.client.port == 50_000)
        #expect(r.server.address == IPAddress(c.ipv6 ? "2001:db8::14" : "198.51.100.20"))
        #expect(r.server.port == 443)
        #expect(r.firstSeenMicros == 1_700_000_000_000_000)
        #expect(r.firstSeen == 1_700_000_000_000)
        #expect(r.lastSeenMicros == 1_700_000_000_006_000)
        #expect(r.clientEvidence == .syn)
        #expect(r.end == .fin)
        #expect(r.clientPackets == 4 && r.serverPackets == 3)
        #expect(r.clientBytes == FixtureHello.record.count && r.serverBytes == 6)
        #expect(r.tls.count == 1)
        #expect(r.firstTLS?.ja4 == FixtureHello.ja4)
        #expect(r.firstTLS?.ja4Raw == FixtureHello.ja4Raw)
        #expect(r.firstTLS?.ja3 == FixtureHello.ja3)
        #expect(r.firstTLS?.hello.serverName == FixtureHello.serverName)
        #expect(r.firstTLS?.hello.alpn == ["h2", "http/1.1"])
        let syn = try #require(r.syn)
        #expect(syn.ipVersion == (c.ipv6 ? 6 : 4))
        #expect(syn.mss == 1460)
        #expect(syn.windowScale == 7)
        #expect(syn.optionLayout == "mss,sok,ts,nop,ws")
        #expect(syn.ttl == 64 && syn.initialTTL == 64 && syn.hops == 0)
        // Loopback carries no path MTU: no tunnel hint there; elsewhere an MSS of 1460
        // (IPv4) is what Ethernet carries, and over IPv6 it is above the 1440 expected.
        #expect(syn.tunnelHint == nil)
        #expect(r.issue == nil)
    }

    @Test func ipv6ExtensionHeadersAreWalked() throws {
        // Hop-by-hop options, then destination options, then TCP.
        let c = Conversation(ipv6: true)
        let frames = c.packets(payload: FixtureHello.record).map { ip -> [UInt8] in
            let payload = Array(ip[40...])
            let wrapped = PcapBuilder.ipv6(
                source: Array(ip[8..<24]), destination: Array(ip[24..<40]), hopLimit: ip[7], extensionHeaders: [0, 60],
                payload: payload)
            return PcapBuilder.ethernetFrame(wrapped)
        }
        let (dir, path) = try PcapBuilder.write(PcapBuilder.file(linkType: PcapBuilder.ethernet, PcapBuilder.records(frames)))
        defer { dir.remove() }
        let (records, stats) = try CaptureReader.records(files: [path])
        #expect(stats.tcpPackets == 7)
        #expect(records.first?.firstTLS?.ja4 == FixtureHello.ja4)
        #expect(records.first?.syn?.ipVersion == 6)
    }

    @Test func unsupportedLinkTypeIsAnError() throws {
        // 105: IEEE 802.11 (Wi-Fi frames without radiotap).
        let (dir, path) = try PcapBuilder.write(PcapBuilder.file(linkType: 105, []))
        defer { dir.remove() }
        #expect {
            _ = try CaptureReader.records(files: [path])
        } throws: { error in
            guard let e = error as? CaptureError, case .unsupportedLinkType(let name) = e.reason else { return false }
            return name == "IEEE802_11"
        }
    }
}
