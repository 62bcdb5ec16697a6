import TrawlModel

/// Request time (milliseconds in flight) per UTC minute of one day, for peak concurrency.
///
/// Sparse while few minutes are busy (sorted `(minute, ms)` pairs, searched linearly),
/// dense (one counter per minute) past `sparseLimit`; which form is held depends only on
/// the set of busy minutes, so equal content compares equal however it was built.
/// Hand-written because it is updated for every request that reports its latency.
/// - Complexity: O(sparseLimit) per update while sparse, O(1) once dense.
public struct MinuteLoad: Sendable, Equatable, Mergeable {
    public static let sparseLimit = 48
    private var minutes: [UInt16] = []
    private var millis: [UInt32] = []
    private var dense: [UInt32] = []

    public init() {}

    public mutating func add(minute: Int, millis ms: UInt32) {
        if !dense.isEmpty {
            dense[minute] &+= ms
            return
        }
        let m = UInt16(minute)
        var i = 0
        while i < minutes.count && minutes[i] < m { i += 1 }
        if i < minutes.count && minutes[i] == m {
            millis[i] &+= ms
            return
        }
        minutes.insert(m, at: i)
        millis.insert(ms, at: i)
        if minutes.count > Self.sparseLimit { densify() }
    }

    private mutating func densify() {
        dense = [UInt32](repeating: 0, count: 1440)
        for (m, v) in zip(minutes, millis) { dense[Int(m)] = v }
        minutes = []
        millis = []
    }

    public mutating func merge(_ other: MinuteLoad) {
        if other.dense.isEmpty {
            for (m, v) in zip(other.minutes, other.millis) { add(minute: Int(m), millis: v) }
            return
        }
        if dense.isEmpty { densify() }
        for i in 0..<1440 { dense[i] &+= other.dense[i] }
    }

    /// The largest per-minute total, in milliseconds.
    public var busiest: UInt32 { dense.isEmpty ? (millis.max() ?? 0) : (dense.max() ?? 0) }
}
