import Foundation
import TestSupport
import Testing
import TrawlIngest
import TrawlModel

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
}
