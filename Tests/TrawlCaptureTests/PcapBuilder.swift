import Foundation
import TestSupport
import TrawlCapture

/// Builds capture files byte by byte for tests: a classic pcap header and records around
/// frames made here (Ethernet, VLAN, SLL, SLL2, raw IP, BSD loopback; IPv4 and IPv6; TCP
/// with options). Checksums are left zero: Trawl does not check them, as captures taken on
/// a sending host often carry offloaded (wrong) checksums.
enum PcapBuilder {
    static let ethernet: UInt32 = 1, null: UInt32 = 0, raw: UInt32 = 101, sll: UInt32 = 113, sll2: UInt32 = 276
    static let ipv4LinkType: UInt32 = 228, ipv6LinkType: UInt32 = 229

    struct Record {
        var micros: Int64
        var bytes: [UInt8]
        /// The length on the wire, when the record was cut (else the byte count).
        var wireLength: Int?
    }

    /// A classic pcap file (microsecond timestamps, little-endian), as `PcapWriter` writes it.
    static func file(linkType: UInt32, snapLength: UInt32 = 262_144, _ records: [Record]) -> [UInt8] {
        var out: [UInt8] = []
        PcapWriter.appendFileHeader(linkType: linkType, snapLength: snapLength, to: &out)
        for r in records { PcapWriter.appendRecord(micros: r.micros, frame: r.bytes, wireLength: r.wireLength, to: &out) }
        return out
    }

    static func le16(_ v: UInt16, _ out: inout [UInt8]) { out += [UInt8(v & 0xFF), UInt8(v >> 8)] }
    static func le32(_ v: UInt32, _ out: inout [UInt8]) { for s in [0, 8, 16, 24] as [UInt32] { out.append(UInt8((v >> s) & 0xFF)) } }
    static func be16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xFF)] }
    static func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] }

    /// TCP flag bits.
    static let fin: UInt8 = 0x01, syn: UInt8 = 0x02, rst: UInt8 = 0x04, psh: UInt8 = 0x08, ack: UInt8 = 0x10

    /// A TCP segment's header and payload.
    struct TCP {
        var sourcePort: UInt16 = 50_000
        var destinationPort: UInt16 = 443
        var sequence: UInt32 = 1_000
        var acknowledgment: UInt32 = 0
        var flags: UInt8 = ack | psh
        var window: UInt16 = 64_240
        var options: [UInt8] = []
        var payload: [UInt8] = []

        func bytes() -> [UInt8] {
            var opts = options
            while opts.count % 4 != 0 { opts.append(0) }
            var out = be16(sourcePort) + be16(destinationPort) + be32(sequence) + be32(acknowledgment)
            out += [UInt8((20 + opts.count) / 4) << 4, flags] + be16(window) + [0, 0, 0, 0]
            return out + opts + payload
        }
    }

    /// Linux's usual SYN options: MSS, SACK permitted, timestamps, NOP, window scale.
    static func linuxSYNOptions(mss: UInt16 = 1460, scale: UInt8 = 7, timestamp: UInt32 = 12_345) -> [UInt8] {
        [2, 4] + be16(mss) + [4, 2] + [8, 10] + be32(timestamp) + be32(0) + [1, 3, 3, scale]
    }

    /// An IPv4 header (with `options`, padded to 4 bytes) around `payload`.
    static func ipv4(
        source: [UInt8] = [192, 0, 2, 10], destination: [UInt8] = [198, 51, 100, 20], ttl: UInt8 = 64, id: UInt16 = 0x1234,
        dontFragment: Bool = true, moreFragments: Bool = false, fragmentOffset: UInt16 = 0, protocol proto: UInt8 = 6,
        options: [UInt8] = [], totalLength: UInt16? = nil, headerWords: UInt8? = nil, payload: [UInt8]
    ) -> [UInt8] {
        var opts = options
        while opts.count % 4 != 0 { opts.append(0) }
        let headerLength = 20 + opts.count
        let flags: UInt16 = (dontFragment ? 0x4000 : 0) | (moreFragments ? 0x2000 : 0) | fragmentOffset
        var out: [UInt8] = [0x40 | (headerWords ?? UInt8(headerLength / 4)), 0]
        out += be16(totalLength ?? UInt16(headerLength + payload.count)) + be16(id) + be16(flags) + [ttl, proto, 0, 0]
        return out + source + destination + opts + payload
    }

    /// An IPv6 header, with optional extension headers (hop-by-hop, destination options).
    static func ipv6(
        source: [UInt8] = [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [0x0a],
        destination: [UInt8] = [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [0x14], hopLimit: UInt8 = 64,
        extensionHeaders: [UInt8] = [], payload: [UInt8]
    ) -> [UInt8] {
        // Each extension header here: next header, length 0 (8 bytes), 6 bytes of padding.
        let count = extensionHeaders.count
        var chain: [UInt8] = []
        for (i, kind) in extensionHeaders.enumerated() {
            let next: UInt8 = i + 1 < count ? extensionHeaders[i + 1] : 6
            _ = kind
            chain += [next, 0, 1, 4, 0, 0, 0, 0]
        }
        let first: UInt8 = count > 0 ? extensionHeaders[0] : 6
        var out: [UInt8] = [0x60, 0, 0, 0] + be16(UInt16(chain.count + payload.count)) + [first, hopLimit]
        out += source + destination
        return out + chain + payload
    }

    static let clientMAC: [UInt8] = [0x02, 0, 0, 0, 0, 1], serverMAC: [UInt8] = [0x02, 0, 0, 0, 0, 2]

    /// Ethernet II around an IP packet, with 802.1Q tags (outermost first) if given.
    static func ethernetFrame(_ ip: [UInt8], vlanTags: [(type: UInt16, id: UInt16)] = []) -> [UInt8] {
        var out = serverMAC + clientMAC
        for tag in vlanTags { out += be16(tag.type) + be16(tag.id) }
        out += be16(ip.first.map { $0 >> 4 == 6 } == true ? 0x86DD : 0x0800)
        return out + ip
    }

    /// Linux cooked v1 (16 bytes) around an IP packet.
    static func sllFrame(_ ip: [UInt8]) -> [UInt8] {
        be16(0) + be16(1) + be16(6) + clientMAC + [0, 0] + be16(ip.first.map { $0 >> 4 == 6 } == true ? 0x86DD : 0x0800) + ip
    }

    /// Linux cooked v2 (20 bytes) around an IP packet.
    static func sll2Frame(_ ip: [UInt8]) -> [UInt8] {
        be16(ip.first.map { $0 >> 4 == 6 } == true ? 0x86DD : 0x0800) + [0, 0] + be32(2) + be16(1) + [0, 6] + clientMAC + [0, 0] + ip
    }

    /// BSD loopback: the address family in the capturing host's byte order (here little-endian).
    static func nullFrame(_ ip: [UInt8], family: UInt32 = 2) -> [UInt8] {
        var out: [UInt8] = []
        le32(family, &out)
        return out + ip
    }

    /// Writes `bytes` to a fresh temporary folder and returns the folder and the path.
    static func write(_ bytes: [UInt8], name: String = "test.pcap") throws -> (TemporaryDirectory, String) {
        let dir = try TemporaryDirectory("trawl-capture")
        return (dir, try dir.write(name, bytes: bytes))
    }
}

/// The ClientHello of `fixtures/ja4/tls12.pcap` (Firefox to contile.services.mozilla.com),
/// as a TLS record, and its reference fingerprints from `tls12.pcap.python.json` and tshark.
enum FixtureHello {
    static let ja4 = "t13d1715h2_5b57614c22b0_3d5424432f57"
    static let ja4Raw =
        "t13d1715h2_002f,0035,009c,009d,1301,1302,1303,c009,c00a,c013,c014,c02b,c02c,c02f,c030,cca8,cca9_0005,000a,000b,000d,0015,0017,001c,0022,0023,002b,002d,0033,ff01_0403,0503,0603,0804,0805,0806,0401,0501,0601,0203,0201"
    /// tshark 4.0.17 `tls.handshake.ja3` for the same packet.
    static let ja3 = "579ccef312d18482fc42e2b822ca2430"
    static let serverName = "contile.services.mozilla.com"

    /// The TCP payload of the capture's one packet (Ethernet, IPv4, TCP).
    static let record: [UInt8] = {
        let data = [UInt8](try! Data(contentsOf: URL(fileURLWithPath: fixtures + "tls12.pcap")))
        let frame = 24 + 16
        let ip = frame + 14
        let ipHeader = Int(data[ip] & 15) * 4
        let totalLength = Int(data[ip + 2]) << 8 | Int(data[ip + 3])
        let tcp = ip + ipHeader
        let tcpHeader = Int(data[tcp + 12] >> 4) * 4
        return Array(data[(tcp + tcpHeader)..<(ip + totalLength)])
    }()

    static let fixtures = repositoryRoot() + "/fixtures/ja4/"
}

/// One TCP connection's packets, as IP packets (wrap them in a link frame).
struct Conversation {
    var ipv6 = false
    var clientPort: UInt16 = 50_000
    var serverPort: UInt16 = 443
    var clientISN: UInt32 = 1_000
    var serverISN: UInt32 = 9_000
    var clientTTL: UInt8 = 64
    var synOptions = PcapBuilder.linuxSYNOptions()
    var synWindow: UInt16 = 64_240

    var clientAddress: [UInt8] { ipv6 ? [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [0x0a] : [192, 0, 2, 10] }
    var serverAddress: [UInt8] { ipv6 ? [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [0x14] : [198, 51, 100, 20] }

    func ip(fromClient: Bool, _ tcp: PcapBuilder.TCP, ttl: UInt8? = nil) -> [UInt8] {
        let source = fromClient ? clientAddress : serverAddress
        let destination = fromClient ? serverAddress : clientAddress
        let hops = ttl ?? (fromClient ? clientTTL : 57)
        if ipv6 { return PcapBuilder.ipv6(source: source, destination: destination, hopLimit: hops, payload: tcp.bytes()) }
        return PcapBuilder.ipv4(source: source, destination: destination, ttl: hops, payload: tcp.bytes())
    }

    func syn() -> [UInt8] {
        ip(
            fromClient: true,
            .init(
                sourcePort: clientPort, destinationPort: serverPort, sequence: clientISN, flags: PcapBuilder.syn, window: synWindow,
                options: synOptions))
    }

    func synAck() -> [UInt8] {
        ip(
            fromClient: false,
            .init(
                sourcePort: serverPort, destinationPort: clientPort, sequence: serverISN, acknowledgment: clientISN &+ 1,
                flags: PcapBuilder.syn | PcapBuilder.ack, window: 65_535, options: [2, 4, 5, 0xb4]))
    }

    /// Client data at stream offset `offset` (0: the first byte after the SYN).
    func clientData(_ bytes: [UInt8], offset: Int = 0, flags: UInt8 = PcapBuilder.ack | PcapBuilder.psh) -> [UInt8] {
        ip(
            fromClient: true,
            .init(
                sourcePort: clientPort, destinationPort: serverPort, sequence: clientISN &+ 1 &+ UInt32(offset),
                acknowledgment: serverISN &+ 1, flags: flags, payload: bytes))
    }

    func serverData(_ bytes: [UInt8], offset: Int = 0, flags: UInt8 = PcapBuilder.ack | PcapBuilder.psh) -> [UInt8] {
        ip(
            fromClient: false,
            .init(
                sourcePort: serverPort, destinationPort: clientPort, sequence: serverISN &+ 1 &+ UInt32(offset),
                acknowledgment: clientISN &+ 1, flags: flags, payload: bytes))
    }

    /// SYN, SYN-ACK, ACK, the client's data in the given pieces (offset, bytes) in that
    /// order, a server reply, then FIN from both sides: IP packets in order.
    func packets(clientPieces: [(offset: Int, bytes: [UInt8])], clientLength: Int) -> [[UInt8]] {
        var out = [syn(), synAck(), clientData([], flags: PcapBuilder.ack)]
        for piece in clientPieces { out.append(clientData(piece.bytes, offset: piece.offset)) }
        out.append(serverData([0x16, 3, 3, 0, 1, 2]))
        out.append(clientData([], offset: clientLength, flags: PcapBuilder.fin | PcapBuilder.ack))
        out.append(serverData([], offset: 6, flags: PcapBuilder.fin | PcapBuilder.ack))
        return out
    }

    /// A whole connection carrying `payload` from the client in one segment.
    func packets(payload: [UInt8]) -> [[UInt8]] { packets(clientPieces: [(0, payload)], clientLength: payload.count) }
}

extension PcapBuilder {
    /// Records one millisecond apart from `start` (microseconds since the epoch).
    static func records(_ frames: [[UInt8]], start: Int64 = 1_700_000_000_000_000) -> [Record] {
        frames.enumerated().map { Record(micros: start + Int64($0.offset) * 1_000, bytes: $0.element) }
    }
}
