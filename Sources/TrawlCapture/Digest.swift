import TrawlModel

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// SHA-256 (FIPS 180-4) and MD5 (RFC 1321), for the JA4 and JA3 fingerprints.
///
/// Hand-written rather than taken from swift-crypto: the fingerprints hash one short
/// string per ClientHello, the two functions are about a hundred lines checked against
/// the standards' test vectors and `sha256sum`/`md5sum` (DigestTests), and TrawlCapture
/// stays free of BoringSSL, whose build would add a minute or more to every clean build
/// and to the fuzzing build. MD5 is used only because JA3 is defined with it; it is not
/// used for anything that needs a secure hash.
public enum Digest {
    /// The SHA-256 of `bytes` as 64 lower-case hex digits.
    public static func sha256Hex(_ bytes: [UInt8]) -> String { lowercaseHex(sha256(bytes)) }

    /// The MD5 of `bytes` as 32 lower-case hex digits.
    public static func md5Hex(_ bytes: [UInt8]) -> String { lowercaseHex(md5(bytes)) }

    /// The message padded to a multiple of 64 bytes: a 1 bit, zeros, and the length in
    /// bits as a 64-bit integer (big-endian for SHA-256, little-endian for MD5).
    private static func padded(_ bytes: [UInt8], bigEndianLength: Bool) -> [UInt8] {
        var m = bytes
        let bitLength = UInt64(bytes.count) &* 8
        m.append(0x80)
        while m.count % 64 != 56 { m.append(0) }
        for i in 0..<8 {
            let shift = bigEndianLength ? UInt64(56 - 8 * i) : UInt64(8 * i)
            m.append(UInt8(truncatingIfNeeded: bitLength >> shift))
        }
        return m
    }

    private static let sha256K: [UInt32] = [
        0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
        0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
        0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
        0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
        0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
        0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
        0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
        0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
    ]

    static func sha256(_ bytes: [UInt8]) -> [UInt8] {
        var h: [UInt32] = [
            0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19,
        ]
        let m = padded(bytes, bigEndianLength: true)
        var w = [UInt32](repeating: 0, count: 64)
        @inline(__always) func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 - n)) }
        for block in stride(from: 0, to: m.count, by: 64) {
            for t in 0..<16 {
                let i = block + 4 * t
                w[t] = UInt32(m[i]) << 24 | UInt32(m[i + 1]) << 16 | UInt32(m[i + 2]) << 8 | UInt32(m[i + 3])
            }
            for t in 16..<64 {
                let s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >> 3)
                let s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >> 10)
                w[t] = w[t - 16] &+ s0 &+ w[t - 7] &+ s1
            }
            var a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7]
            for t in 0..<64 {
                let s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)
                let ch = (e & f) ^ (~e & g)
                let t1 = hh &+ s1 &+ ch &+ sha256K[t] &+ w[t]
                let s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)
                let maj = (a & b) ^ (a & c) ^ (b & c)
                let t2 = s0 &+ maj
                hh = g
                g = f
                f = e
                e = d &+ t1
                d = c
                c = b
                b = a
                a = t1 &+ t2
            }
            h[0] &+= a
            h[1] &+= b
            h[2] &+= c
            h[3] &+= d
            h[4] &+= e
            h[5] &+= f
            h[6] &+= g
            h[7] &+= hh
        }
        var out = [UInt8]()
        out.reserveCapacity(32)
        for v in h { for shift in [24, 16, 8, 0] as [UInt32] { out.append(UInt8(truncatingIfNeeded: v >> shift)) } }
        return out
    }

    /// Per-round left-rotation amounts of MD5 (RFC 1321 §3.4).
    private static let md5S: [UInt32] = [
        7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
        5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
        4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
        6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
    ]

    /// MD5's sine table: floor(abs(sin(i + 1)) * 2^32).
    private static let md5K: [UInt32] = (0..<64).map { i in UInt32((abs(sin(Double(i) + 1)) * 4_294_967_296).rounded(.down)) }

    static func md5(_ bytes: [UInt8]) -> [UInt8] {
        var a0: UInt32 = 0x6745_2301, b0: UInt32 = 0xefcd_ab89, c0: UInt32 = 0x98ba_dcfe, d0: UInt32 = 0x1032_5476
        let m = padded(bytes, bigEndianLength: false)
        var x = [UInt32](repeating: 0, count: 16)
        for block in stride(from: 0, to: m.count, by: 64) {
            for t in 0..<16 {
                let i = block + 4 * t
                x[t] = UInt32(m[i]) | UInt32(m[i + 1]) << 8 | UInt32(m[i + 2]) << 16 | UInt32(m[i + 3]) << 24
            }
            var a = a0, b = b0, c = c0, d = d0
            for i in 0..<64 {
                var f: UInt32
                let g: Int
                switch i {
                case 0..<16:
                    f = (b & c) | (~b & d)
                    g = i
                case 16..<32:
                    f = (d & b) | (~d & c)
                    g = (5 * i + 1) % 16
                case 32..<48:
                    f = b ^ c ^ d
                    g = (3 * i + 5) % 16
                default:
                    f = c ^ (b | ~d)
                    g = (7 * i) % 16
                }
                f = f &+ a &+ md5K[i] &+ x[g]
                a = d
                d = c
                c = b
                b = b &+ ((f << md5S[i]) | (f >> (32 - md5S[i])))
            }
            a0 &+= a
            b0 &+= b
            c0 &+= c
            d0 &+= d
        }
        var out = [UInt8]()
        out.reserveCapacity(16)
        for v in [a0, b0, c0, d0] { for shift in [0, 8, 16, 24] as [UInt32] { out.append(UInt8(truncatingIfNeeded: v >> shift)) } }
        return out
    }
}
