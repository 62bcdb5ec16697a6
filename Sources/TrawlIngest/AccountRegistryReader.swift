import Foundation
import TrawlModel

/// Reads the account registry (inputs.md §2): JSONL, plain, gzip or zstd.
///
/// A registry holds every account, not only a day's active ones, so it can be millions of
/// lines read on each run: lines go through the log's byte scanner (string fields, no
/// dictionary per line), and only the odd lines it leaves (see `scan`) go to Foundation's
/// JSON parser, as every line once did at 7 µs a line (0.47 CPU-s for the bench's 50,000
/// accounts while the logs decode; 0.19 now, mostly building the records). Bad lines are
/// counted and sampled like log lines; the rest of the file is kept.
public enum AccountRegistryReader {
    public struct Result: Sendable {
        public var accounts: [String: AccountRecord] = [:]
        public var tally = BadLineTally()
        public var lines = 0
        public init() {}
    }

    /// - Throws: `IngestError` when the file cannot be opened.
    public static func read(_ path: String) throws -> Result {
        let source = try openByteSource(InputFile(path: path))
        let pool = ChunkPool(chunkSize: 1 << 20)
        let chunker = LineChunker(source: source, fileIndex: 0, pool: pool, maxLineBytes: 1 << 20)
        var result = Result()
        while let chunk = chunker.next() {
            // Registry files are read in order on one thread, so positions carry absolute
            // line indexes (sequence 0) and need no later resolution.
            let pos = LinePosition(fileIndex: 0, sequence: 0, lineInChunk: result.lines)
            switch chunk.kind {
            case .overlongLine:
                result.lines += 1
                result.tally.record(.lineTooLong, at: pos, detail: "line longer than 1 MiB")
                continue
            case .truncatedTail:
                continue
            case .lines: break
            }
            guard let buffer = chunk.buffer else { continue }
            let lines = buffer.bytes.split(separator: 0x0A, omittingEmptySubsequences: false)
            let count = buffer.bytes.last == 0x0A ? lines.count - 1 : lines.count
            for (k, line) in lines.prefix(count).enumerated() {
                let here = LinePosition(fileIndex: 0, sequence: 0, lineInChunk: result.lines + k)
                parse(UnsafeRawBufferPointer(rebasing: line), at: here, into: &result)
            }
            result.lines += count
            pool.recycle(buffer)
        }
        if let error = chunker.streamError {
            result.tally.record(
                { if case .truncatedStream = error.reason { return .truncatedStream } else { return .corruptStream } }(),
                at: LinePosition(fileIndex: 0, sequence: 0, lineInChunk: result.lines), detail: error.description)
        }
        return result
    }

    /// The registry's fields, in the order of `names`.
    enum Field: Int, CaseIterable {
        case accountID, createdAt, plan, signupIP, signupUserAgent, emailDomain, phoneCountry, paymentFingerprint,
            cardCountry, billingCountry, kycStatus

        static let names: [StaticString] = [
            "account_id", "created_at", "plan", "signup_ip", "signup_user_agent", "email_domain", "phone_country",
            "payment_fingerprint", "card_country", "billing_country", "kyc_status",
        ]

        static func lookup(_ p: UnsafePointer<UInt8>, _ len: Int) -> Field? {
            for (k, name) in names.enumerated() where name.utf8CodeUnitCount == len && memcmp(name.utf8Start, p, len) == 0 {
                return Field(rawValue: k)
            }
            return nil
        }
    }

    /// A line's fields as text: `nil` for a field absent or not a string; `present` says
    /// which fields the line has at all (a `null` counts).
    struct Fields {
        var text = [String?](repeating: nil, count: Field.allCases.count)
        var present = [Bool](repeating: false, count: Field.allCases.count)
        subscript(_ f: Field) -> String? { text[f.rawValue] }
    }

    /// One line, from the byte scanner or, for the lines it leaves, from Foundation.
    static func parse(_ line: UnsafeRawBufferPointer, at pos: LinePosition, into result: inout Result) {
        if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return }
        guard let base = line.baseAddress?.assumingMemoryBound(to: UInt8.self), validUTF8(base, line.count) else {
            result.tally.record(.invalidUTF8, at: pos, detail: "invalid UTF-8")
            return
        }
        switch scan(base, line.count) {
        case .fields(let fields): store(fields, at: pos, into: &result)
        case .invalid: result.tally.record(.invalidJSON, at: pos, detail: "invalid JSON")
        case .undecided: parseWithFoundation(Data(line), at: pos, into: &result)
        }
    }

    enum Scanned {
        case fields(Fields)
        /// Not JSON.
        case invalid
        /// For Foundation to read.
        case undecided
    }

    /// The fields of a line that is one flat JSON object; `.undecided` for the lines where
    /// Foundation's own ways decide: escapes (its handling of odd surrogates), a byte 0xEF
    /// (it skips a byte order mark and drops a U+FEFF that starts a string), a NUL (it then
    /// guesses UTF-16 or UTF-32), a nested value, a field twice, a number past a double's
    /// range (it refuses those) and a trailing comma (it takes that). Either way the line
    /// reads as it did through Foundation alone, which a test checks on 1,800 damaged and
    /// odd lines.
    static func scan(_ p: UnsafePointer<UInt8>, _ n: Int) -> Scanned {
        for byte: Int32 in [0x5C, 0xEF, 0x00] where memchr(p, byte, n) != nil { return .undecided }
        var s = LineScanner(p: p, n: n)
        var fields = Fields()
        s.skipWS()
        guard s.i < n, p[s.i] == UInt8(ascii: "{") else { return .invalid }
        s.i += 1
        s.skipWS()
        if s.i < n && p[s.i] == UInt8(ascii: "}") {
            s.i += 1
        } else {
            while true {
                guard s.i < n, p[s.i] == 0x22, let key = s.stringValue() else { return .invalid }
                s.skipWS()
                guard s.i < n, p[s.i] == UInt8(ascii: ":") else { return .invalid }
                s.i += 1
                s.skipWS()
                guard s.i < n else { return .invalid }
                if p[s.i] == UInt8(ascii: "{") || p[s.i] == UInt8(ascii: "[") { return .undecided }
                let field = Field.lookup(p + key.start, key.end - key.start)
                if let field {
                    if fields.present[field.rawValue] { return .undecided }
                    fields.present[field.rawValue] = true
                }
                if p[s.i] == 0x22 {
                    guard let v = s.stringValue() else { return .invalid }
                    if let field {
                        fields.text[field.rawValue] = String(
                            decoding: UnsafeBufferPointer(start: p + v.start, count: v.end - v.start), as: UTF8.self)
                    }
                } else {
                    let start = s.i
                    guard s.skipScalar() else { return .invalid }
                    // Past a double's range (`1e999`, 1 and 309 zeros) Foundation refuses the
                    // number: numbers with an exponent or over 300 characters are its to read.
                    if s.isNumberStart(p[start]) {
                        if s.i - start > 300 { return .undecided }
                        for k in start..<s.i where p[k] | 0x20 == UInt8(ascii: "e") { return .undecided }
                    }
                }
                s.skipWS()
                guard s.i < n else { return .invalid }
                if p[s.i] == UInt8(ascii: ",") {
                    s.i += 1
                    s.skipWS()
                    // Foundation takes a trailing comma (`{"a":"b",}`).
                    if s.i < n && p[s.i] == UInt8(ascii: "}") { return .undecided }
                    continue
                }
                guard p[s.i] == UInt8(ascii: "}") else { return .invalid }
                s.i += 1
                break
            }
        }
        s.skipWS()
        return s.i == n ? .fields(fields) : .invalid
    }

    /// The general path (Foundation's JSON parser), for the lines `scan` leaves.
    static func parseWithFoundation(_ line: Data, at pos: LinePosition, into result: inout Result) {
        guard let object = (try? JSONSerialization.jsonObject(with: line)) as? [String: Any] else {
            result.tally.record(.invalidJSON, at: pos, detail: "invalid JSON")
            return
        }
        var fields = Fields()
        for f in Field.allCases {
            let name = Field.names[f.rawValue].description
            fields.present[f.rawValue] = object[name] != nil
            fields.text[f.rawValue] = object[name] as? String
        }
        store(fields, at: pos, into: &result)
    }

    /// Checks the account id and keeps the record.
    static func store(_ fields: Fields, at pos: LinePosition, into result: inout Result) {
        guard let id = fields[.accountID], !id.isEmpty else {
            result.tally.record(
                fields.present[Field.accountID.rawValue] ? .invalidField(.accountID) : .missingField(.accountID), at: pos,
                detail: "account_id missing or not a string")
            return
        }
        var record = AccountRecord(accountID: id)
        if let text = fields[.createdAt] { record.createdAt = TimestampParser.parse(text) }
        record.plan = fields[.plan]
        if let text = fields[.signupIP] { record.signupIP = IPAddress(text) }
        record.signupUserAgent = fields[.signupUserAgent]
        record.emailDomain = fields[.emailDomain]?.lowercased()
        record.phoneCountry = fields[.phoneCountry]?.uppercased()
        record.paymentFingerprint = fields[.paymentFingerprint]
        record.cardCountry = fields[.cardCountry]?.uppercased()
        record.billingCountry = fields[.billingCountry]?.uppercased()
        record.kycStatus = fields[.kycStatus]
        result.accounts[id] = record
    }
}
