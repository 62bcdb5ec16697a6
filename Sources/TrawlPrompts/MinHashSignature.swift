import TrawlModel

/// A bottom-k MinHash signature of a set of shingles: the `size` smallest distinct hashes.
///
/// A shingle hash `s` is remixed as `mix64(s ^ 0x4D494E48415348)` ("MINHASH") and the
/// smallest `size` distinct results are kept, ascending. A set with fewer distinct
/// shingles than `size` is kept whole (``isExact``), so short prompts compare exactly.
///
/// **Jaccard estimate** (Broder): take the `k` smallest values of the union of the two
/// signatures (`k` the smaller size); the estimate is the share of them present in both.
/// It is unbiased, with standard error about `sqrt(J (1 − J) / k)`: ±0.06 at J = 0.5 for
/// the default `k` = 64. Two exact signatures give the exact Jaccard.
///
/// Signatures merge (``merge(_:)``): the signature of a union of sets is the bottom-k of
/// the union of their signatures, so per-account template sets can be built in parts.
/// - Complexity: building is O(n log n) in the shingles; estimate and merge are O(k).
public struct MinHashSignature: Sendable, Hashable {
    /// The default `k`: 64 values (512 bytes) per signature.
    public static let defaultSize = 64

    /// The most values kept (`k`).
    public let size: Int
    /// The smallest distinct remixed hashes, ascending; at most `size`.
    public private(set) var values: [UInt64]

    /// Seed that separates MinHash's use of a shingle hash from SimHash's.
    static let seed: UInt64 = 0x4D_494E_4841_5348

    /// An empty signature.
    public init(size: Int = defaultSize) {
        precondition(size > 0, "a MinHash signature keeps at least one value")
        self.size = size
        values = []
    }

    /// A signature holding exactly `values` (ascending, distinct, at most `size` of them).
    public init(size: Int = defaultSize, sortedValues: [UInt64]) {
        precondition(sortedValues.count <= size, "more values than the signature keeps")
        self.size = size
        values = sortedValues
    }

    /// The signature of the shingles (repeats count once); `scratch` is reused working space.
    public init(shingles: UnsafeBufferPointer<UInt64>, size: Int = defaultSize, scratch: inout [UInt64]) {
        precondition(size > 0, "a MinHash signature keeps at least one value")
        self.size = size
        scratch.removeAll(keepingCapacity: true)
        for s in shingles { scratch.append(mix64(s ^ Self.seed)) }
        scratch.sort()
        var out: [UInt64] = []
        out.reserveCapacity(min(size, scratch.count))
        for v in scratch where out.last != v {
            out.append(v)
            if out.count == size { break }
        }
        values = out
    }

    /// The signature of the shingles (repeats count once).
    public init(shingles: [UInt64], size: Int = defaultSize) {
        var scratch: [UInt64] = []
        self = shingles.withUnsafeBufferPointer { MinHashSignature(shingles: $0, size: size, scratch: &scratch) }
    }

    /// The signature holds the whole set (it has fewer values than it could keep).
    public var isExact: Bool { values.count < size }

    /// Whether the set was empty.
    public var isEmpty: Bool { values.isEmpty }

    /// Estimated Jaccard similarity of the two sets (1 for two empty sets).
    public func jaccard(_ other: MinHashSignature) -> Double {
        let k = min(size, other.size)
        let a = values, b = other.values
        if a.isEmpty && b.isEmpty { return 1 }
        var i = 0, j = 0, taken = 0, both = 0
        // Walk the union in ascending order, k values at most; values past either side's
        // last value are only taken while that side is exact (so absence there is known).
        while taken < k {
            let av = i < a.count ? a[i] : nil
            let bv = j < b.count ? b[j] : nil
            switch (av, bv) {
            case (nil, nil):
                return taken == 0 ? 0 : Double(both) / Double(taken)
            case (let x?, let y?):
                if x == y {
                    both += 1
                    i += 1
                    j += 1
                } else if x < y {
                    i += 1
                } else {
                    j += 1
                }
            case (_?, nil):
                i += 1
            case (nil, _?):
                j += 1
            }
            taken += 1
        }
        return Double(both) / Double(taken)
    }

    /// Merges another signature in: afterwards this is the signature of the union.
    public mutating func merge(_ other: MinHashSignature) {
        precondition(other.size == size, "only signatures of the same size merge")
        var out: [UInt64] = []
        out.reserveCapacity(size)
        var i = 0, j = 0
        while out.count < size && (i < values.count || j < other.values.count) {
            let next: UInt64
            if j >= other.values.count || (i < values.count && values[i] < other.values[j]) {
                next = values[i]
                i += 1
            } else if i >= values.count || other.values[j] < values[i] {
                next = other.values[j]
                j += 1
            } else {
                next = values[i]
                i += 1
                j += 1
            }
            out.append(next)
        }
        values = out
    }
}
