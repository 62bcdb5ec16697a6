/// What a client's TCP SYN says about its stack, in the style of p0f v3.
///
/// `signature` is `ver:ittl+hops:olen:mss:wsize,scale:olayout:quirks:pclass`, e.g.
/// `4:64+3:0:1460:mss*44,7:mss,sok,ts,nop,ws:df,id+:0`:
/// - `ver`: 4 or 6; `ittl+hops`: the guessed initial TTL and the hops since (`64+3` for
///   an observed TTL of 61); `olen`: bytes of IPv4 options;
/// - `mss`: the MSS option (`*` when absent); `wsize`: the window, written `mss*N` when it
///   is an exact multiple N ≥ 1 of the MSS, else in decimal; `scale`: the window-scale
///   option (`*` when absent);
/// - `olayout`: the TCP options in order (`eol+N` is end-of-list followed by N bytes of
///   padding, `?K` an unknown kind K);
/// - `quirks`: see `quirks`; `pclass`: `0` for no payload on the SYN, `+` otherwise.
public struct SYNSignature: Sendable, Equatable {
    public var ipVersion: Int
    /// TTL (IPv4) or hop limit (IPv6) as seen.
    public var ttl: Int
    /// The smallest of 32, 64, 128 and 255 that is at least `ttl`: the usual initial values.
    public var initialTTL: Int
    /// `initialTTL - ttl`: routers between the client and the capture point.
    public var hops: Int
    public var ipOptionsLength: Int
    public var mss: Int?
    public var window: Int
    public var windowScale: Int?
    /// TCP options in order, e.g. `mss,sok,ts,nop,ws`.
    public var optionLayout: String
    /// p0f v3 quirks seen, in this order when present: `df` (don't fragment), `id+` (DF
    /// set but IP ID not zero), `id-` (DF clear but IP ID zero), `ecn` (ECN bits in IP,
    /// or ECE/CWR on the SYN), `0+` (IPv4 reserved bit set), `flow` (IPv6 flow label not
    /// zero), `seq-` (sequence number zero), `ack+` (acknowledgment number not zero without
    /// ACK), `uptr+` (urgent pointer not zero without URG), `urgf+` (URG set), `pushf+`
    /// (PSH set), `ts1-` (own timestamp zero), `ts2+` (peer timestamp not zero on a SYN),
    /// `opt+` (non-zero bytes after end-of-list), `exws` (window scale above 14), `bad`
    /// (malformed options).
    public var quirks: [String]
    /// The SYN carried data (TCP Fast Open).
    public var hasPayload: Bool
    /// The whole signature string (see the type's description).
    public var signature: String
    /// The matching entry of the OS signature table, if any.
    public var osGuess: OSGuess?
    /// Set when the MSS is below what the path carries (see `TunnelHint`).
    public var tunnelHint: TunnelHint?
}

/// An OS-family guess from the SYN signature table (`rules/tcp_signatures.yaml`).
public struct OSGuess: Sendable, Equatable {
    /// The table entry's id, e.g. `linux-modern`.
    public var id: String
    /// e.g. `Linux (kernel 4.x and later)`.
    public var label: String
    /// `linux`, `linux_server`, `windows`, `macos_ios`, `android`, …
    public var family: String

    public init(id: String, label: String, family: String) {
        self.id = id
        self.label = label
        self.family = family
    }
}

/// The SYN's MSS is smaller than the capture point's path carries: the client sits behind
/// an encapsulation that eats into the MTU (or a network that clamps the MSS).
///
/// `expectedMSS` is the path MTU (1500 unless told otherwise) minus 40 bytes of IPv4 and
/// TCP headers, or minus 60 for IPv6; `deficit = expectedMSS - mss`. Kinds by deficit:
/// 1–11 `pppoe` (PPPoE adds 8 bytes), 12–39 `tunnel` (GRE 24, IP-in-IP and 6in4 20, …),
/// 40–159 `vpn` (IPsec ESP about 50–73, OpenVPN 41–69, WireGuard 60 or 80), 160 and more
/// `low_mss` (an MSS of 1300 or less; also set by some mobile networks and embedded
/// stacks). Mobile carriers often clamp the MSS to 1400–1440 too, so a hint is evidence
/// to weigh, not proof of a VPN. Loopback captures carry no hint.
public struct TunnelHint: Sendable, Equatable {
    public var kind: String
    public var expectedMSS: Int
    public var deficit: Int

    public init(kind: String, expectedMSS: Int, deficit: Int) {
        self.kind = kind
        self.expectedMSS = expectedMSS
        self.deficit = deficit
    }
}

/// The raw facts of a SYN, copied from the packet into fixed storage (no allocation per
/// packet); turned into a `SYNSignature` once, when the connection's record is made.
struct SYNObservation {
    var ipVersion: UInt8 = 4
    var ttl: UInt8 = 0
    var ipID: UInt16 = 0
    var dontFragment = false
    var ipReservedBit = false
    var ipECN: UInt8 = 0
    var flowLabel: UInt32 = 0
    var ipOptionsLength = 0
    var flags: UInt8 = 0
    var sequence: UInt32 = 0
    var acknowledgment: UInt32 = 0
    var window: UInt16 = 0
    var urgentPointer: UInt16 = 0
    var hasPayload = false
    var loopback = false
    var optionCount = 0
    /// Up to 40 bytes of TCP options.
    var options: (UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0)

    init() {}

    init(_ s: TCPSegment, packet: UnsafeRawBufferPointer) {
        ipVersion = s.ipVersion
        ttl = s.ttl
        ipID = s.ipID
        dontFragment = s.dontFragment
        ipReservedBit = s.ipReservedBit
        ipECN = s.ipECN
        flowLabel = s.flowLabel
        ipOptionsLength = s.ipOptionsLength
        flags = s.flags
        sequence = s.sequence
        acknowledgment = s.acknowledgment
        window = s.window
        urgentPointer = s.urgentPointer
        hasPayload = s.payloadLength > 0
        loopback = s.loopback
        optionCount = min(40, s.optionsLength)
        withUnsafeMutableBytes(of: &options) { o in
            o.copyMemory(from: UnsafeRawBufferPointer(rebasing: packet[s.optionsStart..<(s.optionsStart + optionCount)]))
        }
    }
}

/// Builds `SYNSignature`s from observed SYNs.
public struct SYNSignatureExtractor: Sendable {
    /// The MTU of the path in front of the capture point (1500 for Ethernet).
    public var pathMTU: Int
    /// The table the OS guess comes from (empty: no guesses).
    public var table: SYNSignatureTable

    public init(pathMTU: Int = 1500, table: SYNSignatureTable = SYNSignatureTable(entries: [])) {
        self.pathMTU = pathMTU
        self.table = table
    }

    /// The smallest usual initial TTL (32, 64, 128, 255) at least `ttl`.
    public static func initialTTL(_ ttl: Int) -> Int {
        if ttl <= 32 { return 32 }
        if ttl <= 64 { return 64 }
        if ttl <= 128 { return 128 }
        return 255
    }

    func signature(_ o: SYNObservation) -> SYNSignature {
        var mss: Int?
        var scale: Int?
        var layout: [String] = []
        var quirks: [String] = []
        var bad = false, trailing = false, ts1Zero = false, ts2Set = false
        withUnsafeBytes(of: o.options) { raw in
            let b = UnsafeRawBufferPointer(rebasing: raw[0..<o.optionCount])
            var i = 0
            while i < b.count {
                let kind = b[i]
                if kind == 0 {
                    layout.append("eol+\(b.count - i - 1)")
                    for k in (i + 1)..<b.count where b[k] != 0 { trailing = true }
                    break
                }
                if kind == 1 {
                    layout.append("nop")
                    i += 1
                    continue
                }
                guard i + 1 < b.count, b[i + 1] >= 2, i + Int(b[i + 1]) <= b.count else {
                    bad = true
                    layout.append(Self.optionName(kind))
                    break
                }
                let length = Int(b[i + 1])
                switch kind {
                case 2:
                    if length == 4 { mss = Int(b[i + 2]) << 8 | Int(b[i + 3]) } else { bad = true }
                case 3:
                    if length == 3 { scale = Int(b[i + 2]) } else { bad = true }
                case 4:
                    if length != 2 { bad = true }
                case 8:
                    if length == 10 {
                        let own = UInt32(b[i + 2]) << 24 | UInt32(b[i + 3]) << 16 | UInt32(b[i + 4]) << 8 | UInt32(b[i + 5])
                        let peer = UInt32(b[i + 6]) << 24 | UInt32(b[i + 7]) << 16 | UInt32(b[i + 8]) << 8 | UInt32(b[i + 9])
                        ts1Zero = own == 0
                        ts2Set = peer != 0
                    } else {
                        bad = true
                    }
                default:
                    break
                }
                layout.append(Self.optionName(kind))
                i += length
            }
        }
        let isSynOnly = o.flags & TCPSegment.ack == 0
        if o.ipVersion == 4 {
            if o.dontFragment { quirks.append("df") }
            if o.dontFragment && o.ipID != 0 { quirks.append("id+") }
            if !o.dontFragment && o.ipID == 0 { quirks.append("id-") }
        }
        if o.ipECN != 0 || o.flags & (TCPSegment.ece | TCPSegment.cwr) != 0 { quirks.append("ecn") }
        if o.ipReservedBit { quirks.append("0+") }
        if o.flowLabel != 0 { quirks.append("flow") }
        if o.sequence == 0 { quirks.append("seq-") }
        if isSynOnly && o.acknowledgment != 0 { quirks.append("ack+") }
        if o.flags & TCPSegment.urg == 0 && o.urgentPointer != 0 { quirks.append("uptr+") }
        if o.flags & TCPSegment.urg != 0 { quirks.append("urgf+") }
        if o.flags & TCPSegment.psh != 0 { quirks.append("pushf+") }
        if ts1Zero { quirks.append("ts1-") }
        if isSynOnly && ts2Set { quirks.append("ts2+") }
        if trailing { quirks.append("opt+") }
        if let s = scale, s > 14 { quirks.append("exws") }
        if bad { quirks.append("bad") }

        let ttl = Int(o.ttl)
        let ittl = Self.initialTTL(ttl)
        let window = Int(o.window)
        var windowText = String(window)
        if let m = mss, m > 0, window >= m, window % m == 0 { windowText = "mss*\(window / m)" }
        let olayout = layout.joined(separator: ",")
        let text = [
            String(o.ipVersion), "\(ittl)+\(ittl - ttl)", String(o.ipOptionsLength), mss.map(String.init) ?? "*",
            windowText + "," + (scale.map(String.init) ?? "*"), olayout, quirks.joined(separator: ","), o.hasPayload ? "+" : "0",
        ].joined(separator: ":")

        var hint: TunnelHint?
        if let m = mss, !o.loopback {
            let expected = pathMTU - (o.ipVersion == 6 ? 60 : 40)
            let deficit = expected - m
            if deficit > 0 {
                let kind: String
                switch deficit {
                case 1..<12: kind = "pppoe"
                case 12..<40: kind = "tunnel"
                case 40..<160: kind = "vpn"
                default: kind = "low_mss"
                }
                hint = TunnelHint(kind: kind, expectedMSS: expected, deficit: deficit)
            }
        }
        var result = SYNSignature(
            ipVersion: Int(o.ipVersion), ttl: ttl, initialTTL: ittl, hops: ittl - ttl, ipOptionsLength: o.ipOptionsLength, mss: mss,
            window: window, windowScale: scale, optionLayout: olayout, quirks: quirks, hasPayload: o.hasPayload, signature: text,
            osGuess: nil, tunnelHint: hint)
        result.osGuess = table.match(result)
        return result
    }

    static func optionName(_ kind: UInt8) -> String {
        switch kind {
        case 1: return "nop"
        case 2: return "mss"
        case 3: return "ws"
        case 4: return "sok"
        case 5: return "sack"
        case 8: return "ts"
        default: return "?\(kind)"
        }
    }
}
