/// Makes attacker-controlled text (user agents, prompts, account ids) safe to print on a
/// terminal: ANSI escape sequences are removed, other control characters become `�`
/// shown as `?`, and the result is cut to `limit` characters with an ellipsis.
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
                    while let c = scalars.next() {
                        if c.value == 0x07 || (prev.value == 0x1B && c == "\\") { break }
                        prev = c
                    }
                }
                continue
            }
            if count >= limit {
                out.append("…")
                break
            }
            let v = s.value
            if v < 0x20 || v == 0x7F || (0x80...0x9F).contains(v) || v == 0x2028 || v == 0x2029
                || (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v)
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
