/// Makes text safe to place in HTML, as element content or inside a quoted attribute.
///
/// Everything in a report that came from logs or captures is attacker-controlled: it is
/// written only through `escape`, which turns `& < > " '` into character references, so
/// no text can open a tag, close an attribute or start a script. Characters that would
/// be invisible or misleading are made visible instead of being dropped, so a person
/// sees that they were there: C0 controls (ESC of ANSI sequences included) and DEL as
/// their Unicode control pictures (`␛`, `␡`), C1 controls, line and paragraph separators
/// and format characters (bidi overrides, zero-width spaces) as `[U+202E]`. Newlines and
/// tabs stay (the report shows multi-line text in pre-wrapped blocks).
public enum HTMLText {
    /// The escaped text.
    /// - Complexity: O(n) in the text's scalars; ASCII is copied byte by byte.
    public static func escape(_ text: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count + 16)
        func append(_ s: StaticString) {
            out.append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
        }
        for s in text.unicodeScalars {
            let v = s.value
            if v < 0x80 {
                switch v {
                case 0x26: append("&amp;")
                case 0x3C: append("&lt;")
                case 0x3E: append("&gt;")
                case 0x22: append("&quot;")
                case 0x27: append("&#39;")
                case 0x09, 0x0A: out.append(UInt8(v))
                case 0x00..<0x20: UTF8.encode(Unicode.Scalar(0x2400 + v)!) { out.append($0) }
                case 0x7F: append("\u{2421}")
                default: out.append(UInt8(v))
                }
            } else if v <= 0x9F || v == 0x2028 || v == 0x2029 || s.properties.generalCategory == .format {
                out.append(contentsOf: codePoint(s).utf8)
            } else {
                UTF8.encode(s) { out.append($0) }
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `[U+202E]`.
    static func codePoint(_ s: Unicode.Scalar) -> String {
        let hex = String(s.value, radix: 16, uppercase: true)
        return "[U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex + "]"
    }
}
