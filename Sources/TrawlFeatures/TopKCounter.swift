import TrawlModel

/// Counts the most frequent keys (addresses, user agents) in bounded memory.
///
/// Exact while there are at most `capacity` distinct keys; past that a Misra-Gries
/// summary, whose counts are low by at most total / (capacity + 1). Merging adds the
/// counters and trims back to `capacity` by subtracting the (capacity+1)-th largest
/// count, which keeps the same bound (Agarwal et al., "Mergeable Summaries", 2012) and
/// gives the same result whatever the merge order.
///
/// Keys live in a small array searched linearly: for 16 to 32 keys that is several
/// times faster than hashing into a dictionary, and `add` runs for every request.
/// - Complexity: O(capacity) per `add`; O(capacity log capacity) per merge.
public struct TopKCounter<Key: Hashable & Sendable>: Sendable, Mergeable {
    var keys: [Key] = []
    var values: [Int] = []
    public let capacity: Int
    /// Where the last key added sits (-1: unknown): runs of one key skip the search.
    private var recent = -1

    public init(capacity: Int = 32) { self.capacity = capacity }

    /// The counters, by key.
    public var counts: [Key: Int] {
        var d: [Key: Int] = [:]
        for (k, v) in zip(keys, values) { d[k] = v }
        return d
    }

    public mutating func add(_ key: Key, count: Int = 1) {
        if recent >= 0 && keys[recent] == key {
            values[recent] += count
            return
        }
        for i in keys.indices where keys[i] == key {
            values[i] += count
            recent = i
            return
        }
        if keys.count < capacity {
            recent = keys.count
            keys.append(key)
            values.append(count)
            return
        }
        // Full: the classic Misra-Gries step. Decrement every counter by the smallest of
        // (count, min counter); drop those that reach zero; keep the newcomer's rest.
        let cut = min(count, values.min() ?? 0)
        subtract(cut)
        if count > cut && keys.count < capacity {
            keys.append(key)
            values.append(count - cut)
        }
    }

    public mutating func merge(_ other: TopKCounter<Key>) {
        // Add the counters (linear search: both hold at most `capacity` keys), then trim.
        for (k, v) in zip(other.keys, other.values) {
            if let i = keys.firstIndex(of: k) {
                values[i] += v
            } else {
                keys.append(k)
                values.append(v)
            }
        }
        guard keys.count > capacity else { return }
        subtract(values.sorted(by: >)[capacity])
    }

    /// Lowers every counter by `cut` and drops those that reach zero.
    private mutating func subtract(_ cut: Int) {
        recent = -1
        var k = 0
        for i in keys.indices where values[i] > cut {
            keys[k] = keys[i]
            values[k] = values[i] - cut
            k += 1
        }
        keys.removeLast(keys.count - k)
        values.removeLast(values.count - k)
    }

    public var maxCount: Int { values.max() ?? 0 }

    /// The counters as (key, count) pairs, in no particular order.
    public var pairs: [(key: Key, count: Int)] { zip(keys, values).map { ($0, $1) } }

    /// The same counts under other keys (e.g. interned ids to strings).
    public func mapKeys<K2: Hashable & Sendable>(_ transform: (Key) -> K2) -> TopKCounter<K2> {
        var out = TopKCounter<K2>(capacity: capacity)
        for (k, v) in zip(keys, values) { out.add(transform(k), count: v) }
        return out
    }
}

extension TopKCounter: Equatable {
    /// Equal when they hold the same counters, in whatever order.
    public static func == (a: TopKCounter, b: TopKCounter) -> Bool { a.capacity == b.capacity && a.counts == b.counts }
}
