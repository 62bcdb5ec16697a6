import TrawlModel

/// Events decoded from one chunk, with the text arena their request ids point into.
public struct DecodedBatch: Sendable {
    public var events: [RequestEvent] = []
    /// Bytes of every event's `request_id` and `session_id` (see `RequestEvent.requestIDOffset`).
    public var arena: [UInt8] = []
    /// Lines seen in the chunk, blank and bad ones included.
    public var lines = 0

    public init() {}

    public mutating func reset() {
        events.removeAll(keepingCapacity: true)
        arena.removeAll(keepingCapacity: true)
        lines = 0
    }

    /// The request id of an event of this batch, or `nil` when the line had none.
    public func requestID(of event: RequestEvent) -> String? {
        guard event.requestIDLength > 0 else { return nil }
        let start = Int(event.requestIDOffset)
        return arena.withUnsafeBufferPointer {
            String(decoding: UnsafeBufferPointer(rebasing: $0[start..<(start + Int(event.requestIDLength))]), as: UTF8.self)
        }
    }

    /// The session id of an event of this batch, or `nil` when the line had none.
    public func sessionID(of event: RequestEvent) -> String? {
        guard event.sessionIDLength > 0 else { return nil }
        let start = Int(event.sessionIDOffset)
        return String(decoding: arena[start..<(start + Int(event.sessionIDLength))], as: UTF8.self)
    }

    /// The unescaped `prompt` of an event of this batch, or `nil` when none was kept.
    public func prompt(of event: RequestEvent) -> String? {
        guard event.promptLength > 0 else { return nil }
        let start = Int(event.promptOffset)
        return String(decoding: arena[start..<(start + Int(event.promptLength))], as: UTF8.self)
    }

    /// The unescaped `system_prompt` of an event of this batch, or `nil` when none was kept.
    public func systemPrompt(of event: RequestEvent) -> String? {
        guard event.systemPromptLength > 0 else { return nil }
        let start = Int(event.systemPromptOffset)
        return String(decoding: arena[start..<(start + Int(event.systemPromptLength))], as: UTF8.self)
    }
}

/// Decodes the canonical JSONL access log (inputs.md §1) into `RequestEvent`s.
///
/// This is Trawl's hot path, so it is a hand-written byte-level scanner: it recognises
/// the canonical keys, converts their values in place (timestamps, addresses, integers),
/// interns repeated strings and skips everything else, without building a `String` or a
/// dictionary per line. Lines it cannot take on the fast path (escaped keys, integers
/// written as `1.0` or `1e3`) go through `FallbackLineDecoder`, which uses Foundation's
/// general JSON parser. Damaged lines are counted in `tally` and never stop decoding.
/// Values of optional fields with the wrong type are ignored (counted, the line is kept).
public struct CanonicalLogDecoder: Sendable {
    public var interner = StringInterner()
    public var tally = BadLineTally()
    public let maxLineBytes: Int
    /// Quote offending values (addresses, times) in bad-line details. Off by default:
    /// reports name the file, line and field, not the data (`trawl analyze --verbose`).
    public var quoteValues = false
    /// Copy the unescaped text of `prompt` and `system_prompt` into the batch's arena (see
    /// `RequestEvent.promptOffset`). Off, prompts are only checked as JSON and skipped.
    public var keepPromptText = true
    private var scratch: [UInt8] = []

    public init(maxLineBytes: Int = 1 << 20) { self.maxLineBytes = maxLineBytes }

    /// The largest integer field value taken as a count, token total or latency.
    public static let maxCount: Int64 = 1_000_000_000_000
    /// 9999-12-31T23:59:59.999Z: later epoch values are not times.
    public static let maxEpochMillis: Int64 = 253_402_300_799_999

    /// Decodes every line of `bytes` (whole lines) and appends the events to `batch`.
    public mutating func decode(_ bytes: UnsafeRawBufferPointer, fileIndex: Int, sequence: Int, into batch: inout DecodedBatch) {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
        let n = bytes.count
        var start = 0
        var lineNo = 0
        while start < n {
            var end = start
            // memchr is vectorised in glibc; a byte loop is several times slower on long prompts.
            if let hit = memchrNewline(base + start, n - start) {
                end = start + hit
            } else {
                end = n
            }
            var lineEnd = end
            if lineEnd > start && base[lineEnd - 1] == 0x0D { lineEnd -= 1 }
            decodeLine(base + start, lineEnd - start, LinePosition(fileIndex: fileIndex, sequence: sequence, lineInChunk: lineNo), &batch)
            lineNo += 1
            start = end + 1
        }
        batch.lines += lineNo
    }

    /// Records a line that the reader dropped before decoding (too long, truncated tail).
    public mutating func recordDropped(_ reason: BadLineReason, at position: LinePosition, detail: String) {
        tally.record(reason, at: position, detail: detail)
    }

    private mutating func decodeLine(_ p: UnsafePointer<UInt8>, _ n: Int, _ pos: LinePosition, _ batch: inout DecodedBatch) {
        if n > maxLineBytes {
            tally.record(.lineTooLong, at: pos, detail: "line is \(n) bytes, over --max-line-bytes \(maxLineBytes)")
            return
        }
        var blank = true
        for i in 0..<n where !isSpace(p[i]) {
            blank = false
            break
        }
        if blank { return }
        var scanner = LineScanner(p: p, n: n)
        scanner.quoteValues = quoteValues
        scanner.keepPromptText = keepPromptText
        var event = RequestEvent()
        let arenaMark = batch.arena.count
        let ignoredBefore = tally.ignoredFields
        let outcome = scanner.scan(&event, &interner, &batch.arena, &scratch, &tally)
        switch outcome {
        case .ok:
            if scanner.sawNonASCII && !validUTF8(p, n) {
                batch.arena.removeSubrange(arenaMark...)
                tally.record(.invalidUTF8, at: pos, detail: "invalid UTF-8 at byte \(firstInvalidUTF8(p, n))")
                return
            }
            batch.events.append(event)
        case .bad(let reason, let detail):
            batch.arena.removeSubrange(arenaMark...)
            if !validUTF8(p, n) {
                tally.record(.invalidUTF8, at: pos, detail: "invalid UTF-8 at byte \(firstInvalidUTF8(p, n))")
            } else {
                tally.record(reason, at: pos, detail: detail)
            }
        case .fallback:
            batch.arena.removeSubrange(arenaMark...)
            tally.restoreIgnored(ignoredBefore)  // the second pass counts them again
            guard validUTF8(p, n) else {
                tally.record(.invalidUTF8, at: pos, detail: "invalid UTF-8 at byte \(firstInvalidUTF8(p, n))")
                return
            }
            switch FallbackLineDecoder.normalise(UnsafeBufferPointer(start: p, count: n)) {
            case .success(let canonical):
                canonical.withUnsafeBufferPointer { b in
                    var again = LineScanner(p: b.baseAddress!, n: b.count)
                    again.quoteValues = quoteValues
                    again.keepPromptText = keepPromptText
                    var ev = RequestEvent()
                    switch again.scan(&ev, &interner, &batch.arena, &scratch, &tally) {
                    case .ok: batch.events.append(ev)
                    case .bad(let reason, let detail): tally.record(reason, at: pos, detail: detail)
                    case .fallback: tally.record(.invalidJSON, at: pos, detail: "cannot decode line")
                    }
                }
            case .failure(let bad):
                tally.record(bad.reason, at: pos, detail: bad.detail)
            }
        }
    }
}

/// The value of four hex digits at `at` (a `\uXXXX` escape's digits), or `nil`.
@inline(__always) func hexQuad(_ bytes: UnsafeBufferPointer<UInt8>, _ at: Int) -> UInt32? {
    guard at >= 0, at + 4 <= bytes.count else { return nil }
    var v: UInt32 = 0
    for k in at..<(at + 4) {
        guard let h = IPAddress.hexValue(bytes[k]) else { return nil }
        v = v << 4 | UInt32(h)
    }
    return v
}

@inline(__always) func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D }

#if canImport(Glibc)
    import Glibc
#endif

@inline(__always) func memchrNewline(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int? {
    guard let hit = memchr(p, 0x0A, n) else { return nil }
    return UnsafeRawPointer(hit) - UnsafeRawPointer(p)
}

/// The outcome of scanning one line.
enum ScanOutcome {
    case ok
    case bad(BadLineReason, String)
    case fallback
}

/// Scans one JSON object; see `CanonicalLogDecoder`.
struct LineScanner {
    let p: UnsafePointer<UInt8>
    let n: Int
    var i = 0
    var sawNonASCII = false
    /// Whether error details may quote values from the line (addresses, times).
    var quoteValues = false
    /// Copy prompt text into the arena (`CanonicalLogDecoder.keepPromptText`).
    var keepPromptText = true

    init(p: UnsafePointer<UInt8>, n: Int) {
        self.p = p
        self.n = n
    }

    @inline(__always) mutating func skipWS() {
        while i < n && isSpace(p[i]) { i += 1 }
    }

    @inline(__always) func byteName(_ at: Int) -> String {
        if at >= n { return "end of line" }
        let c = p[at]
        if c >= 0x20 && c < 0x7F { return "'\(Character(UnicodeScalar(c)))'" }
        return "byte 0x\(String(c, radix: 16))"
    }

    func syntax(_ expected: String) -> ScanOutcome {
        .bad(.invalidJSON, "invalid JSON at column \(i + 1): expected \(expected), found \(byteName(i))")
    }

    /// Finds the closing quote of a string whose opening quote is at `i - 1`.
    /// Returns the end index (exclusive), whether it contains escapes, or `nil` on error.
    @inline(__always) mutating func scanString() -> (end: Int, escaped: Bool)? {
        var escaped = false
        var j = i
        var high: UInt64 = 0
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let raw = UnsafeRawPointer(p)
        while true {
            // Eight bytes at a time until a quote, backslash or control byte may be in the word.
            while j + 8 <= n {
                let w = raw.loadUnaligned(fromByteOffset: j, as: UInt64.self)
                high |= w
                let q = w ^ (ones &* 0x22)
                let b = w ^ (ones &* 0x5C)
                let hasQuote = (q &- ones) & ~q & highs
                let hasSlash = (b &- ones) & ~b & highs
                let hasCtl = (w &- ones &* 0x20) & ~w & highs
                if (hasQuote | hasSlash | hasCtl) != 0 { break }
                j += 8
            }
            if j >= n { break }
            let c = p[j]
            if c == 0x22 {
                if high & highs != 0 { sawNonASCII = true }
                return (j, escaped)
            }
            if c == 0x5C {
                // Escapes are checked even in strings that are only skipped (prompts,
                // unknown fields): a line with a malformed escape is not JSON.
                guard j + 1 < n else { return nil }
                switch p[j + 1] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                    UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    j += 2
                case UInt8(ascii: "u"):
                    guard j + 6 <= n else { return nil }
                    guard hexQuad(UnsafeBufferPointer(start: p, count: n), j + 2) != nil else { return nil }
                    j += 6
                default:
                    return nil
                }
                escaped = true
                continue
            }
            if c < 0x20 { return nil }
            if c >= 0x80 { sawNonASCII = true }
            j += 1
        }
        return nil
    }

    /// Reads a string value; on return `i` is past the closing quote.
    @inline(__always) mutating func stringValue() -> (start: Int, end: Int, escaped: Bool)? {
        i += 1
        let start = i
        guard let (end, escaped) = scanString() else { return nil }
        i = end + 1
        return (start, end, escaped)
    }

    /// Reads an integer; returns `nil` when the number has a fraction or exponent (fallback).
    @inline(__always) mutating func integerValue() -> (value: Int64, ok: Bool)? {
        var neg = false
        if p[i] == UInt8(ascii: "-") {
            neg = true
            i += 1
        }
        var v: Int64 = 0
        var digits = 0
        while i < n {
            let c = p[i]
            if c < 48 || c > 57 { break }
            // Past 18 digits the value cannot be a count or a time; keep scanning so the
            // line stays parseable, and report it as not usable.
            if digits < 18 { v = v &* 10 &+ Int64(c - 48) }
            digits += 1
            i += 1
        }
        if digits > 18 {
            if i < n && (p[i] == UInt8(ascii: ".") || p[i] == UInt8(ascii: "e") || p[i] == UInt8(ascii: "E")) { return nil }
            return (0, false)
        }
        if digits == 0 { return (0, false) }
        if digits > 1 && p[i - digits] == 48 { return nil }  // leading zero: not JSON; the fallback rejects it
        if i < n && (p[i] == UInt8(ascii: ".") || p[i] == UInt8(ascii: "e") || p[i] == UInt8(ascii: "E")) { return nil }
        return (neg ? -v : v, true)
    }

    @inline(__always) func isNumberStart(_ c: UInt8) -> Bool { c == UInt8(ascii: "-") || (c >= 48 && c <= 57) }

    /// Matches a literal (`true`, `false`, `null`) at `i`.
    @inline(__always) mutating func literal(_ word: StaticString) -> Bool {
        let len = word.utf8CodeUnitCount
        guard i + len <= n else { return false }
        let w = word.utf8Start
        for k in 0..<len where p[i + k] != w[k] { return false }
        i += len
        return true
    }

    /// Skips a number, checking JSON's grammar: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    mutating func skipNumber() -> Bool {
        @inline(__always) func digits() -> Int {
            let start = i
            while i < n && p[i] >= 48 && p[i] <= 57 { i += 1 }
            return i - start
        }
        if i < n && p[i] == UInt8(ascii: "-") { i += 1 }
        guard i < n, p[i] >= 48 && p[i] <= 57 else { return false }
        if p[i] == 48 { i += 1 } else { _ = digits() }
        if i < n && p[i] == UInt8(ascii: ".") {
            i += 1
            guard digits() > 0 else { return false }
        }
        if i < n && (p[i] == UInt8(ascii: "e") || p[i] == UInt8(ascii: "E")) {
            i += 1
            if i < n && (p[i] == UInt8(ascii: "+") || p[i] == UInt8(ascii: "-")) { i += 1 }
            guard digits() > 0 else { return false }
        }
        return true
    }

    /// Skips a nested object or array, checking its structure. Iterative, with its own
    /// stack, so deep nesting cannot exhaust the thread's stack.
    mutating func skipContainer() -> Bool {
        var stack: [UInt8] = []
        while true {
            // A value starts at `i`.
            skipWS()
            guard i < n else { return false }
            let c = p[i]
            if c == UInt8(ascii: "{") || c == UInt8(ascii: "[") {
                i += 1
                skipWS()
                guard i < n else { return false }
                if p[i] == (c == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                    i += 1  // an empty container is a whole value
                } else {
                    stack.append(c)
                    if c == UInt8(ascii: "{") {
                        guard memberKey() else { return false }
                    }
                    continue
                }
            } else {
                guard skipScalar() else { return false }
            }
            // After a value: a separator, or the end of one or more containers.
            while true {
                guard let open = stack.last else { return true }
                skipWS()
                guard i < n else { return false }
                let d = p[i]
                if d == UInt8(ascii: ",") {
                    i += 1
                    if open == UInt8(ascii: "{") {
                        skipWS()
                        guard memberKey() else { return false }
                    }
                    break
                }
                if (d == UInt8(ascii: "}") && open == UInt8(ascii: "{")) || (d == UInt8(ascii: "]") && open == UInt8(ascii: "[")) {
                    i += 1
                    stack.removeLast()
                    continue
                }
                return false
            }
        }
    }

    /// A member's `"key" :` inside a skipped object.
    mutating func memberKey() -> Bool {
        guard i < n, p[i] == 0x22, stringValue() != nil else { return false }
        skipWS()
        guard i < n, p[i] == UInt8(ascii: ":") else { return false }
        i += 1
        return true
    }

    /// Skips a string, number or literal.
    mutating func skipScalar() -> Bool {
        guard i < n else { return false }
        switch p[i] {
        case 0x22: return stringValue() != nil
        case UInt8(ascii: "t"): return literal("true")
        case UInt8(ascii: "f"): return literal("false")
        case UInt8(ascii: "n"): return literal("null")
        default: return skipNumber()
        }
    }

    /// Skips any JSON value (used for unknown fields and prompts).
    mutating func skipValue() -> Bool {
        guard i < n else { return false }
        return p[i] == UInt8(ascii: "{") || p[i] == UInt8(ascii: "[") ? skipContainer() : skipScalar()
    }

    /// The bytes of a string value with escapes decoded (into `scratch` when needed).
    @inline(__always) func withStringBytes<R>(
        _ s: (start: Int, end: Int, escaped: Bool), _ scratch: inout [UInt8], _ body: (UnsafeRawBufferPointer) -> R
    ) -> R? {
        if !s.escaped { return body(UnsafeRawBufferPointer(start: p + s.start, count: s.end - s.start)) }
        guard unescape(s.start, s.end, &scratch) else { return nil }
        return scratch.withUnsafeBytes { body($0) }
    }

    /// Decodes JSON escapes into `out`; `false` on an invalid escape.
    func unescape(_ start: Int, _ end: Int, _ out: inout [UInt8]) -> Bool {
        out.removeAll(keepingCapacity: true)
        var j = start
        let bytes = UnsafeBufferPointer(start: p, count: end)
        func hex4(_ at: Int) -> UInt32? { hexQuad(bytes, at) }
        while j < end {
            let c = p[j]
            if c != 0x5C {
                out.append(c)
                j += 1
                continue
            }
            guard j + 1 < end else { return false }
            let e = p[j + 1]
            j += 2
            switch e {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                guard var cp = hex4(j) else { return false }
                j += 4
                if cp >= 0xD800 && cp < 0xDC00 {
                    // A high surrogate must be followed by an escaped low surrogate.
                    if j + 6 <= end && p[j] == 0x5C && p[j + 1] == UInt8(ascii: "u"), let lo = hex4(j + 2),
                        lo >= 0xDC00 && lo < 0xE000
                    {
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00)
                        j += 6
                    } else {
                        cp = 0xFFFD
                    }
                } else if cp >= 0xDC00 && cp < 0xE000 {
                    cp = 0xFFFD
                }
                appendUTF8(cp, &out)
            default: return false
            }
        }
        return true
    }

    /// Scans the whole line into `event`.
    mutating func scan(
        _ event: inout RequestEvent, _ interner: inout StringInterner, _ arena: inout [UInt8], _ scratch: inout [UInt8],
        _ tally: inout BadLineTally
    ) -> ScanOutcome {
        skipWS()
        guard i < n, p[i] == UInt8(ascii: "{") else { return syntax("'{' (a JSON object)") }
        i += 1
        skipWS()
        var seenTS = false, seenAccount = false, seenIP = false
        if i < n && p[i] == UInt8(ascii: "}") {
            i += 1
        } else {
            while true {
                guard i < n, p[i] == 0x22 else { return syntax("'\"' (a key)") }
                guard let key = stringValue() else {
                    return .bad(.invalidJSON, "invalid JSON: unterminated string or control character in a key")
                }
                if key.escaped { return .fallback }
                skipWS()
                guard i < n, p[i] == UInt8(ascii: ":") else { return syntax("':'") }
                i += 1
                skipWS()
                guard i < n else { return syntax("a value") }
                let field = CanonicalKeys.lookup(p + key.start, key.end - key.start)
                let c = p[i]
                let isNull = c == UInt8(ascii: "n")
                if isNull {
                    guard literal("null") else { return syntax("a value") }
                } else if let field {
                    switch field {
                    case .ts:
                        if c == 0x22 {
                            guard let s = stringValue() else { return .bad(.invalidJSON, "invalid JSON: unterminated string") }
                            guard !s.escaped,
                                let ts = TimestampParser.parseRFC3339(UnsafeBufferPointer(start: p + s.start, count: s.end - s.start))
                            else {
                                return .bad(
                                    .invalidField(.ts), "ts is not an RFC 3339 time or epoch milliseconds: \(quote(s.start, s.end))")
                            }
                            event.ts = ts
                        } else if isNumberStart(c) {
                            guard let (v, ok) = integerValue() else { return .fallback }
                            guard ok, v >= 0, v <= CanonicalLogDecoder.maxEpochMillis else {
                                return .bad(.invalidField(.ts), "ts is not epoch milliseconds between 1970 and 9999")
                            }
                            event.ts = v
                        } else {
                            return .bad(.invalidField(.ts), "ts must be a string or an integer")
                        }
                        seenTS = true
                    case .accountID:
                        guard c == 0x22 else { return .bad(.invalidField(.accountID), "account_id must be a string") }
                        guard let s = stringValue() else { return .bad(.invalidJSON, "invalid JSON: unterminated string") }
                        guard s.end > s.start else { return .bad(.invalidField(.accountID), "account_id is empty") }
                        guard let id = withStringBytes(s, &scratch, { interner.intern($0) }) else {
                            return .bad(.invalidJSON, "invalid escape in account_id")
                        }
                        event.account = id
                        seenAccount = true
                    case .clientIP:
                        guard c == 0x22 else { return .bad(.invalidField(.clientIP), "client_ip must be a string") }
                        guard let s = stringValue() else { return .bad(.invalidJSON, "invalid JSON: unterminated string") }
                        guard !s.escaped, let ip = IPAddress.parse(UnsafeBufferPointer(start: p + s.start, count: s.end - s.start)) else {
                            return .bad(.invalidField(.clientIP), "client_ip is not an IPv4 or IPv6 address: \(quote(s.start, s.end))")
                        }
                        event.clientIP = ip
                        seenIP = true
                    case .requestID:
                        guard c == 0x22 else {
                            guard skipValue() else { return syntax("a value") }
                            tally.ignored(field)
                            break
                        }
                        guard let s = stringValue() else { return .bad(.invalidJSON, "invalid JSON: unterminated string") }
                        let off = arena.count
                        guard withStringBytes(s, &scratch, { arena.append(contentsOf: $0) }) != nil else {
                            return .bad(.invalidJSON, "invalid escape in request_id")
                        }
                        event.requestIDOffset = UInt32(truncatingIfNeeded: off)
                        event.requestIDLength = UInt32(arena.count - off)
                    case .apiKeyID, .sessionID:
                        guard c == 0x22 else {
                            guard skipValue() else { return syntax("a value") }
                            tally.ignored(field)
                            break
                        }
                        guard let s = stringValue() else { return .bad(.invalidJSON, "invalid JSON: unterminated string") }
                        if field == .apiKeyID {
                            guard let h = withStringBytes(s, &scratch, { stableHash($0) | 1 }) else {
                                return .bad(.invalidJSON, "invalid escape in \(field.name)")
                            }
                            event.apiKeyHash = h
                        } else {
                            // The text goes to the arena too: a sampled request keeps its session id
                            // as case evidence (a copy of a few dozen bytes per line).
                            let off = arena.count
                            guard
                                let h = withStringBytes(
                                    s, &scratch,
                                    { bytes -> UInt64 in
                                        arena.append(contentsOf: bytes)
                                        return stableHash(bytes) | 1
                                    })
                            else { return .bad(.invalidJSON, "invalid escape in \(field.name)") }
                            event.sessionHash = h
                            event.sessionIDOffset = UInt32(truncatingIfNeeded: off)
                            event.sessionIDLength = UInt32(arena.count - off)
                        }
                    case .orgID, .plan, .userAgent, .acceptLanguage, .clientTimezone, .ja4, .endpoint, .model:
                        guard c == 0x22 else {
                            guard skipValue() else { return syntax("a value") }
                            tally.ignored(field)
                            break
                        }
                        guard let s = stringValue() else { return .bad(.invalidJSON, "invalid JSON: unterminated string") }
                        guard let id = withStringBytes(s, &scratch, { interner.intern($0) }) else {
                            return .bad(.invalidJSON, "invalid escape in \(field.name)")
                        }
                        switch field {
                        case .orgID: event.org = id
                        case .plan: event.plan = id
                        case .userAgent: event.userAgent = id
                        case .acceptLanguage: event.acceptLanguage = id
                        case .clientTimezone: event.clientTimezone = id
                        case .ja4: event.ja4 = id
                        case .endpoint: event.endpoint = id
                        default: event.model = id
                        }
                    case .clientPort, .status, .inputTokens, .outputTokens, .cacheReadTokens, .maxTokens, .turns, .latencyMs:
                        guard isNumberStart(c) else {
                            guard skipValue() else { return syntax("a value") }
                            tally.ignored(field)
                            break
                        }
                        guard let (v, ok) = integerValue() else { return .fallback }
                        // Negative or absurd values (over 10^12 tokens or milliseconds) are not
                        // counts: the field is unknown, so sums can never overflow.
                        guard ok, v >= 0, v <= CanonicalLogDecoder.maxCount else {
                            tally.ignored(field)
                            break
                        }
                        switch field {
                        case .clientPort: if v <= 65535 { event.clientPort = Int32(v) } else { tally.ignored(field) }
                        case .status: event.status = Int32(truncatingIfNeeded: min(v, 999))
                        case .inputTokens: event.inputTokens = v
                        case .outputTokens: event.outputTokens = v
                        case .cacheReadTokens: event.cacheReadTokens = v
                        case .maxTokens: event.maxTokens = v
                        case .turns: event.turns = Int32(truncatingIfNeeded: min(v, 1_000_000))
                        default: event.latencyMs = v
                        }
                    case .stream, .thinking, .rateLimited:
                        let value: Bool
                        if literal("true") {
                            value = true
                        } else if literal("false") {
                            value = false
                        } else {
                            guard skipValue() else { return syntax("a value") }
                            tally.ignored(field)
                            break
                        }
                        switch field {
                        case .stream: event.flags.insert(value ? [.streamKnown, .stream] : [.streamKnown])
                        case .thinking: event.flags.insert(value ? [.thinkingKnown, .thinking] : [.thinkingKnown])
                        default: event.flags.insert(value ? [.rateLimitedKnown, .rateLimited] : [.rateLimitedKnown])
                        }
                    case .temperature:
                        let start = i
                        guard isNumberStart(c) else {
                            guard skipValue() else { return syntax("a value") }
                            tally.ignored(field)
                            break
                        }
                        guard skipNumber() else { return .bad(.invalidJSON, "invalid JSON: malformed number in temperature") }
                        if let t = parseDouble(start, i) { event.temperature = Float(t) } else { tally.ignored(field) }
                    case .prompt, .systemPrompt:
                        guard keepPromptText, c == 0x22 else {
                            guard skipValue() else { return .bad(.invalidJSON, "invalid JSON in \(field.name)") }
                            if c == 0x22 {
                                event.flags.insert(field == .prompt ? .hasPrompt : .hasSystemPrompt)
                            } else {
                                tally.ignored(field)
                            }
                            break
                        }
                        guard let s = stringValue() else { return .bad(.invalidJSON, "invalid JSON in \(field.name)") }
                        event.flags.insert(field == .prompt ? .hasPrompt : .hasSystemPrompt)
                        let off = arena.count
                        guard withStringBytes(s, &scratch, { arena.append(contentsOf: $0) }) != nil else {
                            return .bad(.invalidJSON, "invalid escape in \(field.name)")
                        }
                        let length = UInt32(arena.count - off)
                        if field == .prompt {
                            event.promptOffset = UInt32(truncatingIfNeeded: off)
                            event.promptLength = length
                        } else {
                            event.systemPromptOffset = UInt32(truncatingIfNeeded: off)
                            event.systemPromptLength = length
                        }
                    case .promptSimhash:
                        guard c == 0x22 else {
                            guard skipValue() else { return syntax("a value") }
                            tally.ignored(field)
                            break
                        }
                        guard let s = stringValue() else { return .bad(.invalidJSON, "invalid JSON: unterminated string") }
                        if !s.escaped, s.end - s.start == 16, let v = parseHex64(s.start) {
                            event.promptSimhash = v
                            event.flags.insert(.simhashKnown)
                        } else {
                            tally.ignored(field)
                        }
                    }
                } else {
                    guard skipValue() else { return .bad(.invalidJSON, "invalid JSON: malformed value at column \(i + 1)") }
                }
                skipWS()
                guard i < n else { return .bad(.invalidJSON, "invalid JSON: line ends inside the object (truncated?)") }
                if p[i] == UInt8(ascii: ",") {
                    i += 1
                    skipWS()
                    continue
                }
                if p[i] == UInt8(ascii: "}") {
                    i += 1
                    break
                }
                return syntax("',' or '}'")
            }
        }
        skipWS()
        guard i == n else { return syntax("end of line after the object") }
        if !seenTS { return .bad(.missingField(.ts), "missing required field ts") }
        if !seenAccount { return .bad(.missingField(.accountID), "missing required field account_id") }
        if !seenIP { return .bad(.missingField(.clientIP), "missing required field client_ip") }
        return .ok
    }

    func quote(_ start: Int, _ end: Int) -> String {
        guard quoteValues else { return "(value hidden; --verbose shows it)" }
        let len = min(end - start, 64)
        let text = String(decoding: UnsafeBufferPointer(start: p + start, count: len), as: UTF8.self)
        return "\"" + text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "?" : String($0) }.joined()
            + (end - start > 64 ? "…" : "") + "\""
    }

    func parseHex64(_ start: Int) -> UInt64? {
        var v: UInt64 = 0
        for k in 0..<16 {
            guard let h = IPAddress.hexValue(p[start + k]) else { return nil }
            v = v << 4 | UInt64(h)
        }
        return v
    }

    func parseDouble(_ start: Int, _ end: Int) -> Double? {
        guard end - start < 64 else { return nil }
        var buf = [CChar](repeating: 0, count: end - start + 1)
        for k in 0..<(end - start) { buf[k] = CChar(bitPattern: p[start + k]) }
        var tail: UnsafeMutablePointer<CChar>?
        let v = strtod(buf, &tail)
        guard let tail, tail.pointee == 0, v.isFinite else { return nil }
        return v
    }
}

func appendUTF8(_ cp: UInt32, _ out: inout [UInt8]) {
    if cp < 0x80 {
        out.append(UInt8(cp))
    } else if cp < 0x800 {
        out.append(UInt8(0xC0 | (cp >> 6)))
        out.append(UInt8(0x80 | (cp & 0x3F)))
    } else if cp < 0x10000 {
        out.append(UInt8(0xE0 | (cp >> 12)))
        out.append(UInt8(0x80 | ((cp >> 6) & 0x3F)))
        out.append(UInt8(0x80 | (cp & 0x3F)))
    } else {
        out.append(UInt8(0xF0 | (cp >> 18)))
        out.append(UInt8(0x80 | ((cp >> 12) & 0x3F)))
        out.append(UInt8(0x80 | ((cp >> 6) & 0x3F)))
        out.append(UInt8(0x80 | (cp & 0x3F)))
    }
}

/// Byte offset of the first invalid UTF-8 sequence, or `n` when the bytes are valid.
func firstInvalidUTF8(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int {
    var i = 0
    while i < n {
        let c = p[i]
        if c < 0x80 {
            i += 1
            continue
        }
        var need = 0
        var minCP: UInt32 = 0
        var cp: UInt32 = 0
        switch c {
        case 0xC2...0xDF:
            need = 1
            cp = UInt32(c & 0x1F)
            minCP = 0x80
        case 0xE0...0xEF:
            need = 2
            cp = UInt32(c & 0x0F)
            minCP = 0x800
        case 0xF0...0xF4:
            need = 3
            cp = UInt32(c & 0x07)
            minCP = 0x10000
        default: return i
        }
        if i + need >= n { return i }
        for k in 1...need {
            let d = p[i + k]
            guard d & 0xC0 == 0x80 else { return i }
            cp = cp << 6 | UInt32(d & 0x3F)
        }
        if cp < minCP || cp > 0x10FFFF || (cp >= 0xD800 && cp < 0xE000) { return i }
        i += need + 1
    }
    return n
}

@inline(__always) func validUTF8(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool { firstInvalidUTF8(p, n) == n }
