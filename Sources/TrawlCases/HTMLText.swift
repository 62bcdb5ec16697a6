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
    /// - Complexity: O(n) in the text's scalars.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count + 16)
        for s in text.unicodeScalars {
            switch s.value {
            case 0x26: out += "&amp;"
            case 0x3C: out += "&lt;"
            case 0x3E: out += "&gt;"
            case 0x22: out += "&quot;"
            case 0x27: out += "&#39;"
            case 0x09, 0x0A: out.unicodeScalars.append(s)
            case 0x00..<0x20: out.unicodeScalars.append(Unicode.Scalar(0x2400 + s.value)!)
            case 0x7F: out += "\u{2421}"
            case 0x80...0x9F, 0x2028, 0x2029: out += codePoint(s)
            default:
                if s.properties.generalCategory == .format { out += codePoint(s) } else { out.unicodeScalars.append(s) }
            }
        }
        return out
    }

    /// `[U+202E]`.
    static func codePoint(_ s: Unicode.Scalar) -> String {
        let hex = String(s.value, radix: 16, uppercase: true)
        return "[U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex + "]"
    }
}
