import TrawlModel

/// Request time in flight per UTC minute of one day, for peak concurrency.
///
/// Each request adds its latency in tenths of a second (rounded up) to the minutes it
/// spans. Sparse while few minutes are busy (sorted `(minute, tenths)` pairs, searched
/// linearly), dense past `sparseLimit`: one 16-bit counter per minute (2.8 KB a day;
/// it saturates at 109 requests in flight for a whole minute). Sums saturate, which
/// keeps addition associative, and the form held depends only on the set of busy
/// minutes, so merged state equals the state of the concatenated input.
/// Hand-written because it is updated for every request that reports its latency.
/// - Complexity: O(sparseLimit) per update while sparse, O(1) once dense.
public struct MinuteLoad: Sendable, Equatable, Mergeable {
    public static let sparseLimit = 48
    var minutes: [UInt16] = []
    var tenths: [UInt16] = []
    var dense: [UInt16] = []

    public init() {}

    /// Adds `millis` of request time to `minute` (0-1439).
    public mutating func add(minute: Int, millis: UInt32) {
        add(minute: minute, tenths: UInt16(min(UInt32(UInt16.max), (millis + 99) / 100)))
    }

    private mutating func add(minute: Int, tenths t: UInt16) {
        if !dense.isEmpty {
            dense[minute] = Self.saturating(dense[minute], t)
            return
        }
        // From the back: a day's requests mostly come in time order.
        let m = UInt16(minute)
        var i = minutes.count
        while i > 0 && minutes[i - 1] >= m { i -= 1 }
        if i < minutes.count && minutes[i] == m {
            tenths[i] = Self.saturating(tenths[i], t)
            return
        }
        minutes.insert(m, at: i)
        tenths.insert(t, at: i)
        if minutes.count > Self.sparseLimit { densify() }
    }

    @inline(__always) static func saturating(_ a: UInt16, _ b: UInt16) -> UInt16 {
        let (sum, over) = a.addingReportingOverflow(b)
        return over ? .max : sum
    }

    private mutating func densify() {
        dense = [UInt16](repeating: 0, count: 1440)
        for (m, v) in zip(minutes, tenths) { dense[Int(m)] = v }
        minutes = []
        tenths = []
    }

    public mutating func merge(_ other: MinuteLoad) {
        if other.dense.isEmpty {
            for (m, v) in zip(other.minutes, other.tenths) { add(minute: Int(m), tenths: v) }
            return
        }
        if dense.isEmpty { densify() }
        for i in 0..<1440 { dense[i] = Self.saturating(dense[i], other.dense[i]) }
    }

    /// The largest per-minute total, in milliseconds.
    public var busiest: UInt32 { UInt32((dense.isEmpty ? tenths.max() : dense.max()) ?? 0) * 100 }
}
