/// Makes prompt text fit to keep as a case sample: secrets and contact data replaced by
/// placeholders, then cut to a length.
///
/// | placeholder | replaces |
/// |---|---|
/// | `[email]` | e-mail addresses |
/// | `[phone]` | phone numbers: `+` and 8–15 digits; 10–15 digits in three or more groups (`555-123-4567`, `(555) 123 4567`, `138 0013 8000`); 11-digit Chinese mobile numbers (`13800138000`) |
/// | `[card]` | payment card numbers: 13–19 digits, optionally in groups split by single spaces or dashes, that pass the Luhn check |
/// | `[key]` | API keys and tokens: `sk-…` (OpenAI, `sk-ant-…` Anthropic), `AKIA…`/`ASIA…` (AWS), `ghp_…`/`github_pat_…` (GitHub), `xox?-…` (Slack), `AIza…` (Google); any run of 32+ hex digits; any run of 32+ base64 characters with a digit, an upper- and a lower-case letter |
///
/// Ordinary numbers stay: years, amounts (`1,000,000`, `1 000 000`), decimals, dates,
/// version numbers, IPv4 addresses, and digit runs that are neither a valid card nor
/// phone-shaped (a 16-digit number failing Luhn). Redaction comes before truncation, so a
/// secret is never kept half; a placeholder is never cut. Not on the per-line path (only for
/// the few samples `--keep-samples` keeps), so it favours clarity over speed.
public struct Redactor: Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        case email, phone, card, key
        /// The placeholder written in place of the value.
        public var placeholder: String { "[\(rawValue)]" }
    }

    /// Characters kept (placeholders count with their length); nil keeps all.
    public var maxCharacters: Int?

    public init(maxCharacters: Int? = 500) {
        self.maxCharacters = maxCharacters
    }

    /// The text redacted, then truncated (with `…` when cut).
    public func redact(_ text: String) -> String {
        // Only a window past the cut is read (scanning is not linear in every pathological
        // text, and a kept sample is short); it reaches far enough that any secret starting
        // before the cut is seen whole.
        var bytes = Array(text.utf8)
        var cutShort = false
        if let max = maxCharacters, bytes.count > max * 4 + 1024 {
            var end = max * 4 + 1024
            while end > 0 && bytes[end] & 0xC0 == 0x80 { end -= 1 }
            bytes.removeSubrange(end...)
            cutShort = true
        }
        let segments = Self.segments(bytes)
        var out = ""
        var left = maxCharacters ?? Int.max
        for segment in segments {
            switch segment {
            case .text(let bytes):
                let s = String(decoding: bytes, as: UTF8.self)
                let count = s.count
                if count <= left {
                    out += s
                    left -= count
                } else {
                    out += s.prefix(left)
                    return out + "…"
                }
            case .redacted(let kind):
                let p = kind.placeholder
                guard p.count <= left else { return out + "…" }
                out += p
                left -= p.count
            }
        }
        return cutShort ? out + "…" : out
    }

    /// What would be redacted, in order (for tests and for counting).
    public func kinds(in text: String) -> [Kind] {
        Self.segments(Array(text.utf8)).compactMap {
            if case .redacted(let k) = $0 { return k }
            return nil
        }
    }

    enum Segment: Equatable {
        case text([UInt8])
        case redacted(Kind)
    }

    static func segments(_ b: [UInt8]) -> [Segment] {
        var out: [Segment] = []
        var plain: [UInt8] = []
        func flush() {
            if !plain.isEmpty { out.append(.text(plain)) }
            plain.removeAll()
        }
        let n = b.count
        var i = 0
        while i < n {
            let c = b[i]
            let atStart = i == 0 || !isWordByte(b[i - 1])
            if atStart && (isWordByte(c) || c == 43 || c == 40) {
                let (kind, end) = secret(b, i)
                if let kind {
                    flush()
                    out.append(.redacted(kind))
                    i = end
                    continue
                }
                if end > i + 1 {  // a run of digits that is no secret: kept whole, not re-read
                    plain += b[i..<end]
                    i = end
                    continue
                }
            }
            plain.append(c)
            i += 1
        }
        flush()
        return out
    }

    /// The secret starting at `i`, if any, and where it ends (or where the digit run that
    /// is no secret ends).
    static func secret(_ b: [UInt8], _ i: Int) -> (Kind?, Int) {
        if let end = apiKey(b, i) { return (.key, end) }
        if let end = email(b, i) { return (.email, end) }
        if let end = longToken(b, i) { return (.key, end) }
        return digitRun(b, i)
    }

    static func isTokenByte(_ c: UInt8) -> Bool { isWordByte(c) || c == 45 }

    static func hasPrefix(_ b: [UInt8], _ i: Int, _ p: String) -> Bool {
        let p = Array(p.utf8)
        guard i + p.count <= b.count else { return false }
        return b[i..<(i + p.count)].elementsEqual(p)
    }

    /// Known key formats: a prefix, then enough key characters, then a word end.
    static func apiKey(_ b: [UInt8], _ i: Int) -> Int? {
        let formats: [(prefix: String, minimum: Int, upperAlnumOnly: Bool)] = [
            ("sk-", 16, false), ("AKIA", 16, true), ("ASIA", 16, true), ("ghp_", 20, false), ("gho_", 20, false),
            ("ghs_", 20, false), ("ghu_", 20, false), ("github_pat_", 20, false), ("xoxb-", 10, false),
            ("xoxp-", 10, false), ("xoxa-", 10, false), ("xoxs-", 10, false), ("xoxr-", 10, false), ("AIza", 30, false),
        ]
        for f in formats where hasPrefix(b, i, f.prefix) {
            var j = i + f.prefix.utf8.count
            let start = j
            while j < b.count && (f.upperAlnumOnly ? ((b[j] &- 65) < 26 || (b[j] &- 48) < 10) : isTokenByte(b[j])) { j += 1 }
            if j - start >= f.minimum && (j == b.count || !isWordByte(b[j])) { return j }
        }
        return nil
    }

    static func email(_ b: [UInt8], _ i: Int) -> Int? {
        var j = i
        while j < b.count && (isWordByte(b[j]) || b[j] == 46 || b[j] == 37 || b[j] == 43 || b[j] == 45) { j += 1 }
        guard j > i, j < b.count, b[j] == 64 else { return nil }
        var k = j + 1
        var lastDot = -1
        while k < b.count && (isASCIIAlnum(b[k]) || b[k] == 45 || b[k] == 46) {
            if b[k] == 46 { lastDot = k }
            k += 1
        }
        while k > j + 1 && (b[k - 1] == 46 || b[k - 1] == 45) { k -= 1 }
        if lastDot >= k { lastDot = b[(j + 1)..<k].lastIndex(of: 46) ?? -1 }
        guard k > j + 1, isASCIIAlnum(b[j + 1]), lastDot > j + 1, lastDot < k - 2 else { return nil }
        guard b[(lastDot + 1)..<k].allSatisfy({ (($0 | 0x20) &- 97) < 26 }) else { return nil }
        return k
    }

    /// Cards and phone numbers: digits in groups split by single separators.
    static func digitRun(_ b: [UInt8], _ i: Int) -> (Kind?, Int) {
        let n = b.count
        var j = i
        let plus = b[j] == 43
        if plus { j += 1 }
        var digits: [UInt8] = []
        var groupEnds: [(end: Int, digits: Int)] = []  // after each group of digits
        var groupSizes: [Int] = []
        var separators: [UInt8] = []
        var paren = false
        var groupSize = 0
        while j < n {
            let c = b[j]
            if (c &- 48) < 10 {
                digits.append(c - 48)
                groupSize += 1
                j += 1
                continue
            }
            // A group ends; a single separator (or a parenthesised area code) may continue the run.
            if groupSize > 0 {
                groupEnds.append((j, digits.count))
                groupSizes.append(groupSize)
                groupSize = 0
            }
            let next: UInt8 = j + 1 < n ? b[j + 1] : 0
            if c == 40 && digits.isEmpty && !paren {
                paren = true
                j += 1
                continue
            }
            if c == 41 && paren && !separators.contains(41) {
                separators.append(41)
                j += 1
                if j < n && b[j] == 32 { j += 1 }
                continue
            }
            if (c == 32 || c == 45 || c == 46) && (next &- 48) < 10 && !digits.isEmpty {
                separators.append(c)
                j += 1
                continue
            }
            break
        }
        if groupSize > 0 {
            groupEnds.append((j, digits.count))
            groupSizes.append(groupSize)
        }
        guard !digits.isEmpty else { return (nil, i) }
        // Cards: spaces or dashes only; the longest whole-group prefix of 13–19 digits passing Luhn.
        if !plus && !paren && separators.allSatisfy({ $0 == 32 || $0 == 45 }) {
            for g in groupEnds.reversed() where (13...19).contains(g.digits) {
                let end = g.end
                guard end == n || !isWordByte(b[end]) else { continue }
                if luhn(digits[0..<g.digits]) { return (.card, end) }
            }
        }
        guard j == n || !isWordByte(b[j]) else { return (nil, j) }
        let count = digits.count
        if plus { return ((8...15).contains(count) ? .phone : nil, j) }
        guard (10...15).contains(count) else { return (nil, j) }
        let dotted = !separators.isEmpty && separators.allSatisfy { $0 == 46 }
        if dotted && groupSizes.count == 4 && groupSizes.allSatisfy({ $0 <= 3 }) { return (nil, j) }  // an IPv4 address
        let thousands = groupSizes.count >= 2 && groupSizes[0] <= 3 && groupSizes.dropFirst().allSatisfy { $0 == 3 }
        if thousands && separators.allSatisfy({ $0 == 32 || $0 == 46 }) { return (nil, j) }  // 1 000 000, 1.000.000
        if paren || groupSizes.count >= 3 { return (.phone, j) }
        if separators.isEmpty && count == 11 && digits[0] == 1 && digits[1] >= 3 { return (.phone, j) }  // Chinese mobile
        return (nil, j)
    }

    /// The Luhn check of a card number's digits.
    static func luhn(_ digits: ArraySlice<UInt8>) -> Bool {
        var sum = 0
        for (k, d) in digits.reversed().enumerated() {
            var v = Int(d)
            if k % 2 == 1 {
                v *= 2
                if v > 9 { v -= 9 }
            }
            sum += v
        }
        return sum % 10 == 0
    }

    /// 32+ hex digits, or 32+ base64 characters with a digit and both cases.
    static func longToken(_ b: [UInt8], _ i: Int) -> Int? {
        var j = i
        var digit = false, upper = false, lower = false, hex = true
        while j < b.count {
            let c = b[j]
            if (c &- 48) < 10 {
                digit = true
            } else if (c &- 65) < 26 {
                upper = true
                if c > 70 { hex = false }
            } else if (c &- 97) < 26 {
                lower = true
                if c > 102 { hex = false }
            } else if c == 43 || c == 47 || c == 95 || c == 45 {
                hex = false
            } else if c == 61 && j > i && (j + 1 == b.count || b[j + 1] == 61 || !isTokenByte(b[j + 1])) {
                hex = false  // padding at the end
            } else {
                break
            }
            j += 1
        }
        guard j - i >= 32 else { return nil }
        if hex && digit { return j }
        return digit && upper && lower ? j : nil
    }
}
