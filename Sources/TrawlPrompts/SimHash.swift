import TrawlModel

/// A 64-bit SimHash (Charikar): near-duplicate texts get hashes a few bits apart.
///
/// Each shingle hash `s` (from ``PromptShingler``) is remixed as `mix64(s ^ 0x53494D48415348)`
/// ("SIMHASH"); bit `b` of the SimHash is 1 when more than half of the shingles (repeats
/// counted) have bit `b` set. No shingles give 0. Unrelated texts are about 32 bits apart;
/// a shared template with a few words changed, a handful. This is the `prompt_simhash` of
/// the log (16 lower-case hex digits, most significant first), so a gateway that keeps no
/// prompt text can compute it the same way.
public struct SimHash: Sendable, Hashable, CustomStringConvertible {
    public var value: UInt64

    public init(_ value: UInt64) { self.value = value }

    /// Parses 16 hex digits (either case); nil for anything else.
    public init?(hex: some StringProtocol) {
        let utf8 = hex.utf8
        guard utf8.count == 16 else { return nil }
        var v: UInt64 = 0
        for c in utf8 {
            let d: UInt8
            switch c {
            case 48...57: d = c - 48
            case 97...102: d = c - 87
            case 65...70: d = c - 55
            default: return nil
            }
            v = v << 4 | UInt64(d)
        }
        value = v
    }

    /// 16 lower-case hex digits.
    public var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8](repeating: 0, count: 16)
        for k in 0..<16 { out[k] = digits[Int((value >> UInt64(60 - 4 * k)) & 0xF)] }
        return String(decoding: out, as: UTF8.self)
    }

    public var description: String { hex }

    /// The number of bits in which the two differ (0 … 64).
    @inlinable public func distance(to other: SimHash) -> Int { (value ^ other.value).nonzeroBitCount }

    /// Seed that separates the SimHash's use of a shingle hash from MinHash's.
    static let seed: UInt64 = 0x53_494D_4841_5348

    /// For each byte value, its eight bits as eight counters (bit 0 first).
    static let byteBits: [SIMD8<UInt32>] = (0..<256).map { b in
        SIMD8<UInt32>((0..<8).map { UInt32((b >> $0) & 1) })
    }

    /// The SimHash of a bag of shingle hashes.
    /// - Complexity: O(shingles), eight vector additions each.
    public init(shingles: UnsafeBufferPointer<UInt64>) {
        guard !shingles.isEmpty else {
            value = 0
            return
        }
        var counts = (SIMD8<UInt32>(), SIMD8<UInt32>(), SIMD8<UInt32>(), SIMD8<UInt32>())
        var counts2 = (SIMD8<UInt32>(), SIMD8<UInt32>(), SIMD8<UInt32>(), SIMD8<UInt32>())
        Self.byteBits.withUnsafeBufferPointer { bits in
            for s in shingles {
                let h = mix64(s ^ Self.seed)
                counts.0 &+= bits[Int(h & 0xFF)]
                counts.1 &+= bits[Int((h >> 8) & 0xFF)]
                counts.2 &+= bits[Int((h >> 16) & 0xFF)]
                counts.3 &+= bits[Int((h >> 24) & 0xFF)]
                counts2.0 &+= bits[Int((h >> 32) & 0xFF)]
                counts2.1 &+= bits[Int((h >> 40) & 0xFF)]
                counts2.2 &+= bits[Int((h >> 48) & 0xFF)]
                counts2.3 &+= bits[Int(h >> 56)]
            }
        }
        let all = [counts.0, counts.1, counts.2, counts.3, counts2.0, counts2.1, counts2.2, counts2.3]
        let total = UInt32(shingles.count)
        var v: UInt64 = 0
        for (byte, c) in all.enumerated() {
            for bit in 0..<8 where 2 * c[bit] > total { v |= 1 << UInt64(8 * byte + bit) }
        }
        value = v
    }

    /// The SimHash of a bag of shingle hashes.
    public init(shingles: [UInt64]) {
        self = shingles.withUnsafeBufferPointer { SimHash(shingles: $0) }
    }
}
