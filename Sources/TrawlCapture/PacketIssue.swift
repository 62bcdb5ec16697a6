/// Why a packet, a connection's client stream or a file could not be read in full.
///
/// Damage is counted by reason in `CaptureStatistics.damaged` and the first few cases are
/// kept as `CaptureProblem`s; packets that are merely not of interest (ARP, UDP, a later
/// IP fragment) are counted in `CaptureStatistics.skipped`. The raw value is the name used
/// in reports and in the JSON summary.
public enum PacketIssue: String, Sendable, Hashable, CaseIterable, Comparable {
    // Damage: the packet or stream is not what its headers say.
    /// The packet was cut by the capture's snap length (captured length < wire length).
    case cutBySnaplen = "cut_by_snaplen"
    /// Too short for its link-layer header, or a loopback header with an unknown family.
    case badLinkHeader = "bad_link_header"
    /// An IP header that is too short, has the wrong version for its framing, or whose
    /// header length does not fit in the packet.
    case badIPHeader = "bad_ip_header"
    /// An IP total (or payload) length that is smaller than the header or larger than the
    /// bytes on the wire.
    case badIPLength = "bad_ip_length"
    /// A TCP header whose data offset is below 5 words or past the end of the segment.
    case badTCPHeader = "bad_tcp_header"
    /// A client stream that starts like TLS but whose record or ClientHello is garbled
    /// (lengths that do not add up, a record that is not a handshake).
    case badClientHello = "bad_client_hello"
    /// A connection that ended (or the capture did) before its ClientHello was complete,
    /// for example because a segment was missing or cut by the snap length.
    case incompleteClientHello = "incomplete_client_hello"
    /// A ClientHello, SOCKS or HTTP preamble larger than the per-flow reassembly bound.
    case clientStreamTooLarge = "client_stream_too_large"
    /// libpcap stopped reading the file before its end (a truncated or corrupt file).
    case truncatedFile = "truncated_file"

    // Skipped: not damage, just not TCP over IP.
    /// Not IPv4 or IPv6 (ARP, LLDP, an 802.3 frame, an unknown EtherType).
    case notIP = "not_ip"
    /// IP, but not TCP (UDP, ICMP, ESP, …).
    case notTCP = "not_tcp"
    /// A later fragment of a fragmented IP packet (only first fragments carry the TCP header).
    case ipFragment = "ip_fragment"

    /// True for the reasons that mean something was damaged, false for "not of interest".
    public var isDamage: Bool {
        switch self {
        case .notIP, .notTCP, .ipFragment: return false
        default: return true
        }
    }

    public static func < (a: PacketIssue, b: PacketIssue) -> Bool { a.rawValue < b.rawValue }
}
