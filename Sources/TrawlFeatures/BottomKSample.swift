import TrawlModel

/// A consistent sample of a set: the `capacity` distinct items with the smallest hashes,
/// each with a value (a bottom-k MinHash sketch).
///
/// Which items are kept depends only on their hashes, so two accounts that share an item
/// both keep it whenever its hash is below both their thresholds, samples of any split of
/// the input merge into the sample of the whole, and the Jaccard similarity of two sets is
/// estimated from their samples alone (Broder's bottom-k estimator, see ``jaccard(_:)``).
/// Kept for the linking stage: an account-day's networks, (network, hour) buckets and
/// client sessions.
/// - Complexity: O(1) for an item above the threshold or equal to the last one added;
///   otherwise O(log capacity) to find it and O(capacity) to insert it. Merge is
///   O(capacity), and O(1) per entry of a much smaller sample past the threshold.
public struct BottomKSample<Value: Sendable & Equatable>: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var hash: UInt64
        public var value: Value
    }

    /// Sorted by hash, distinct hashes.
    public internal(set) var entries: [Entry] = []
    public let capacity: Int
    /// The last hash added (0: none): requests of one account repeat the same network and
    /// session in runs, and those are answered without touching `entries`. Not part of `==`.
    private var recent: UInt64 = 0

    public init(capacity: Int) { self.capacity = capacity }

    public static func == (a: Self, b: Self) -> Bool { a.capacity == b.capacity && a.entries == b.entries }

    public var count: Int { entries.count }
    public var isEmpty: Bool { entries.isEmpty }

    /// Adds an item by its hash; `value` is evaluated only when the item enters the sample.
    @inline(__always) public mutating func add(hash: UInt64, _ value: @autoclosure () -> Value) {
        if hash == recent { return }
        recent = hash
        let n = entries.count
        if n == capacity && hash > entries[n - 1].hash { return }
        insert(Entry(hash: hash, value: value()))
    }

    private mutating func insert(_ e: Entry) {
        let lo = partitionIndex(count: entries.count) { entries[$0].hash < e.hash }
        if lo < entries.count && entries[lo].hash == e.hash { return }
        entries.insert(e, at: lo)
        if entries.count > capacity { entries.removeLast() }
    }

    /// Folds another sample of the same kind into this one: the smallest hashes of the union.
    public mutating func merge(_ other: Self) {
        if other.entries.isEmpty { return }
        if entries.isEmpty {
            entries = Array(other.entries.prefix(capacity))
            return
        }
        // A few entries (a live run's tick merged into a window's state): inserted in place,
        // stopping at the first one past a full sample's threshold; the same sample as the
        // merge below, without building a new array.
        if other.entries.count <= 8 || other.entries.count * 4 <= entries.count {
            for e in other.entries {
                if entries.count == capacity && e.hash > entries[capacity - 1].hash { break }
                insert(e)
            }
            return
        }
        var out: [Entry] = []
        out.reserveCapacity(min(capacity, entries.count + other.entries.count))
        var i = 0, j = 0
        while out.count < capacity && (i < entries.count || j < other.entries.count) {
            if j == other.entries.count || (i < entries.count && entries[i].hash <= other.entries[j].hash) {
                if j < other.entries.count && entries[i].hash == other.entries[j].hash { j += 1 }
                out.append(entries[i])
                i += 1
            } else {
                out.append(other.entries[j])
                j += 1
            }
        }
        entries = out
    }

    /// Estimated Jaccard similarity of the two sampled sets: among the `capacity` smallest
    /// hashes of the union of both samples, the share that is in both. `nil` when both are
    /// empty.
    public func jaccard(_ other: Self) -> Double? {
        let k = min(capacity, other.capacity)
        var i = 0, j = 0, seen = 0, both = 0
        while seen < k && (i < entries.count || j < other.entries.count) {
            if j == other.entries.count || (i < entries.count && entries[i].hash < other.entries[j].hash) {
                i += 1
            } else if i == entries.count || other.entries[j].hash < entries[i].hash {
                j += 1
            } else {
                both += 1
                i += 1
                j += 1
            }
            seen += 1
        }
        return seen == 0 ? nil : Double(both) / Double(seen)
    }
}

/// A network (the `IPAddress.networkKey` of an address's /24 or /48) in one UTC hour
/// (hours since 1970): the bucket of SynchroTrap-style co-activity.
public struct NetworkHour: Sendable, Equatable, Hashable {
    public var network: UInt64
    public var hour: Int32
    public init(network: UInt64, hour: Int32) {
        self.network = network
        self.hour = hour
    }
}

/// Nothing: the value of samples that keep only hashes (client sessions).
public struct NoValue: Sendable, Equatable {
    public init() {}
}
