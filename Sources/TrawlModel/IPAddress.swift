/// An IPv4 or IPv6 address held as 128 bits; IPv4 is stored as an IPv4-mapped IPv6 address.
///
/// Parsing is hand-written because it runs once per log line (the decoder's hot path)
/// and must work on raw bytes without building a `String`.
public struct IPAddress: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// High and low 64 bits, network order (the first hextet is the top of `high`).
    public var high: UInt64
    public var low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// An IPv4 address from its 32-bit value (`a.b.c.d` is `a<<24 | b<<16 | c<<8 | d`).
    public init(v4 value: UInt32) {
        self.high = 0
        self.low = 0x0000_FFFF_0000_0000 | UInt64(value)
    }

    /// True for IPv4 (and IPv4-mapped IPv6) addresses.
    @inlinable public var isIPv4: Bool { high == 0 && (low >> 32) == 0x0000_FFFF }

    /// The IPv4 value, when this is an IPv4 address.
    @inlinable public var v4: UInt32? { isIPv4 ? UInt32(truncatingIfNeeded: low) : nil }

    /// The enclosing network used for "distinct networks": the /24 of an IPv4 address,
    /// the /48 of an IPv6 address, as one 64-bit key (IPv4 keys have a 1 in the top bit).
    @inlinable public var networkKey: UInt64 {
        if isIPv4 { return (1 << 63) | UInt64(UInt32(truncatingIfNeeded: low) >> 8) }
        return high >> 16
    }

    /// A well-mixed 64-bit hash, stable across processes (used by sketches).
    @inlinable public var stableHash: UInt64 { mix64(high &* 0x9E37_79B9_7F4A_7C15 ^ mix64(low)) }

    public static func < (a: IPAddress, b: IPAddress) -> Bool {
        (a.high, a.low) < (b.high, b.low)
    }

    public var description: String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(39)
        appendText(to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends the address's text to `bytes`: a dotted quad, or RFC 5952 for IPv6
    /// (lower-case hex, the longest run of two or more zero groups as `::`).
    /// Writes bytes so that writers of millions of lines need not build a `String` each.
    public func appendText(to bytes: inout [UInt8]) {
        func decimal(_ v: UInt32) {
            if v >= 100 { bytes.append(48 + UInt8(v / 100)) }
            if v >= 10 { bytes.append(48 + UInt8(v / 10 % 10)) }
            bytes.append(48 + UInt8(v % 10))
        }
        if let v = v4 {
            decimal(v >> 24)
            for shift in [16, 8, 0] as [UInt32] {
                bytes.append(UInt8(ascii: "."))
                decimal((v >> shift) & 255)
            }
            return
        }
        func group(_ i: Int) -> UInt16 { UInt16(truncatingIfNeeded: (i < 4 ? high : low) >> UInt64(48 - 16 * (i & 3))) }
        // The longest run of zero groups (length >= 2) becomes "::".
        var bestStart = -1, bestLen = 0, i = 0
        while i < 8 {
            guard group(i) == 0 else {
                i += 1
                continue
            }
            var j = i
            while j < 8 && group(j) == 0 { j += 1 }
            if j - i > bestLen {
                bestStart = i
                bestLen = j - i
            }
            i = j
        }
        if bestLen < 2 { bestStart = -1 }
        let hex = Array("0123456789abcdef".utf8)
        var needColon = false
        i = 0
        while i < 8 {
            if i == bestStart {
                bytes.append(UInt8(ascii: ":"))
                bytes.append(UInt8(ascii: ":"))
                needColon = false
                i += bestLen
                continue
            }
            if needColon { bytes.append(UInt8(ascii: ":")) }
            let g = group(i)
            var started = false
            for shift in stride(from: 12, through: 0, by: -4) {
                let nibble = Int((g >> UInt16(shift)) & 15)
                if nibble != 0 || started || shift == 0 {
                    bytes.append(hex[nibble])
                    started = true
                }
            }
            needColon = true
            i += 1
        }
    }

    /// Parses text such as `203.0.113.7`, `2001:db8::1` or `::ffff:192.0.2.1`.
    public init?(_ text: String) {
        var copy = text
        guard let parsed = copy.withUTF8({ IPAddress.parse($0) }) else { return nil }
        self = parsed
    }

    /// Parses an address from UTF-8 bytes; `nil` when the bytes are not an address.
    /// A zone suffix (`%eth0`) is not accepted: edge logs carry global addresses.
    public static func parse(_ b: UnsafeBufferPointer<UInt8>) -> IPAddress? {
        if b.isEmpty || b.count > 45 { return nil }
        var hasColon = false
        for c in b where c == UInt8(ascii: ":") {
            hasColon = true
            break
        }
        if !hasColon {
            guard let v = parseV4(b, from: 0, to: b.count) else { return nil }
            return IPAddress(v4: v)
        }
        return parseV6(b)
    }

    static func parseV4(_ b: UnsafeBufferPointer<UInt8>, from: Int, to: Int) -> UInt32? {
        var value: UInt32 = 0
        var octet: UInt32 = 0
        var digits = 0
        var parts = 0
        var i = from
        while i < to {
            let c = b[i]
            if c >= 48 && c <= 57 {
                if digits > 0 && octet == 0 { return nil }  // no leading zeros
                octet = octet * 10 + UInt32(c - 48)
                digits += 1
                if octet > 255 || digits > 3 { return nil }
            } else if c == UInt8(ascii: ".") {
                if digits == 0 || parts == 3 { return nil }
                value = value << 8 | octet
                parts += 1
                octet = 0
                digits = 0
            } else {
                return nil
            }
            i += 1
        }
        if digits == 0 || parts != 3 { return nil }
        return value << 8 | octet
    }

    static func parseV6(_ b: UnsafeBufferPointer<UInt8>) -> IPAddress? {
        var groups = (UInt16(0), UInt16(0), UInt16(0), UInt16(0), UInt16(0), UInt16(0), UInt16(0), UInt16(0))
        var count = 0
        var gap = -1
        var i = 0
        let n = b.count
        func set(_ idx: Int, _ v: UInt16) {
            withUnsafeMutableBytes(of: &groups) { $0.storeBytes(of: v, toByteOffset: idx * 2, as: UInt16.self) }
        }
        if n >= 2 && b[0] == UInt8(ascii: ":") {
            guard b[1] == UInt8(ascii: ":") else { return nil }
            gap = 0
            i = 2
            if n == 2 { return IPAddress(high: 0, low: 0) }
        }
        while i < n {
            // One group: hex digits, or a trailing dotted IPv4.
            var j = i
            var v: UInt32 = 0
            while j < n, let h = hexValue(b[j]) {
                v = v << 4 | UInt32(h)
                j += 1
                if j - i > 4 { return nil }
            }
            if j < n && b[j] == UInt8(ascii: ".") {
                guard count <= 6, let v4 = parseV4(b, from: i, to: n) else { return nil }
                set(count, UInt16(v4 >> 16))
                set(count + 1, UInt16(v4 & 0xFFFF))
                count += 2
                i = n
                break
            }
            if j == i { return nil }
            if count == 8 { return nil }
            set(count, UInt16(v))
            count += 1
            if j == n {
                i = j
                break
            }
            guard b[j] == UInt8(ascii: ":") else { return nil }
            j += 1
            if j < n && b[j] == UInt8(ascii: ":") {
                if gap >= 0 { return nil }
                gap = count
                j += 1
                if j == n {
                    i = j
                    break
                }
            } else if j == n {
                return nil  // trailing single colon
            }
            i = j
        }
        var words = [UInt16](repeating: 0, count: 8)
        withUnsafeBytes(of: &groups) { raw in
            for k in 0..<count { words[k] = raw.load(fromByteOffset: k * 2, as: UInt16.self) }
        }
        if gap >= 0 {
            guard count < 8 else { return nil }
            let tail = Array(words[gap..<count])
            for k in gap..<8 { words[k] = 0 }
            for (k, w) in tail.enumerated() { words[8 - tail.count + k] = w }
        } else if count != 8 {
            return nil
        }
        var hi: UInt64 = 0, lo: UInt64 = 0
        for k in 0..<4 { hi = hi << 16 | UInt64(words[k]) }
        for k in 4..<8 { lo = lo << 16 | UInt64(words[k]) }
        return IPAddress(high: hi, low: lo)
    }

    @inline(__always) public static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 48...57: return c - 48
        case 97...102: return c - 87
        case 65...70: return c - 55
        default: return nil
        }
    }
}

/// SplitMix64 finaliser: a fast, well-distributed 64-bit mixer.
@inlinable public func mix64(_ x: UInt64) -> UInt64 {
    var z = x &+ 0x9E37_79B9_7F4A_7C15
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
}

/// A 64-bit hash of bytes, stable across processes and platforms (FNV-1a folded through `mix64`).
@inlinable public func stableHash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
    var h: UInt64 = 0xCBF2_9CE4_8422_2325
    var i = 0
    let n = bytes.count
    // Eight bytes at a time, then the tail.
    while i + 8 <= n {
        let w = bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)
        h = (h ^ w) &* 0x0000_0100_0000_01B3
        h ^= h >> 29
        i += 8
    }
    while i < n {
        h = (h ^ UInt64(bytes[i])) &* 0x0000_0100_0000_01B3
        i += 1
    }
    return mix64(h ^ UInt64(n))
}

/// The same hash for a `String`'s UTF-8 bytes.
public func stableHash(_ text: String) -> UInt64 {
    var copy = text
    return copy.withUTF8 { stableHash(UnsafeRawBufferPointer($0)) }
}
