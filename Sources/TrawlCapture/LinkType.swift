import CPcap

/// The framing in front of the IP header, from the capture's libpcap link type.
public enum LinkType: Sendable, Equatable, CustomStringConvertible {
    /// `DLT_EN10MB`: Ethernet II, with any number of 802.1Q / 802.1ad (QinQ) tags and
    /// PPPoE sessions.
    case ethernet
    /// `DLT_LINUX_SLL`: Linux "cooked" capture v1 (16-byte header), e.g. `tcpdump -i any`.
    case linuxCooked
    /// `DLT_LINUX_SLL2`: Linux cooked capture v2 (20-byte header).
    case linuxCooked2
    /// `DLT_RAW`, `LINKTYPE_IPV4`, `LINKTYPE_IPV6`: the packet starts with the IP header.
    case rawIP
    /// `DLT_NULL` / `DLT_LOOP`: BSD loopback, a 4-byte address family, then IP.
    case bsdLoopback

    /// The link type for a libpcap `DLT_*` value, or `nil` when Trawl cannot read it.
    public init?(dlt: Int32) {
        switch dlt {
        case DLT_EN10MB: self = .ethernet
        case DLT_LINUX_SLL: self = .linuxCooked
        case DLT_LINUX_SLL2: self = .linuxCooked2
        case DLT_RAW, 101, DLT_IPV4, DLT_IPV6: self = .rawIP  // 101: LINKTYPE_RAW as stored in files
        case DLT_NULL, DLT_LOOP: self = .bsdLoopback
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case .ethernet: return "Ethernet"
        case .linuxCooked: return "Linux cooked (SLL)"
        case .linuxCooked2: return "Linux cooked v2 (SLL2)"
        case .rawIP: return "raw IP"
        case .bsdLoopback: return "BSD loopback"
        }
    }
}
