import Foundation
import TrawlFeatures
import TrawlModel

/// How values are written into the store's columns: times, days, text and JSON.
///
/// JSON is written by hand so that the same value always gives the same bytes (keys
/// sorted by their UTF-8 bytes, integral numbers without a fraction): the store
/// decides whether a row changed by comparing the text it would write with the text
/// it holds.
enum StorageFormat {
    // MARK: Times and days

    /// RFC 3339 UTC text with milliseconds, e.g. `2025-03-01T12:00:00.000Z`.
    static func time(_ date: Date) -> String {
        let millis = (date.timeIntervalSince1970 * 1000).rounded(.down)
        return TimestampParser.format(Int64(millis))
    }

    /// The date of a time written by `time(_:)`.
    static func date(_ text: String) -> Date? {
        TimestampParser.parse(text).map { Date(timeIntervalSince1970: Double($0) / 1000) }
    }

    /// `YYYY-MM-DD` for a UTC day number.
    static func day(_ day: Int32) -> String { TimestampParser.dayString(day) }

    // MARK: Text

    /// Text as it can be stored and read back: SQLite's C interface stops at NUL, so
    /// NUL characters become U+FFFD.
    ///
    /// These three run for every string of every stored row, so native strings' bytes are
    /// compared with `memchr`/`memcmp` (the generic sequence algorithms over `utf8` took 2%
    /// of a batch pass); bridged strings take the generic path.
    static func text(_ s: String) -> String {
        let hasNUL =
            s.utf8.withContiguousStorageIfAvailable { b in b.count > 0 && memchr(b.baseAddress!, 0, b.count) != nil }
            ?? s.utf8.contains(0)
        guard hasNUL else { return s }
        return String(String.UnicodeScalarView(s.unicodeScalars.map { $0 == "\0" ? "\u{FFFD}" : $0 }))
    }

    /// Whether two strings have the same bytes (Swift's `==` equates canonically
    /// equivalent strings; SQLite does not).
    static func same(_ a: String, _ b: String) -> Bool {
        guard a.utf8.count == b.utf8.count else { return false }
        return compareBytes(a, b) { x, y in x.count == 0 || memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0 }
            ?? a.utf8.elementsEqual(b.utf8)
    }

    /// Byte order, as SQLite's BINARY collation sorts text.
    static func precedes(_ a: String, _ b: String) -> Bool {
        compareBytes(a, b) { x, y in
            let n = min(x.count, y.count)
            let c = n == 0 ? 0 : memcmp(x.baseAddress!, y.baseAddress!, n)
            return c != 0 ? c < 0 : x.count < y.count
        } ?? a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    /// `body` over both strings' contiguous UTF-8, or `nil` when either has none.
    @inline(__always) private static func compareBytes(
        _ a: String, _ b: String, _ body: (UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt8>) -> Bool
    ) -> Bool? {
        a.utf8.withContiguousStorageIfAvailable { x in b.utf8.withContiguousStorageIfAvailable { y in body(x, y) } } ?? nil
    }

    // MARK: JSON out

    /// Feature names in byte order, as catalog indices.
    private static let featureOrder: [Int] = FeatureCatalog.all.indices.sorted {
        precedes(FeatureCatalog.all[$0].name, FeatureCatalog.all[$1].name)
    }

    /// Each catalog feature's name as a JSON object key (`"name":`), by catalog index: written
    /// for every known feature of every stored account-day, so escaped once.
    private static let featureKeys: [[UInt8]] = FeatureCatalog.all.map { d in
        var w = JSONWriter()
        w.beginObject()
        w.key(d.name)
        return Array(w.out.utf8.dropFirst())
    }

    /// Known features as one JSON object of native values; unknown features are absent.
    static func json(_ features: FeatureVector) -> String {
        var w = JSONWriter()
        w.beginObject()
        for i in featureOrder where i < features.values.count {
            guard let value = features.values[i], value.isStorable else { continue }
            w.key(escaped: featureKeys[i])
            w.value(value)
        }
        w.endObject()
        return w.out
    }

    /// Feature values by name as one JSON object of native values.
    static func json(_ values: [String: FeatureValue]) -> String {
        var w = JSONWriter()
        w.beginObject()
        for key in values.keys.sorted(by: precedes) {
            let value = values[key]!
            guard value.isStorable else { continue }
            w.key(key)
            w.value(value)
        }
        w.endObject()
        return w.out
    }

    /// Evidence in `AccountEvidence`'s own coding keys, so `JSONDecoder` reads it back.
    static func json(_ evidence: AccountEvidence) -> String {
        var w = JSONWriter()
        func counted(_ list: [CountedValue]) {
            w.beginArray()
            for c in list {
                w.element()
                w.beginObject()
                w.key("count")
                w.number(Double(c.count))
                w.key("value")
                w.string(text(c.value))
                w.endObject()
            }
            w.endArray()
        }
        func optionalCounted(_ key: String, _ list: [CountedValue]?) {
            guard let list else { return }
            w.key(key)
            counted(list)
        }
        // Keys in byte order.
        w.beginObject()
        if let k = evidence.addressKinds {
            w.key("addressKinds")
            w.beginObject()
            for (key, value) in [
                ("allowlisted", k.allowlisted), ("anonymityCovered", k.anonymityCovered), ("hosting", k.hosting),
                ("known", k.known), ("residentialProxy", k.residentialProxy), ("tor", k.tor), ("vpn", k.vpn),
            ] {
                w.key(key)
                w.integer(Int64(value))
            }
            w.endObject()
        }
        if let first = evidence.firstSeen {
            w.key("firstSeen")
            w.integer(first)
        }
        if let hourly = evidence.hourly {
            w.key("hourly")
            w.beginArray()
            for n in hourly {
                w.element()
                w.integer(Int64(n))
            }
            w.endArray()
        }
        if let last = evidence.lastSeen {
            w.key("lastSeen")
            w.integer(last)
        }
        if let samples = evidence.promptSamples {
            // Only with `analyze --keep-samples`: redacted, truncated prompt texts.
            w.key("promptSamples")
            w.beginArray()
            for sample in samples {
                w.element()
                w.string(text(sample))
            }
            w.endArray()
        }
        w.key("requestIDs")
        w.beginArray()
        for id in evidence.requestIDs {
            w.element()
            w.string(text(id))
        }
        w.endArray()
        if let sessions = evidence.requestSessions {
            w.key("requestSessions")
            w.beginArray()
            for session in sessions {
                w.element()
                if let session { w.string(text(session)) } else { w.embedded("null") }
            }
            w.endArray()
        }
        optionalCounted("topASNs", evidence.topASNs)
        optionalCounted("topCountries", evidence.topCountries)
        w.key("topIPs")
        counted(evidence.topIPs)
        optionalCounted("topJA4s", evidence.topJA4s)
        w.key("topUserAgents")
        counted(evidence.topUserAgents)
        w.endObject()
        return w.out
    }

    /// One rule hit as the store writes it; `tags` and `values` are JSON text already.
    struct HitText: Sendable {
        var ruleID: String
        var title: String
        var weight: Double
        var tags: String
        var explanation: String
        var values: String
    }

    /// Hits (sorted by rule id) as `account_day.hits`: one JSON array of objects, keys in
    /// byte order. The recorder and the v2 migration both write it here, so a migrated
    /// store holds the same bytes a new run would write.
    static func json(_ hits: [HitText]) -> String {
        var w = JSONWriter()
        w.beginArray()
        for h in hits {
            w.element()
            w.beginObject()
            w.key("explanation")
            w.string(h.explanation)
            w.key("feature_values")
            w.embedded(h.values)
            w.key("rule_id")
            w.string(h.ruleID)
            w.key("tags")
            w.embedded(h.tags)
            w.key("title")
            w.string(h.title)
            w.key("weight")
            w.number(h.weight)
            w.endObject()
        }
        w.endArray()
        return w.out
    }

    /// A JSON array of strings, in the order given.
    static func json(_ strings: [String]) -> String {
        var w = JSONWriter()
        w.beginArray()
        for s in strings {
            w.element()
            w.string(s)
        }
        w.endArray()
        return w.out
    }

    /// A JSON object of counts, keys in byte order.
    static func json(_ counts: [String: Int]) -> String {
        var w = JSONWriter()
        w.beginObject()
        for key in counts.keys.sorted(by: precedes) {
            w.key(key)
            w.integer(Int64(counts[key]!))
        }
        w.endObject()
        return w.out
    }

    // MARK: JSON in

    /// Decodes a JSON column, naming the column when it is not what was written.
    static func decode<T: Decodable>(_ type: T.Type, _ json: String, table: String, column: String) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(json.utf8))
        } catch {
            throw CaseStoreError(.corruptValue(table: table, column: column))
        }
    }

    /// Decodes a JSON object of native feature values.
    static func features(_ json: String, table: String, column: String) throws -> [String: FeatureValue] {
        try decode([String: FeatureValue].self, json, table: table, column: column)
    }
}

extension FeatureValue {
    /// Whether JSON can hold the value: infinities and NaN cannot, and are stored as unknown.
    var isStorable: Bool {
        if case .number(let v) = self { return v.isFinite }
        return true
    }
}

/// Appends JSON text; the caller keeps the structure valid.
struct JSONWriter {
    /// UTF-8 bytes written so far; appending bytes is several times faster than
    /// appending to a `String` scalar by scalar, and this runs for every account-day.
    private var bytes: [UInt8] = []
    /// One bit per open array or object, innermost lowest: set while it has no member.
    /// (A bit stack, not an array: a writer is made for every stored value.)
    private var first: UInt64 = 0
    private var depth = 0

    init() { bytes.reserveCapacity(512) }

    var out: String { String(decoding: bytes, as: UTF8.self) }

    private mutating func raw(_ s: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    private mutating func raw(_ s: String) {
        var copy = s
        copy.withUTF8 { bytes.append(contentsOf: $0) }
    }

    /// Appends text that is already JSON (written by this type), as one value.
    mutating func embedded(_ json: String) { raw(json) }

    private mutating func open(_ c: UInt8) {
        precondition(depth < 64, "JSON nested deeper than 64 levels")
        bytes.append(c)
        first = first << 1 | 1
        depth += 1
    }

    private mutating func close(_ c: UInt8) {
        bytes.append(c)
        first >>= 1
        depth -= 1
    }

    mutating func beginObject() { open(UInt8(ascii: "{")) }
    mutating func endObject() { close(UInt8(ascii: "}")) }
    mutating func beginArray() { open(UInt8(ascii: "[")) }
    mutating func endArray() { close(UInt8(ascii: "]")) }

    /// Starts an array element (writes the separator).
    mutating func element() {
        if first & 1 != 0 {
            first &= ~1
        } else {
            bytes.append(UInt8(ascii: ","))
        }
    }

    /// Starts an object member.
    mutating func key(_ k: String) {
        element()
        string(k)
        bytes.append(UInt8(ascii: ":"))
    }

    /// Starts an object member whose key is already written as JSON (`"name":`).
    mutating func key(escaped k: [UInt8]) {
        element()
        bytes.append(contentsOf: k)
    }

    mutating func value(_ v: FeatureValue) {
        switch v {
        case .number(let d): number(d)
        case .flag(let b): raw(b ? "true" : "false")
        case .text(let s): string(StorageFormat.text(s))
        }
    }

    /// Decimal digits written straight into the output (no `String` per number: the store
    /// writes a few million of them in a batch run).
    mutating func integer(_ v: Int64) {
        if v < 0 { bytes.append(UInt8(ascii: "-")) }
        var x = v.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: room for 20 digits
        var n = 0
        withUnsafeMutableBytes(of: &digits) { d in
            repeat {
                d[23 - n] = UInt8(truncatingIfNeeded: x % 10) + UInt8(ascii: "0")
                x /= 10
                n += 1
            } while x != 0
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: d[(24 - n)...]))
        }
    }

    /// Integral values below 10^15 without a fraction, others in Swift's shortest
    /// round-tripping form; non-finite values as `null`.
    mutating func number(_ v: Double) {
        if !v.isFinite {
            raw("null")
        } else if v == v.rounded() && abs(v) < 1e15 {
            integer(Int64(v))
        } else {
            raw(v.description)
        }
    }

    mutating func string(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        var copy = s
        copy.withUTF8 { utf8 in
            var runStart = 0
            for (i, c) in utf8.enumerated() where c < 0x20 || c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") {
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<i]))
                runStart = i + 1
                switch c {
                case UInt8(ascii: "\""): raw("\\\"")
                case UInt8(ascii: "\\"): raw("\\\\")
                case UInt8(ascii: "\n"): raw("\\n")
                case UInt8(ascii: "\r"): raw("\\r")
                case UInt8(ascii: "\t"): raw("\\t")
                default:
                    let hex = String(c, radix: 16)
                    raw("\\u" + String(repeating: "0", count: 4 - hex.count) + hex)
                }
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...]))
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
