import TrawlModel

/// Locality-sensitive bucket keys: signatures that are alike share a key with high
/// probability, unrelated ones almost never, so candidates for "the same template on
/// another account" are found by key equality instead of comparing all pairs.
///
/// The signature is cut into `bands` bands of `rows` rows; each band gives one key, a
/// stable 64-bit hash of its band index and rows. Two signatures share at least one key
/// with probability `1 − (1 − s^rows)^bands` (``collisionProbability(_:)``), where `s` is
/// the chance that one row agrees:
///
/// - **SimHash** (``keys(_:)-(SimHash)``): a row is one bit, band `j` is bits
///   `j·rows ..< (j+1)·rows`; `s = 1 − d/64` at Hamming distance `d`. The default 4 × 16
///   pairs prompts 3 bits apart 91% of the time, 10 bits apart 24%, unrelated ones
///   (32 bits) about 1 in 16,000.
/// - **MinHash** (``keys(_:)-(MinHashSignature)``): row `r` of band `j` is the minimum of
///   `mix64(v ^ seed(j·rows + r))` over the signature's values `v` (a k-mins MinHash of
///   the bottom-k sample), so `s` is the Jaccard similarity of the two samples (of the
///   sets themselves when both signatures are exact). The default 8 × 4 has its threshold
///   near J = 0.6: 99% at J = 0.8, 45% at 0.6, 6% at 0.3.
public struct LSHBander: Sendable, Hashable {
    public let bands: Int
    public let rows: Int

    /// The default banding of a 64-bit SimHash: 4 bands of 16 bits.
    public static let simHashDefault = LSHBander(bands: 4, rows: 16)
    /// The default banding of a MinHash signature: 8 bands of 4 rows.
    public static let minHashDefault = LSHBander(bands: 8, rows: 4)

    public init(bands: Int, rows: Int) {
        precondition(bands > 0 && rows > 0, "at least one band of one row")
        self.bands = bands
        self.rows = rows
    }

    /// The chance that two signatures whose rows agree with probability `s` share a key.
    public func collisionProbability(_ s: Double) -> Double {
        var agree = 1.0
        for _ in 0..<rows { agree *= s }
        var none = 1.0
        for _ in 0..<bands { none *= 1 - agree }
        return 1 - none
    }

    static let simDomain: UInt64 = 0x4C53_485F_5349_4D00  // "LSH_SIM"
    static let minDomain: UInt64 = 0x4C53_485F_4D49_4E00  // "LSH_MIN"

    /// One key per band of a SimHash's bits (`bands · rows` must be at most 64).
    public func keys(_ simHash: SimHash) -> [UInt64] {
        precondition(bands * rows <= 64, "a SimHash has 64 bits")
        let mask: UInt64 = rows == 64 ? ~0 : (1 << UInt64(rows)) - 1
        return (0..<bands).map { j in
            let bits = (simHash.value >> UInt64(j * rows)) & mask
            return mix64(mix64(Self.simDomain &+ UInt64(j)) ^ bits)
        }
    }

    /// One key per band of a MinHash signature; none for an empty signature.
    /// - Complexity: O(bands · rows · k).
    public func keys(_ signature: MinHashSignature) -> [UInt64] {
        guard !signature.isEmpty else { return [] }
        var out: [UInt64] = []
        out.reserveCapacity(bands)
        for j in 0..<bands {
            var key = mix64(Self.minDomain &+ UInt64(j))
            for r in 0..<rows {
                let seed = mix64(Self.minDomain ^ UInt64(j * rows + r))
                var least = UInt64.max
                for v in signature.values { least = min(least, mix64(v ^ seed)) }
                key = mix64(key ^ least)
            }
            out.append(key)
        }
        return out
    }
}
