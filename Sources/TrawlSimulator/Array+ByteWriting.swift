import TrawlModel

/// Byte-level writing of JSON pieces into a reusable `[UInt8]` line buffer.
///
/// The log writer appends every field through these helpers: no `String` is built per
/// field, no `JSONEncoder` runs per line.
extension Array where Element == UInt8 {
    @inline(__always) mutating func append(_ s: StaticString) {
        s.withUTF8Buffer { self.append(contentsOf: $0) }
    }

    /// Decimal digits of a non-negative integer.
    @inline(__always) mutating func appendDecimal(_ value: UInt64) {
        if value < 10 {
            append(48 &+ UInt8(truncatingIfNeeded: value))
            return
        }
        var digits = 0
        var v = value
        while v > 0 {
            digits += 1
            v /= 10
        }
        let start = count
        append(contentsOf: repeatElement(48, count: digits))
        v = value
        var i = start + digits - 1
        while v > 0 {
            self[i] = 48 &+ UInt8(truncatingIfNeeded: v % 10)
            v /= 10
            i -= 1
        }
    }

    @inline(__always) mutating func appendInt(_ value: Int) {
        if value < 0 {
            append(UInt8(ascii: "-"))
            appendDecimal(UInt64(-value))
        } else {
            appendDecimal(UInt64(value))
        }
    }

    /// Zero-padded decimal of exactly `width` digits (value must fit).
    @inline(__always) mutating func appendPadded(_ value: Int, width: Int) {
        var divisor = 1
        for _ in 1..<width { divisor *= 10 }
        var v = value
        while divisor > 0 {
            append(48 &+ UInt8(truncatingIfNeeded: v / divisor))
            v %= divisor
            divisor /= 10
        }
    }

    /// `digits` lowercase hex digits of the low bits of `value`.
    @inline(__always) mutating func appendHex(_ value: UInt64, digits: Int) {
        var shift = (digits - 1) * 4
        while shift >= 0 {
            append(hexDigits[Int((value >> UInt64(shift)) & 15)])
            shift -= 4
        }
    }

    /// A number in hundredths as a JSON number: 100 → `1.0`, 70 → `0.7`, 35 → `0.35`.
    mutating func appendHundredths(_ value: Int) {
        appendDecimal(UInt64(value / 100))
        append(UInt8(ascii: "."))
        let frac = value % 100
        append(48 &+ UInt8(frac / 10))
        if frac % 10 != 0 { append(48 &+ UInt8(frac % 10)) }
    }

    /// An address in its canonical text form (dotted quad, or RFC 5952 for IPv6).
    mutating func appendIP(_ ip: IPAddress) { ip.appendText(to: &self) }

    /// A UTC calendar date and time: `YYYY-MM-DDTHH:MM:SS` for milliseconds since the epoch.
    mutating func appendDateTime(_ ms: Int64) {
        let day = TimestampParser.day(of: ms)
        let (y, m, d) = TimestampParser.civil(fromDays: Int64(day))
        let msOfDay = Int(ms - Int64(day) * TimestampParser.millisPerDay)
        appendPadded(y, width: 4)
        append(UInt8(ascii: "-"))
        appendPadded(m, width: 2)
        append(UInt8(ascii: "-"))
        appendPadded(d, width: 2)
        append(UInt8(ascii: "T"))
        appendPadded(msOfDay / 3_600_000, width: 2)
        append(UInt8(ascii: ":"))
        appendPadded((msOfDay / 60_000) % 60, width: 2)
        append(UInt8(ascii: ":"))
        appendPadded((msOfDay / 1000) % 60, width: 2)
    }

    /// The body of a JSON string (no quotes): escapes `"`, `\` and control characters;
    /// with `asciiOnly`, every non-ASCII scalar becomes `\uXXXX` (surrogate pairs above U+FFFF).
    mutating func appendJSONEscaped(_ text: UnsafeBufferPointer<UInt8>, asciiOnly: Bool) {
        var i = 0
        let n = text.count
        while i < n {
            let c = text[i]
            if c >= 0x20 && c != 0x22 && c != 0x5C && c < 0x80 {
                append(c)
                i += 1
                continue
            }
            switch c {
            case 0x22: append("\\\"")
            case 0x5C: append("\\\\")
            case 0x0A: append("\\n")
            case 0x0D: append("\\r")
            case 0x09: append("\\t")
            case 0..<0x20:
                append("\\u00")
                appendHex(UInt64(c), digits: 2)
            default:
                // Non-ASCII: copy the UTF-8 sequence, or escape its scalar.
                let length = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2
                let end = Swift.min(n, i + length)
                if !asciiOnly {
                    for k in i..<end { append(text[k]) }
                } else {
                    var scalar = UInt32(c) & (length == 4 ? 0x07 : length == 3 ? 0x0F : 0x1F)
                    for k in (i + 1)..<end { scalar = scalar << 6 | (UInt32(text[k]) & 0x3F) }
                    if scalar >= 0x10000 {
                        let s = scalar - 0x10000
                        append("\\u")
                        appendHex(UInt64(0xD800 + (s >> 10)), digits: 4)
                        append("\\u")
                        appendHex(UInt64(0xDC00 + (s & 0x3FF)), digits: 4)
                    } else {
                        append("\\u")
                        appendHex(UInt64(scalar), digits: 4)
                    }
                }
                i = end
                continue
            }
            i += 1
        }
    }
}

let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

extension String {
    /// UTF-8 bytes, for tables built once.
    var bytes: [UInt8] { Array(utf8) }
}
