import TrawlModel

/// The fields of one TCP segment that connection tracking and the SYN signature use.
///
/// A plain value filled in place for every packet (no allocation); the offsets point into
/// the packet's captured bytes.
struct TCPSegment {
    var source = IPAddress(high: 0, low: 0)
    var destination = IPAddress(high: 0, low: 0)
    var sourcePort: UInt16 = 0
    var destinationPort: UInt16 = 0
    var sequence: UInt32 = 0
    var acknowledgment: UInt32 = 0
    /// TCP flags byte: FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10, URG 0x20, ECE 0x40, CWR 0x80.
    var flags: UInt8 = 0
    var window: UInt16 = 0
    var urgentPointer: UInt16 = 0
    /// 4 or 6.
    var ipVersion: UInt8 = 4
    /// TTL (IPv4) or hop limit (IPv6).
    var ttl: UInt8 = 0
    /// IPv4 identification (0 for IPv6).
    var ipID: UInt16 = 0
    var dontFragment = false
    /// The IPv4 header's reserved ("must be zero") flag bit.
    var ipReservedBit = false
    /// The two ECN bits of the IPv4 TOS or IPv6 traffic class.
    var ipECN: UInt8 = 0
    /// The IPv6 flow label (0 for IPv4).
    var flowLabel: UInt32 = 0
    /// Bytes of IPv4 options (0 for IPv6).
    var ipOptionsLength = 0
    /// The TCP options: offset in the packet and length.
    var optionsStart = 0
    var optionsLength = 0
    /// The TCP payload: offset in the packet, bytes captured, bytes on the wire.
    var payloadStart = 0
    var payloadCaptured = 0
    var payloadLength = 0
    /// The first fragment of a fragmented IP packet: the payload here is only its start.
    var firstFragment = false
    /// The link carries no path-MTU information (loopback): no tunnel hint.
    var loopback = false

    static let fin: UInt8 = 0x01, syn: UInt8 = 0x02, rst: UInt8 = 0x04, psh: UInt8 = 0x08
    static let ack: UInt8 = 0x10, urg: UInt8 = 0x20, ece: UInt8 = 0x40, cwr: UInt8 = 0x80
}

/// Reads link, IP and TCP headers from a captured frame.
///
/// Hand-written because it runs once per packet (the capture reader's hot path): bounds
/// checks on an `UnsafeRawBufferPointer`, big-endian loads, no allocation. There is no
/// Swift packet parser in the package mirror, and libpcap only frames packets.
enum PacketDecoder {
    /// The result of decoding one frame.
    enum Outcome: Equatable {
        case tcp
        case issue(PacketIssue)
    }

    static let ethernetIPv4: UInt16 = 0x0800, ethernetIPv6: UInt16 = 0x86DD
    static let pppoeSession: UInt16 = 0x8864

    /// Decodes a frame of `link` into `s`.
    /// - Parameter cut: the frame was cut by the snap length (captured < wire length), so a
    ///   header that runs past the end is reported as `cutBySnaplen`, not as a bad length.
    static func decode(_ p: UnsafeRawBufferPointer, link: LinkType, cut: Bool, into s: inout TCPSegment) -> Outcome {
        let short: PacketIssue = cut ? .cutBySnaplen : .badLinkHeader
        var offset = 0
        var etherType: UInt16
        s.loopback = false
        switch link {
        case .ethernet:
            guard p.count >= 14 else { return .issue(short) }
            etherType = be16(p, 12)
            offset = 14
        case .linuxCooked:
            guard p.count >= 16 else { return .issue(short) }
            s.loopback = be16(p, 2) == 772  // ARPHRD_LOOPBACK
            etherType = be16(p, 14)
            offset = 16
        case .linuxCooked2:
            guard p.count >= 20 else { return .issue(short) }
            etherType = be16(p, 0)
            s.loopback = be16(p, 8) == 772
            offset = 20
        case .rawIP:
            guard p.count >= 1 else { return .issue(short) }
            etherType = p[0] >> 4 == 6 ? ethernetIPv6 : ethernetIPv4
        case .bsdLoopback:
            // The family is in the byte order of the machine that captured (2 for IPv4;
            // 10, 24, 28 or 30 for IPv6 depending on the system): read the IP version instead.
            guard p.count >= 5 else { return .issue(short) }
            s.loopback = true
            offset = 4
            switch p[4] >> 4 {
            case 4: etherType = ethernetIPv4
            case 6: etherType = ethernetIPv6
            default: return .issue(.notIP)
            }
        }
        // 802.1Q / QinQ tags and PPPoE sessions (Ethernet, and cooked captures that keep tags).
        var tags = 0
        while true {
            if etherType == 0x8100 || etherType == 0x88A8 || etherType == 0x9100 {  // 802.1Q, 802.1ad, old QinQ
                guard tags < 8, p.count >= offset + 4 else { return .issue(short) }
                etherType = be16(p, offset + 2)
                offset += 4
                tags += 1
            } else if etherType == pppoeSession {
                guard p.count >= offset + 8 else { return .issue(short) }
                switch be16(p, offset + 6) {
                case 0x0021: etherType = ethernetIPv4
                case 0x0057: etherType = ethernetIPv6
                default: return .issue(.notIP)
                }
                offset += 8
            } else {
                break
            }
        }
        switch etherType {
        case ethernetIPv4: return decodeIPv4(p, at: offset, cut: cut, into: &s)
        case ethernetIPv6: return decodeIPv6(p, at: offset, cut: cut, into: &s)
        default: return .issue(.notIP)
        }
    }

    static func decodeIPv4(_ p: UnsafeRawBufferPointer, at o: Int, cut: Bool, into s: inout TCPSegment) -> Outcome {
        guard p.count >= o + 20 else { return .issue(cut ? .cutBySnaplen : .badIPHeader) }
        let vihl = p[o]
        guard vihl >> 4 == 4 else { return .issue(.badIPHeader) }
        let headerLength = Int(vihl & 15) * 4
        guard headerLength >= 20 else { return .issue(.badIPHeader) }
        guard p.count >= o + headerLength else { return .issue(cut ? .cutBySnaplen : .badIPHeader) }
        var totalLength = Int(be16(p, o + 2))
        // A total length of 0 is what a capture on the sending host shows for a segment the
        // NIC will split (TCP segmentation offload); like Wireshark, take the frame's length.
        if totalLength == 0 && !cut { totalLength = p.count - o }
        guard totalLength >= headerLength else { return .issue(.badIPLength) }
        // Ethernet pads short frames, so more bytes than the total length is normal; fewer
        // is a lying length unless the snap length cut the frame.
        if p.count < o + totalLength && !cut { return .issue(.badIPLength) }
        let flagsAndOffset = be16(p, o + 6)
        let fragmentOffset = flagsAndOffset & 0x1FFF
        let moreFragments = flagsAndOffset & 0x2000 != 0
        guard p[o + 9] == 6 else { return .issue(.notTCP) }
        if fragmentOffset != 0 { return .issue(.ipFragment) }
        s.ipVersion = 4
        s.ipECN = p[o + 1] & 3
        s.ipID = be16(p, o + 4)
        s.dontFragment = flagsAndOffset & 0x4000 != 0
        s.ipReservedBit = flagsAndOffset & 0x8000 != 0
        s.ttl = p[o + 8]
        s.source = IPAddress(v4: be32(p, o + 12))
        s.destination = IPAddress(v4: be32(p, o + 16))
        s.flowLabel = 0
        s.ipOptionsLength = headerLength - 20
        s.firstFragment = moreFragments
        return decodeTCP(p, at: o + headerLength, end: o + totalLength, cut: cut, into: &s)
    }

    static func decodeIPv6(_ p: UnsafeRawBufferPointer, at o: Int, cut: Bool, into s: inout TCPSegment) -> Outcome {
        guard p.count >= o + 40 else { return .issue(cut ? .cutBySnaplen : .badIPHeader) }
        let word = be32(p, o)
        guard word >> 28 == 6 else { return .issue(.badIPHeader) }
        let payloadLength = Int(be16(p, o + 4))
        // A zero payload length means a jumbogram (RFC 2675): not expected at an edge.
        guard payloadLength > 0 else { return .issue(.badIPLength) }
        let end = o + 40 + payloadLength
        if p.count < end && !cut { return .issue(.badIPLength) }
        s.ipVersion = 6
        s.ipECN = UInt8((word >> 20) & 3)
        s.flowLabel = word & 0xFFFFF
        s.ttl = p[o + 7]
        s.ipID = 0
        s.dontFragment = false
        s.ipReservedBit = false
        s.ipOptionsLength = 0
        s.firstFragment = false
        s.source = IPAddress(high: be64(p, o + 8), low: be64(p, o + 16))
        s.destination = IPAddress(high: be64(p, o + 24), low: be64(p, o + 32))
        // Walk the extension headers to TCP.
        var next = p[o + 6]
        var at = o + 40
        var hops = 0
        while next != 6 {
            hops += 1
            guard hops <= 16 else { return .issue(.badIPHeader) }
            switch next {
            case 0, 43, 60, 135, 139, 140:  // hop-by-hop, routing, destination, mobility, HIP, shim6
                guard p.count >= at + 8, at + 8 <= end else { return .issue(cut ? .cutBySnaplen : .badIPHeader) }
                next = p[at]
                at += (Int(p[at + 1]) + 1) * 8
            case 51:  // authentication header: length in 4-byte units, minus 2
                guard p.count >= at + 8, at + 8 <= end else { return .issue(cut ? .cutBySnaplen : .badIPHeader) }
                next = p[at]
                at += (Int(p[at + 1]) + 2) * 4
            case 44:  // fragment
                guard p.count >= at + 8, at + 8 <= end else { return .issue(cut ? .cutBySnaplen : .badIPHeader) }
                next = p[at]
                let fragment = be16(p, at + 2)
                if fragment >> 3 != 0 { return next == 6 ? .issue(.ipFragment) : .issue(.notTCP) }
                s.firstFragment = fragment & 1 != 0
                at += 8
            default:
                return .issue(.notTCP)
            }
            if at > end { return .issue(.badIPHeader) }
        }
        return decodeTCP(p, at: at, end: end, cut: cut, into: &s)
    }

    /// Reads the TCP header at `o`; the segment ends at `end` on the wire.
    static func decodeTCP(_ p: UnsafeRawBufferPointer, at o: Int, end: Int, cut: Bool, into s: inout TCPSegment) -> Outcome {
        guard end - o >= 20 else { return .issue(.badTCPHeader) }
        guard p.count >= o + 20 else { return .issue(cut ? .cutBySnaplen : .badTCPHeader) }
        let headerLength = Int(p[o + 12] >> 4) * 4
        guard headerLength >= 20, o + headerLength <= end else { return .issue(.badTCPHeader) }
        guard p.count >= o + headerLength else { return .issue(cut ? .cutBySnaplen : .badTCPHeader) }
        s.sourcePort = be16(p, o)
        s.destinationPort = be16(p, o + 2)
        s.sequence = be32(p, o + 4)
        s.acknowledgment = be32(p, o + 8)
        s.flags = p[o + 13]
        s.window = be16(p, o + 14)
        s.urgentPointer = be16(p, o + 18)
        s.optionsStart = o + 20
        s.optionsLength = headerLength - 20
        s.payloadStart = o + headerLength
        s.payloadLength = end - s.payloadStart
        s.payloadCaptured = max(0, min(p.count, end) - s.payloadStart)
        return .tcp
    }

    @inline(__always) static func be16(_ p: UnsafeRawBufferPointer, _ i: Int) -> UInt16 {
        UInt16(p[i]) << 8 | UInt16(p[i + 1])
    }

    @inline(__always) static func be32(_ p: UnsafeRawBufferPointer, _ i: Int) -> UInt32 {
        UInt32(bigEndian: p.loadUnaligned(fromByteOffset: i, as: UInt32.self))
    }

    @inline(__always) static func be64(_ p: UnsafeRawBufferPointer, _ i: Int) -> UInt64 {
        UInt64(bigEndian: p.loadUnaligned(fromByteOffset: i, as: UInt64.self))
    }
}
