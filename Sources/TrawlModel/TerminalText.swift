/// Makes attacker-controlled text (user agents, prompts, account ids) safe to print on a
/// terminal: ANSI escape sequences are removed, other control characters and invisible
/// format characters (bidi overrides, zero-width spaces) become `?`, and the result is cut
/// to `limit` characters with an ellipsis.
public enum TerminalText {
    public static func sanitize(_ text: String, limit: Int = 200) -> String {
        var out = String.UnicodeScalarView()
        var scalars = text.unicodeScalars.makeIterator()
        var count = 0
        while let s = scalars.next() {
            if s.value == 0x1B {
                // ESC [ … final byte (CSI), ESC ] … BEL/ST (OSC), or ESC + one character.
                guard let next = scalars.next() else { break }
                if next == "[" {
                    while let c = scalars.next(), !(0x40...0x7E).contains(c.value) {}
                } else if next == "]" {
                    var prev: Unicode.Scalar = " "
                    var closed = false
                    while let c = scalars.next() {
                        if c.value == 0x07 || (prev.value == 0x1B && c == "\\") {
                            closed = true
                            break
                        }
                        prev = c
                    }
                    // An unterminated OSC would hide the rest: say that something was cut.
                    if !closed { out.append("…") }
                }
                continue
            }
            if count >= limit {
                out.append("…")
                break
            }
            let v = s.value
            if v < 0x20 || v == 0x7F || (0x80...0x9F).contains(v) || v == 0x2028 || v == 0x2029
                || s.properties.generalCategory == .format  // bidi, zero-width and other invisible controls
            {
                out.append("?")
            } else {
                out.append(s)
            }
            count += 1
        }
        return String(out)
    }
}
