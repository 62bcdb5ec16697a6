import TrawlModel

/// Counts the most frequent keys (addresses, user agents) in bounded memory.
///
/// Exact while there are at most `capacity` distinct keys; past that a Misra-Gries
/// summary, whose counts are low by at most total / (capacity + 1). Merging adds the
/// counters and trims back to `capacity` by subtracting the (capacity+1)-th largest
/// count, which keeps the same bound (Agarwal et al., "Mergeable Summaries", 2012) and
/// gives the same result whatever the merge order.
public struct TopKCounter<Key: Hashable & Sendable>: Sendable, Equatable, Mergeable {
    public private(set) var counts: [Key: Int] = [:]
    public let capacity: Int

    public init(capacity: Int = 32) { self.capacity = capacity }

    public mutating func add(_ key: Key, count: Int = 1) {
        if let c = counts[key] {
            counts[key] = c + count
            return
        }
        counts[key] = count
        if counts.count > capacity { trim() }
    }

    public mutating func merge(_ other: TopKCounter<Key>) {
        for (k, v) in other.counts { counts[k, default: 0] += v }
        if counts.count > capacity { trim() }
    }

    private mutating func trim() {
        let sorted = counts.values.sorted(by: >)
        let cut = sorted[capacity]
        counts = counts.compactMapValues { $0 > cut ? $0 - cut : nil }
    }

    /// Keys by descending count (ties by key order where keys are comparable is not
    /// guaranteed; callers that need a stable order sort again).
    public func top(_ n: Int) -> [(key: Key, count: Int)] {
        Array(counts.sorted { $0.value > $1.value }.prefix(n)).map { ($0.key, $0.value) }
    }

    public var maxCount: Int { counts.values.max() ?? 0 }

    /// The same counts under other keys (e.g. interned ids to strings).
    public func mapKeys<K2: Hashable & Sendable>(_ transform: (Key) -> K2) -> TopKCounter<K2> {
        var out = TopKCounter<K2>(capacity: capacity)
        for (k, v) in counts { out.counts[transform(k), default: 0] += v }
        return out
    }
}
