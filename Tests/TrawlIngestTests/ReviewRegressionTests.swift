import Foundation
import TestSupport
import Testing
import TrawlIngest
import TrawlModel

/// Regressions found in review: each input here once crashed, lost lines or mis-decoded.
@Suite struct ReviewRegressionTests {
    func decode(_ lines: [String]) throws -> DecodeOutcome {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        return try decodeFile(try dir.write("t.jsonl", text: lines.joined(separator: "\n") + "\n"))
    }

    static let base = #""ts":"2026-11-21T13:45:12.123Z","account_id":"a1","client_ip":"10.0.0.1""#

    @Test func overlongAndAbsurdIntegersLeaveTheFieldUnknownAndKeepTheLine() throws {
        let out = try decode([
            "{\(Self.base),\"input_tokens\":1234567890123456789,\"output_tokens\":7}",
            "{\(Self.base),\"input_tokens\":999999999999999999,\"latency_ms\":9000000000000000}",
        ])
        #expect(out.tally.total == 0)
        #expect(out.events.map(\.inputTokens) == [-1, -1])
        #expect(out.events.map(\.outputTokens) == [7, -1])
        #expect(out.events.map(\.latencyMs) == [-1, -1])
        #expect(out.tally.ignoredFields == [.inputTokens: 2, .latencyMs: 1])
    }

    @Test(arguments: ["999999999999999999", "-5", "253402300800000"])
    func epochTimesOutsideYears1970To9999AreInvalid(ts: String) throws {
        let out = try decode([#"{"ts":\#(ts),"account_id":"a","client_ip":"10.0.0.1"}"#])
        #expect(out.events.isEmpty)
        #expect(out.tally.counts[.invalidField(.ts)] == 1)
    }

    @Test func fallbackKeepsBooleansOutOfNumbersAndCountsIgnoredFieldsOnce() throws {
        let out = try decode([
            #"{"\u0061ccount_id":"fb","ts":"2026-11-21T00:00:00Z","client_ip":"10.0.0.1","input_tokens":false,"turns":true,"status":"x","output_tokens":1.0}"#,
            #"{"\u0061ccount_id":"fb","ts":true,"client_ip":"10.0.0.1"}"#,
        ])
        #expect(out.events.count == 1)
        #expect(out.events.first?.inputTokens == -1)
        #expect(out.events.first?.turns == -1)
        #expect(out.events.first?.outputTokens == 1)
        #expect(out.tally.ignoredFields == [.inputTokens: 1, .turns: 1, .status: 1])
        #expect(out.tally.counts[.invalidField(.ts)] == 1)
    }

    /// Lines python's zlib recovers from a damaged gzip file are the lines Trawl keeps.
    @Test(arguments: ["truncate", "flip"])
    func damagedGzipKeepsWhatZlibRecovers(damage: String) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        var text = ""
        for n in 0..<30000 { text += #"{"ts":\#(n),"account_id":"acct-\#(n % 97)","client_ip":"10.1.\#(n % 200).\#(n % 250)"}"# + "\n" }
        let gz = try compressFile(try dir.write("day.jsonl", text: text), with: "gzip")
        var data = [UInt8](try Data(contentsOf: URL(fileURLWithPath: gz)))
        if damage == "truncate" { data = Array(data.prefix(data.count * 7 / 10)) } else { data[data.count * 3 / 4] ^= 0xFF }
        let path = try dir.write("damaged.jsonl.gz", bytes: data)
        let script = """
            import sys, zlib
            d = zlib.decompressobj(31)
            out = b""
            raw = open(sys.argv[1], "rb").read()
            for i in range(0, len(raw), 4096):
                try:
                    out += d.decompress(raw[i:i + 4096])
                except zlib.error:
                    break
            print(out.count(b"\\n"))
            """
        let expected =
            Int(try runCommand("/usr/bin/env", ["python3", "-c", script, path]).stdout.trimmingCharacters(in: .whitespacesAndNewlines))
            ?? -1
        for chunk in [4096, 1 << 20] {
            let out = try decodeFile(path, chunkSize: chunk)
            #expect(out.streamError != nil)
            #expect(out.events.count >= expected - 1, "chunk \(chunk): \(out.events.count) of \(expected)")
            #expect(out.events.count > 0)
            #expect(out.tally.total == 0)
        }
    }

    /// Malformed JSON in parts the scanner only skips is still malformed: checked against
    /// Python's json module on 200,000 mutated lines, these were the kinds it let through.
    @Test(arguments: [
        #"{\#(base),"prompt":"bad escape \q here"}"#,
        #"{\#(base),"prompt":"short \u12"}"#,
        #"{\#(base),"x":{"a":1 "b":2}}"#,
        #"{\#(base),"x":[1,2}"#,
        #"{\#(base),"x":[1,2,]}"#,
        #"{\#(base),"x":1.}"#,
        #"{\#(base),"temperature":1.0-}"#,
        #"{\#(base),"status":007}"#,
        #"{\#(base),"prompt_simhash":"0123}"#,
    ])
    func malformedSkippedPartsMakeTheLineInvalid(line: String) throws {
        let out = try decode([line])
        #expect(out.events.isEmpty)
        #expect(out.tally.counts[.invalidJSON] == 1)
    }

    @Test func loneSurrogateInAnEscapedKeyIsReadLikeTheScannerReadsValues() throws {
        let out = try decode([#"{"\u0061ccount_id":"a","ts":1,"client_ip":"10.0.0.1","x\ud800y":[[],{}]}"#])
        #expect(out.events.map(\.account) == ["a"])
    }

    @Test func deepNestingIsRejectedWithoutExhaustingTheStack() throws {
        let out = try decode(["{\(Self.base),\"x\":" + String(repeating: "[", count: 200_000) + "}"])
        #expect(out.tally.counts[.invalidJSON] == 1)
    }

    @Test func zstdFileOpeningWithASkippableFrame() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let zst = try compressFile(
            try dir.write("a.jsonl", text: #"{"ts":1,"account_id":"a","client_ip":"10.0.0.1"}"# + "\n"), with: "zstd")
        let skippable: [UInt8] = [0x50, 0x2A, 0x4D, 0x18, 4, 0, 0, 0, 1, 2, 3, 4]
        let path = try dir.write("b.jsonl.zst", bytes: skippable + [UInt8](try Data(contentsOf: URL(fileURLWithPath: zst))))
        let out = try decodeFile(path)
        #expect(out.events.map(\.account) == ["a"])
    }

    @Test func anExistingFileWithGlobCharactersIsReadLiterally() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = try dir.write("day[1].jsonl", text: "")
        #expect(try InputResolver.resolve([path]).map(\.path) == [path])
    }
}

@Suite struct TerminalTextTests {
    @Test(arguments: [
        ("plain", "plain"),
        ("red \u{1B}[31mtext\u{1B}[0m", "red text"),
        ("title \u{1B}]0;owned\u{07}after", "title after"),
        ("cut \u{1B}]0;never closed", "cut …"),
        ("bidi \u{202E}txt.exe", "bidi ?txt.exe"),
        ("zero\u{200B}width\u{FEFF}", "zero?width?"),
        ("tab\tnew\nline", "tab?new?line"),
    ])
    func sanitize(input: String, expected: String) {
        #expect(TerminalText.sanitize(input) == expected)
    }

    @Test func cutsLongText() {
        #expect(TerminalText.sanitize(String(repeating: "x", count: 10), limit: 4) == "xxxx…")
    }
}
