import TrawlModel

/// 64-bit SimHash of prompt text, as written to `prompt_simhash`.
///
/// Tokens are maximal runs of ASCII letters and digits (any byte ≥ 0x80 counts as a
/// letter, so non-Latin words stay whole), lowercased; each token is hashed with FNV-1a
/// folded through `mix64` and votes with weight 1 on each of the 64 bits.
/// - Complexity: O(bytes + 64 × tokens).
enum SimHash {
    static func of(_ text: UnsafeBufferPointer<UInt8>) -> UInt64 {
        withUnsafeTemporaryAllocation(of: Int32.self, capacity: 64) { votes in
            votes.initialize(repeating: 0)
            var h: UInt64 = 0xCBF2_9CE4_8422_2325
            var inToken = false
            @inline(__always) func vote(_ hash: UInt64) {
                let x = mix64(hash)
                for bit in 0..<64 { votes[bit] += (x >> UInt64(bit)) & 1 == 1 ? 1 : -1 }
            }
            for c in text {
                let isWord = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c >= 0x80
                if isWord {
                    let lower = c >= 65 && c <= 90 ? c + 32 : c
                    h = (h ^ UInt64(lower)) &* 0x0000_0100_0000_01B3
                    inToken = true
                } else if inToken {
                    vote(h)
                    h = 0xCBF2_9CE4_8422_2325
                    inToken = false
                }
            }
            if inToken { vote(h) }
            var out: UInt64 = 0
            for bit in 0..<64 where votes[bit] > 0 { out |= 1 << UInt64(bit) }
            return out
        }
    }
}
