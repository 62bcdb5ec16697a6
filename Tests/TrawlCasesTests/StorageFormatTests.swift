import Foundation
import Testing

@testable import TrawlCases

/// The store's byte-wise text helpers agree with SQLite's BINARY collation, which compares
/// UTF-8 bytes (memcmp, then length), and never equate strings Swift calls equal but
/// whose bytes differ.
@Suite struct StorageFormatTests {
    static let samples = [
        "", "a", "ab", "abc", "b", "B", "acct-10", "acct-9", "acct-1", "\u{E9}", "e\u{301}", "\u{FFFD}", "z\u{0}z", "z",
        "日本", "日", "😀", String(repeating: "x", count: 100), String(repeating: "x", count: 99) + "y",
    ]

    @Test func orderAndEqualityFollowTheBytesAsSQLiteDoes() {
        for a in Self.samples {
            for b in Self.samples {
                let (x, y) = (Array(a.utf8), Array(b.utf8))
                #expect(StorageFormat.same(a, b) == (x == y), "\(a.debugDescription) \(b.debugDescription)")
                #expect(StorageFormat.precedes(a, b) == x.lexicographicallyPrecedes(y), "\(a.debugDescription) \(b.debugDescription)")
            }
        }
        // Canonically equivalent, different bytes: equal to Swift, not to the store.
        #expect("\u{E9}" == "e\u{301}")
        #expect(!StorageFormat.same("\u{E9}", "e\u{301}"))
    }

    /// Integers are written digit by digit, as `String(v)` would write them; integral
    /// numbers below 10^15 as integers, others in Swift's shortest form.
    @Test func integersAndNumbersAsText() {
        for v: Int64 in [0, 7, -7, 10, 99, 100, 1_234_567_890, -1_000_000_000_000, .max, .min] {
            var w = JSONWriter()
            w.integer(v)
            #expect(w.out == String(v))
        }
        for (v, text) in [
            (0.0, "0"), (-0.0, "0"), (42.0, "42"), (-3.0, "-3"), (0.25, "0.25"), (1e15, "1000000000000000.0"), (.nan, "null"),
        ] {
            var w = JSONWriter()
            w.number(v)
            #expect(w.out == text, "\(v)")
        }
    }

    @Test func nulBecomesTheReplacementCharacter() {
        #expect(StorageFormat.text("z\u{0}z\u{0}") == "z\u{FFFD}z\u{FFFD}")
        #expect(StorageFormat.text("plain") == "plain")
        #expect(StorageFormat.text("") == "")
        // A bridged (non-native) string takes the generic path and gives the same answer.
        let bridged = NSString(string: "a\u{0}b") as String
        #expect(StorageFormat.text(bridged) == "a\u{FFFD}b")
    }
}
