import TrawlCapture
import TrawlFeatures
import TrawlModel

/// Joins requests to the connections of packet captures (`analyze --pcap`).
///
/// A request joins the connection from the same client address and port whose first
/// packet came at most `window` before the request's `ts` (the latest such one, as a
/// port is reused once a connection closes). Built once before the logs are read;
/// read-only afterwards, so workers share it without locks.
public final class ConnectionIndex: ConnectionLookup {
    private struct Entry: Sendable {
        var firstSeen: Timestamp
        var connection: CapturedConnection
    }

    /// By client endpoint, oldest first.
    private let byClient: [Endpoint: [Entry]]
    public let windowMillis: Int64
    public let connectionCount: Int
    /// The text of every JA4 of the captures, by stable hash.
    public let ja4Names: [UInt64: String]

    /// - Parameter stacks: the TLS stack table that names each connection's stack (none without it).
    public init(records: [CaptureRecord], windowMillis: Int64, stacks: TLSStackTable? = nil) {
        var byClient: [Endpoint: [Entry]] = [:]
        var names: [UInt64: String] = [:]
        for r in records {
            let connection = Self.connection(of: r, stacks: stacks)
            if let text = r.firstTLS?.ja4, names[connection.ja4Hash] == nil { names[connection.ja4Hash] = text }
            byClient[r.client, default: []].append(Entry(firstSeen: r.firstSeen, connection: connection))
        }
        for key in byClient.keys { byClient[key]!.sort { $0.firstSeen < $1.firstSeen } }
        self.byClient = byClient
        self.windowMillis = windowMillis
        connectionCount = records.count
        ja4Names = names
    }

    /// What a request joined to this record learns of its connection.
    static func connection(of r: CaptureRecord, stacks: TLSStackTable?) -> CapturedConnection {
        let ja4 = r.firstTLS.map { stableHash($0.ja4) } ?? 0
        let stack = r.firstTLS.flatMap { stacks?.stack(ofJA4: $0.ja4) }.map { Int16($0) } ?? -1
        let tunnel = r.syn?.tunnelHint != nil
        let os = r.syn?.osGuess.map { OSFamily.fromSYNFamily($0.family) } ?? .unknown
        return CapturedConnection(ja4Hash: ja4, tunnel: tunnel, synOS: os, stack: stack)
    }

    public func connection(client: IPAddress, port: Int32, at ts: Timestamp) -> CapturedConnection? {
        guard let port = UInt16(exactly: port), let list = byClient[Endpoint(address: client, port: port)] else { return nil }
        // The last connection that started at or before ts.
        let lo = partitionIndex(count: list.count) { list[$0].firstSeen <= ts }
        guard lo > 0, ts - list[lo - 1].firstSeen <= windowMillis else { return nil }
        return list[lo - 1].connection
    }
}
