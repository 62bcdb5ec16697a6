/// One case of damage, for the report: `file:packet N: reason`.
public struct CaptureProblem: Sendable, Equatable, CustomStringConvertible {
    /// The capture file (or `interface NAME`).
    public var file: String
    /// 1-based packet number within the file (the packet where the damage showed).
    public var packet: Int
    public var issue: PacketIssue
    /// libpcap's words, for a truncated file.
    public var detail: String?

    public var description: String {
        "\(file):packet \(packet): \(issue.rawValue)" + (detail.map { " (\($0))" } ?? "")
    }
}

/// Counts for a capture run: packets and bytes read, connections reported, and damaged or
/// skipped packets by reason, with the first `problemLimit` cases of damage.
public struct CaptureStatistics: Sendable, Equatable {
    public var files = 0
    public var packets = 0
    /// Bytes captured (the sum of captured lengths) and on the wire.
    public var capturedBytes = 0
    public var wireBytes = 0
    public var tcpPackets = 0
    /// Connection records made.
    public var connections = 0
    /// Of those, with at least one ClientHello, with an HTTP request, with a SYN signature.
    public var tlsConnections = 0
    public var httpConnections = 0
    public var synSignatures = 0
    /// Connections evicted to keep within the open-flow cap.
    public var evictedConnections = 0
    /// Most connections open at once.
    public var peakOpenConnections = 0
    /// Packets the kernel dropped during a live capture (libpcap's count).
    public var droppedByKernel = 0
    /// Seconds spent reading (wall clock).
    public var seconds = 0.0
    /// The first few cases of damage.
    public var problems: [CaptureProblem] = []
    public static let problemLimit = 20

    var issueCounts = [Int](repeating: 0, count: PacketIssue.allCases.count)

    public init() {}

    /// Damage by reason (reasons with a zero count left out).
    public var damaged: [PacketIssue: Int] { counts { $0.isDamage } }
    /// Packets skipped as not TCP over IP, by reason.
    public var skipped: [PacketIssue: Int] { counts { !$0.isDamage } }
    public var damagedTotal: Int { damaged.values.reduce(0, +) }

    private func counts(_ include: (PacketIssue) -> Bool) -> [PacketIssue: Int] {
        var out: [PacketIssue: Int] = [:]
        for (i, issue) in PacketIssue.allCases.enumerated() where include(issue) && issueCounts[i] > 0 { out[issue] = issueCounts[i] }
        return out
    }

    public func count(_ issue: PacketIssue) -> Int { issueCounts[issue.ordinal] }

    mutating func note(_ issue: PacketIssue, file: String, packet: Int, detail: String? = nil) {
        issueCounts[issue.ordinal] += 1
        if issue.isDamage && problems.count < Self.problemLimit {
            problems.append(CaptureProblem(file: file, packet: packet, issue: issue, detail: detail))
        }
    }
}

extension PacketIssue {
    /// Position in `allCases`, without a dictionary lookup (the per-packet path counts skips).
    var ordinal: Int {
        switch self {
        case .cutBySnaplen: return 0
        case .badLinkHeader: return 1
        case .badIPHeader: return 2
        case .badIPLength: return 3
        case .badTCPHeader: return 4
        case .badClientHello: return 5
        case .incompleteClientHello: return 6
        case .clientStreamTooLarge: return 7
        case .truncatedFile: return 8
        case .notIP: return 9
        case .notTCP: return 10
        case .ipFragment: return 11
        }
    }
}
