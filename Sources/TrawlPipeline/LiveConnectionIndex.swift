import Synchronization
import TrawlCapture
import TrawlFeatures
import TrawlModel

/// The connections of a live capture (`tail --interface`), for requests to join: filled by
/// the capture thread as connections are reported, read by the analysis thread.
///
/// A request joins the latest connection from its client address and port that began at
/// most `windowMillis` before it (as `ConnectionIndex` joins a batch run's). Connections
/// older than the window behind the newest one are dropped, so memory is bounded by the
/// connections of one window.
public final class LiveConnectionIndex: ConnectionLookup {
    private struct Entry: Sendable {
        var firstSeen: Timestamp
        var connection: CapturedConnection
    }

    private struct Table: Sendable {
        var byClient: [Endpoint: [Entry]] = [:]
        var newest: Timestamp = .min
        var sinceSweep = 0
        var count = 0
        /// JA4 texts by stable hash, noted since `takeJA4Names()`.
        var names: [UInt64: String] = [:]
    }

    private let table = Mutex(Table())
    public let windowMillis: Int64
    private let stacks: TLSStackTable?

    public init(windowMillis: Int64, stacks: TLSStackTable?) {
        self.windowMillis = windowMillis
        self.stacks = stacks
    }

    /// Connections held.
    public var count: Int { table.withLock { $0.count } }

    /// Adds a reported connection (a later report of the same connection replaces it).
    public func add(_ record: CaptureRecord) {
        let entry = Entry(firstSeen: record.firstSeen, connection: ConnectionIndex.connection(of: record, stacks: stacks))
        let ja4 = record.firstTLS?.ja4
        table.withLock { t in
            if let ja4, t.names[entry.connection.ja4Hash] == nil { t.names[entry.connection.ja4Hash] = ja4 }
            var list = t.byClient[record.client, default: []]
            if let i = list.firstIndex(where: { $0.firstSeen == entry.firstSeen }) {
                list[i] = entry
            } else {
                list.append(entry)
                list.sort { $0.firstSeen < $1.firstSeen }
                t.count += 1
            }
            t.byClient[record.client] = list
            t.newest = max(t.newest, entry.firstSeen)
            t.sinceSweep += 1
            if t.sinceSweep >= 4096 {
                t.sinceSweep = 0
                let horizon = t.newest - 2 * windowMillis
                for (key, list) in t.byClient {
                    let kept = list.filter { $0.firstSeen >= horizon }
                    t.count -= list.count - kept.count
                    t.byClient[key] = kept.isEmpty ? nil : kept
                }
            }
        }
    }

    /// The JA4 texts of connections added since the last call, by stable hash.
    public func takeJA4Names() -> [UInt64: String] {
        table.withLock { t in
            defer { t.names = [:] }
            return t.names
        }
    }

    public func connection(client: IPAddress, port: Int32, at ts: Timestamp) -> CapturedConnection? {
        guard let port = UInt16(exactly: port) else { return nil }
        return table.withLock { t in
            guard let list = t.byClient[Endpoint(address: client, port: port)] else { return nil }
            let lo = partitionIndex(count: list.count) { list[$0].firstSeen <= ts }
            guard lo > 0, ts - list[lo - 1].firstSeen <= windowMillis else { return nil }
            return list[lo - 1].connection
        }
    }
}
