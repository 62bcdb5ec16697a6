import TrawlModel

/// An address and TCP port.
public struct Endpoint: Hashable, Sendable, CustomStringConvertible {
    public var address: IPAddress
    public var port: UInt16

    public init(address: IPAddress, port: UInt16) {
        self.address = address
        self.port = port
    }

    /// `192.0.2.7:443` or `[2001:db8::1]:443`.
    public var description: String { address.isIPv4 ? "\(address):\(port)" : "[\(address)]:\(port)" }
}

/// What one TCP connection in a capture revealed about its client: the join key for the
/// access log (client address and port, and when), the TCP SYN signature, TLS ClientHello
/// fingerprints, the first plaintext HTTP request, a proxy preamble, and counters.
///
/// A record is made when the connection ends: both FINs or a RST, an idle timeout in
/// capture time, eviction when too many connections are open, or the end of the input.
/// Fields the capture did not show are `nil` or empty.
public struct CaptureRecord: Sendable, Equatable {
    /// How the connection ended, as far as the capture shows.
    public enum End: String, Sendable {
        /// FIN seen from both sides.
        case fin
        /// A RST from either side.
        case reset
        /// No packet for the idle timeout (in capture time).
        case idle
        /// Evicted to keep the number of open connections bounded.
        case evicted
        /// Still open when the input ended.
        case open
        /// A new SYN reused the address pair after a FIN or RST.
        case reused
    }

    /// How the client side was told from the server side.
    public enum ClientEvidence: String, Sendable {
        /// It sent the SYN.
        case syn
        /// It received the SYN-ACK (its SYN was not captured).
        case synAck = "syn_ack"
        /// It sent a ClientHello, an HTTP request or a SOCKS greeting first.
        case payload
        /// Neither: the side with the higher port (or the first sender) is taken as client.
        case port
    }

    /// 0-based index of the connection in the order connections first appear in the input
    /// (like Wireshark's `tcp.stream` for captures where every connection is seen whole).
    public var stream: Int
    public var client: Endpoint
    public var server: Endpoint
    /// Time of the connection's first packet, microseconds since the Unix epoch.
    public var firstSeenMicros: Int64
    /// Time of its last packet (before the record was made), microseconds since the epoch.
    public var lastSeenMicros: Int64
    public var clientEvidence: ClientEvidence
    /// The client's SYN, when captured.
    public var syn: SYNSignature?
    /// ClientHellos in order: usually one; two after a TLS 1.3 HelloRetryRequest.
    public var tls: [TLSFingerprint]
    /// The first plaintext HTTP/1.x request's head.
    public var http: HTTPRequest?
    /// A SOCKS or HTTP CONNECT preamble before the TLS or HTTP.
    public var proxy: ProxyRequest?
    /// Packets and TCP payload bytes (on the wire) from the client and from the server.
    public var clientPackets: Int
    public var serverPackets: Int
    public var clientBytes: Int
    public var serverBytes: Int
    public var end: End
    /// Damage found in the client stream (`badClientHello`, `incompleteClientHello`,
    /// `clientStreamTooLarge`), if any.
    public var issue: PacketIssue?

    /// A record made in code (tests of a log join, say); the capture reader makes the others.
    public init(
        stream: Int, client: Endpoint, server: Endpoint, firstSeenMicros: Int64, lastSeenMicros: Int64? = nil,
        clientEvidence: ClientEvidence = .syn, syn: SYNSignature? = nil, tls: [TLSFingerprint] = [], http: HTTPRequest? = nil,
        proxy: ProxyRequest? = nil, clientPackets: Int = 0, serverPackets: Int = 0, clientBytes: Int = 0, serverBytes: Int = 0,
        end: End = .fin, issue: PacketIssue? = nil
    ) {
        self.stream = stream
        self.client = client
        self.server = server
        self.firstSeenMicros = firstSeenMicros
        self.lastSeenMicros = lastSeenMicros ?? firstSeenMicros
        self.clientEvidence = clientEvidence
        self.syn = syn
        self.tls = tls
        self.http = http
        self.proxy = proxy
        self.clientPackets = clientPackets
        self.serverPackets = serverPackets
        self.clientBytes = clientBytes
        self.serverBytes = serverBytes
        self.end = end
        self.issue = issue
    }

    /// Time of the first packet in epoch milliseconds: the time a log join compares to `ts`.
    public var firstSeen: Timestamp { Self.millis(firstSeenMicros) }
    public var lastSeen: Timestamp { Self.millis(lastSeenMicros) }

    /// The first ClientHello's fingerprints, the usual one to join on.
    public var firstTLS: TLSFingerprint? { tls.first }

    static func millis(_ micros: Int64) -> Timestamp { micros >= 0 ? micros / 1000 : (micros - 999) / 1000 }
}
