import Foundation
import TestSupport
import Testing
import TrawlModel

@testable import TrawlIngest

@Suite struct AccountRegistryReaderTests {
    /// Lines of inputs.md §2: good records in every form, and each kind of damage once or
    /// more, with good records around them.
    static let lines: [[UInt8]] = [
        Array(
            #"{"account_id":"a-1","created_at":"2026-11-01T14:59:26.260Z","plan":"pro","signup_ip":"102.154.160.193","signup_user_agent":"Mozilla/5.0","email_domain":"Proton.ME","phone_country":"au","payment_fingerprint":"pf_1","card_country":"au","billing_country":"Au","kyc_status":"passed"}"#
                .utf8),
        Array(#"{"account_id":"a-2","created_at":1793577600000,"signup_ip":"2001:db8::7","plan":7,"kyc_status":null}"#.utf8),
        Array(#"{"account_id":"a-3","created_at":"2026-11-01T10:00:00+02:00","signup_ip":"not an address","extra":{"x":[1,2]}}"#.utf8),
        Array(#"{"account_id":"a-4","#.utf8),  // truncated JSON
        Array(#"{"plan":"pro"}"#.utf8),  // no account_id
        Array(#"{"account_id":42,"plan":"pro"}"#.utf8),  // account_id not a string
        Array(#"{"account_id":"","plan":"pro"}"#.utf8),  // empty account_id
        Array(#"{"account_id":"a-5","plan":""#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8),  // invalid UTF-8
        Array(#"["a-6"]"#.utf8),  // not an object
        [],  // blank: not bad
        Array("  \t".utf8),
        Array(#"{"account_id":"a-\u00e9","email_domain":"Example.org"}"#.utf8),
    ]

    @Test(arguments: ["plain", "gzip"])
    func recordsAndDamage(form: String) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        var bytes: [UInt8] = []
        for line in Self.lines { bytes += line + [0x0A] }
        var path = try dir.write("accounts.jsonl", bytes: bytes)
        if form == "gzip" { path = try compressFile(path, with: "gzip") }
        let result = try AccountRegistryReader.read(path)

        #expect(result.lines == Self.lines.count)
        #expect(Set(result.accounts.keys) == ["a-1", "a-2", "a-3", "a-é"])
        #expect(
            result.tally.countsByKey == [
                "invalid_json": 2, "missing_field.account_id": 1, "invalid_field.account_id": 2, "invalid_utf8": 1,
            ])
        let lineNumbers = result.tally.samples.values.flatMap { $0 }.map { $0.position.lineInChunk + 1 }.sorted()
        #expect(lineNumbers == [4, 5, 6, 7, 8, 9])

        let a1 = try #require(result.accounts["a-1"])
        #expect(a1.createdAt == TimestampParser.parse("2026-11-01T14:59:26.260Z"))
        #expect(a1.plan == "pro" && a1.signupUserAgent == "Mozilla/5.0" && a1.kycStatus == "passed")
        #expect(a1.signupIP == IPAddress("102.154.160.193"))
        #expect(a1.emailDomain == "proton.me" && a1.phoneCountry == "AU" && a1.cardCountry == "AU" && a1.billingCountry == "AU")
        #expect(a1.paymentFingerprint == "pf_1")
        // A field of the wrong type or null is unknown; the record is kept.
        let a2 = try #require(result.accounts["a-2"])
        #expect(a2.plan == nil && a2.kycStatus == nil && a2.createdAt == nil)
        #expect(a2.signupIP == IPAddress("2001:db8::7"))
        let a3 = try #require(result.accounts["a-3"])
        #expect(a3.createdAt == TimestampParser.parse("2026-11-01T08:00:00Z") && a3.signupIP == nil)
        #expect(result.accounts["a-é"]?.emailDomain == "example.org")
    }

    /// The byte scanner and Foundation's parser agree on every line: each line of the
    /// damaged file, odd numbers and literals, every prefix of a full line, and every
    /// position of it replaced by each of a set of JSON-significant bytes.
    @Test func scannerAgreesWithFoundation() {
        let full = Array(
            #"{"account_id":"a-1","created_at":"2026-11-01T14:59:26.260Z","plan":"pro","signup_ip":"10.0.0.1","n":-0.5,"ok":true,"x":null}"#
                .utf8)
        var corpus = Self.lines
        for value in [
            "1", "-0", "1.5e3", "1e999", "-1E-999", "12345678901234567890123", "01", "1.", ".5", "-", "true", "tru", "null", "nul",
        ] {
            corpus.append(Array(#"{"account_id":"a","plan":\#(value)}"#.utf8))
            corpus.append(Array(#"{"account_id":"a","other":\#(value)}"#.utf8))
        }
        for text in [
            #"{"account_id":"a","plan":"p","plan":"q"}"#, #"{"account_id":"a","plan":{"x":1}}"#, #"{"account_id":"a","z":[1,{}]}"#,
            #"{"account_id":"a\/b"}"#, #"{"account_id":"a\ud800"}"#, #"{"account\u005fid":"a"}"#, #"{}"#, #"[]"#, #""a""#, "",
            #"{"account_id":"a",}"#, #"{"account_id" "a"}"#, #"{"account_id":"a"} x"#, " \t{ \"account_id\" : \"a\" } \r",
            #"{"account_id":"a"}{"#, #"{"account_id":null}"#, #"{"":"a","account_id":"b"}"#,
        ] {
            corpus.append(Array(text.utf8))
        }
        // What Foundation reads its own way: a byte order mark, U+FEFF starting a string or a
        // key, numbers past a double's range without an exponent, UTF-16 and NUL bytes.
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF], feff = "\u{FEFF}"
        corpus.append(bom + Array(#"{"account_id":"a","plan":"p"}"#.utf8))
        for text in [
            #"{"account_id":"\#(feff)ab"}"#, #"{"account_id":"\#(feff)"}"#, #"{"\#(feff)account_id":"a"}"#,
            #"{"account_id":"a","\#(feff)account_id":"b"}"#, #"{"account_id":"a","plan":"\#(feff)pro"}"#,
            #"{"account_id":"a","n":1\#(String(repeating: "0", count: 309))}"#,
            #"{"account_id":"a","n":-1\#(String(repeating: "0", count: 309))}"#,
            #"{"account_id":"a","n":1\#(String(repeating: "0", count: 400)).5}"#,
            #"{"account_id":"a","n":1\#(String(repeating: "0", count: 299))}"#,
        ] {
            corpus.append(Array(text.utf8))
        }
        corpus.append(Array(#"{"account_id":"a"}"#.utf16).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] })
        corpus.append(Array(#"{"account_id":"a"}"#.utf16).flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] })
        corpus.append([0x7B, 0x00, 0x7D, 0x00])
        for k in 0...full.count { corpus.append(Array(full.prefix(k))) }
        for k in full.indices {
            for b in Array(#"{}[]:,"0-entfx \"#.utf8) {
                var line = full
                line[k] = b
                corpus.append(line)
            }
        }
        var disagreements = 0
        for (k, line) in corpus.enumerated() {
            let pos = LinePosition(fileIndex: 0, sequence: 0, lineInChunk: k)
            var scanned = AccountRegistryReader.Result(), reference = AccountRegistryReader.Result()
            line.withUnsafeBytes { AccountRegistryReader.parse($0, at: pos, into: &scanned) }
            // The reference: the old reader (UTF-8 and blank lines first, then Foundation).
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) {
            } else if String(bytes: line, encoding: .utf8) == nil {
                reference.tally.record(.invalidUTF8, at: pos, detail: "invalid UTF-8")
            } else {
                AccountRegistryReader.parseWithFoundation(Data(line), at: pos, into: &reference)
            }
            if scanned.accounts != reference.accounts || scanned.tally.countsByKey != reference.tally.countsByKey {
                disagreements += 1
                Issue.record(
                    "line \(k): \(String(decoding: line, as: UTF8.self)): \(scanned.tally.countsByKey) vs \(reference.tally.countsByKey)")
            }
        }
        #expect(disagreements == 0)
        #expect(corpus.count > 1500)
        // The scanner itself decided the usual lines (Foundation only the odd ones).
        func decided(_ line: [UInt8]) -> Bool {
            guard !line.isEmpty else { return true }
            let scanned = line.withUnsafeBufferPointer { AccountRegistryReader.scan($0.baseAddress!, $0.count) }
            if case .undecided = scanned { return false }
            return true
        }
        #expect(decided(full) && decided(Self.lines[0]) && decided(Self.lines[1]))
        #expect(!decided(Self.lines[11]) && !decided(Self.lines[2]))  // an escape, a nested value: Foundation's
        #expect(corpus.filter(decided).count > 1000)
    }
}
