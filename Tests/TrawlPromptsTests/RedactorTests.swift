import Testing

@testable import TrawlPrompts

struct RedactorTests {
    static let redactor = Redactor(maxCharacters: nil)

    /// Each kind of secret, in context.
    static let secrets: [(String, String)] = [
        ("write to jane.doe+ai@example.co.uk today", "write to [email] today"),
        ("mailto:ops@corp-mail.example.com.", "mailto:[email]."),
        ("call +1 415 555 2671 or +44 20 7946 0958", "call [phone] or [phone]"),
        ("call (415) 555-2671 now", "call [phone] now"),
        ("phone 415-555-2671, fax 415.555.2672", "phone [phone], fax [phone]"),
        ("我的手机是13800138000，或者 138 0013 8000", "我的手机是[phone]，或者 [phone]"),
        ("card 4111 1111 1111 1111 exp 12/29", "card [card] exp 12/29"),
        ("card 4111-1111-1111-1111", "card [card]"),
        ("amex 378282246310005, cvv 1234", "amex [card], cvv 1234"),
        ("key sk-proj-AbCdEf0123456789XyZaBcDe please", "key [key] please"),
        ("key=sk-ant-api03-AAAAbbbbCCCCdddd1234-_xyz", "key=[key]"),
        ("aws AKIAIOSFODNN7EXAMPLE and ASIAY34FZKBOKMUTVV7A", "aws [key] and [key]"),
        ("token ghp_16C7e42F292c6912E7710c838347Ae178B4a", "token [key]"),
        ("sha 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "sha [key]"),
        ("bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9abc", "bearer [key]"),
    ]

    @Test(arguments: secrets)
    func redactsEachKind(_ input: String, _ expected: String) {
        #expect(Self.redactor.redact(input) == expected)
    }

    /// A 16-digit number failing Luhn, and ordinary numbers, stay as they are.
    static let ordinary = [
        "account 1234 5678 9012 3456 is not a card",
        "1234567890123456",
        "in 2023 there were 15000 users, up 3.5% from 1,000,000",
        "population 1 000 000 000 or 1.000.000.000",
        "meet on 2026-11-21 at 10:30, version 1.2.3",
        "server 192.168.100.200 answered",
        "order 1234567890 shipped",
        "sketch costs 4 KiB; 12345678901234567890123 is big",
        "deadbeefdeadbeefdeadbeefdeadbeefzz and Supercalifragilisticexpialidocious",
        "skeleton sk-short and AKIA alone",
    ]

    @Test(arguments: ordinary)
    func leavesOrdinaryTextAlone(_ text: String) {
        #expect(Self.redactor.redact(text) == text)
    }

    @Test func theNonCardReallyFailsLuhn() {
        #expect(!Redactor.luhn([1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6]))
        #expect(Redactor.luhn([4, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]))
        #expect(Redactor.luhn([7, 9, 9, 2, 7, 3, 9, 8, 7, 1, 3]))
    }

    @Test func truncatesAfterRedactingAndNeverCutsAPlaceholder() {
        let r = Redactor(maxCharacters: 12)
        #expect(r.redact("mail a@example.com now") == "mail [email]…")
        #expect(r.redact("write to a@example.com") == "write to …")
        #expect(r.redact("short") == "short")
        #expect(r.redact("请逐步展示你的推理过程然后回答问题") == "请逐步展示你的推理过程然…")
        #expect(Redactor(maxCharacters: 3).redact("👍🏽👍🏽👍🏽👍🏽") == "👍🏽👍🏽👍🏽…")
    }

    @Test func longTextIsCutBeforeScanning() {
        let r = Redactor(maxCharacters: 10)
        let long = "key sk-AAAAbbbbCCCCdddd1234 " + String(repeating: "a.", count: 200_000)
        #expect(r.redact(long) == "key [key] …")
    }

    @Test func reportsKindsInOrder() {
        #expect(
            Self.redactor.kinds(in: "a@b.io, +49 30 1234567, 4111111111111111, sk-0123456789abcdefXYZ")
                == [.email, .phone, .card, .key])
    }
}
