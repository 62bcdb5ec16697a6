import Foundation
import TestSupport
import Testing
import TrawlIngest
import TrawlModel

@Suite struct CanonicalLogDecoderTests {
    static let base = #""account_id":"acct-1","client_ip":"203.0.113.7""#

    @Test(arguments: [
        (#""ts":"2026-11-21T13:45:12.123Z""#, Int64(1_795_268_712_123)),
        (#""ts":"2026-11-21T13:45:12Z""#, Int64(1_795_268_712_000)),
        (#""ts":"2026-11-21t13:45:12.1z""#, Int64(1_795_268_712_100)),
        (#""ts":"2026-11-21T21:45:12.123456+08:00""#, Int64(1_795_268_712_123)),
        (#""ts":"2026-11-21T08:15:12.123-05:30""#, Int64(1_795_268_712_123)),
        (#""ts":"2026-11-21 13:45:12.123+00:00""#, Int64(1_795_268_712_123)),
        (#""ts":1795268712123"#, Int64(1_795_268_712_123)),
        (#""ts":1.795268712123e12"#, Int64(1_795_268_712_123)),
    ])
    func timestampForms(field: String, expected: Int64) throws {
        let out = try decodeLines(["{\(field),\(Self.base)}"])
        #expect(out.tally.total == 0)
        #expect(out.events.map(\.ts) == [expected])
    }

    @Test(arguments: [
        ("203.0.113.7", "203.0.113.7"),
        ("0.0.0.0", "0.0.0.0"),
        ("2001:db8::1", "2001:db8::1"),
        ("2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),
        ("::1", "::1"),
        ("::", "::"),
        ("fe80::1:2:3:4", "fe80::1:2:3:4"),
        ("::ffff:192.0.2.1", "192.0.2.1"),
        ("64:ff9b::192.0.2.33", "64:ff9b::c000:221"),
        ("1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"),
    ])
    func addressForms(text: String, expected: String) throws {
        let out = try decodeLines([#"{"ts":1,"account_id":"a","client_ip":"\#(text)"}"#])
        #expect(out.tally.total == 0)
        #expect(out.events.map(\.ip) == [expected])
    }

    @Test(arguments: [
        "1.2.3", "256.1.1.1", "01.2.3.4", "1.2.3.4.5", "1::2::3", "12345::1", "1:2:3:4:5:6:7:8:9", ":1", "1:", "abc", "", "fe80::1%eth0",
    ])
    func badAddresses(text: String) throws {
        let out = try decodeLines([#"{"ts":1,"account_id":"a","client_ip":"\#(text)"}"#])
        #expect(out.events.isEmpty)
        #expect(out.tally.counts[.invalidField(.clientIP)] == 1)
    }

    @Test func everyFieldAndUnknowns() throws {
        let line = #"""
            { "ts": "2026-11-21T00:00:01Z", "account_id": "acct-\u00e9", "client_ip": "2001:db8::7", "client_port": 51234,
              "request_id": "req-1", "api_key_id": "key-1", "org_id": null, "plan": "max_20x", "session_id": "s-1",
              "user_agent": "claude-cli/1.0 \"quoted\" \ud83d\ude00", "accept_language": "en-US", "client_timezone": "Asia/Shanghai",
              "ja4": "t13d1516h2_8daaf6152771_02713d6af862", "endpoint": "/v1/messages", "model": "claude-opus-4",
              "status": 200, "stream": true, "input_tokens": 1200, "output_tokens": 300, "cache_read_tokens": 0,
              "max_tokens": 32000, "temperature": 0.7, "thinking": false, "turns": 1, "latency_ms": 4500,
              "rate_limited": false, "prompt": "Solve: {x} \n tab\t", "system_prompt": "be brief",
              "prompt_simhash": "0123456789abcdef", "extra": {"nested": [1, {"a": "}"}]}, "more": [] }
            """#.replacingOccurrences(of: "\n", with: " ")
        let out = try decodeLines([line])
        #expect(out.tally.total == 0)
        let e = try #require(out.events.first)
        #expect(e.account == "acct-é")
        #expect(e.ip == "2001:db8::7")
        #expect(e.port == 51234)
        #expect(e.requestID == "req-1")
        #expect(e.apiKey == stableHash("key-1") | 1)
        #expect(e.plan == "max_20x")
        #expect(e.session == stableHash("s-1") | 1)
        #expect(e.userAgent == "claude-cli/1.0 \"quoted\" 😀")
        #expect(e.model == "claude-opus-4")
        #expect(e.status == 200)
        #expect(e.inputTokens == 1200 && e.outputTokens == 300 && e.maxTokens == 32000)
        #expect(e.latencyMs == 4500 && e.turns == 1)
        #expect(e.temperature == 0.7)
        #expect(e.simhash == 0x0123_4567_89AB_CDEF)
        #expect(e.prompt == "Solve: {x} \n tab\t")
        #expect(e.systemPrompt == "be brief")
        let flags = RequestEvent.Flags(rawValue: e.flags)
        #expect(flags.contains([.streamKnown, .stream, .thinkingKnown, .rateLimitedKnown, .hasPrompt, .hasSystemPrompt, .simhashKnown]))
        #expect(!flags.contains(.thinking) && !flags.contains(.rateLimited))
    }

    @Test func absentAndNullFieldsAreUnknownNotZero() throws {
        let out = try decodeLines([#"{"ts":5,"account_id":"a","client_ip":"10.0.0.1","input_tokens":null,"stream":null}"#])
        let e = try #require(out.events.first)
        #expect(e.inputTokens == -1 && e.outputTokens == -1 && e.latencyMs == -1 && e.port == -1)
        #expect(e.requestID == nil && e.userAgent == "")
        #expect(e.flags == 0)
        #expect(e.temperature.isNaN)
    }

    @Test func wrongTypedOptionalFieldsAreIgnoredAndCounted() throws {
        let out = try decodeLines([
            #"{"ts":5,"account_id":"a","client_ip":"10.0.0.1","status":"200","stream":"yes","user_agent":7,"input_tokens":-3}"#
        ])
        #expect(out.events.count == 1)
        #expect(out.events[0].status == -1 && out.events[0].inputTokens == -1)
        #expect(out.tally.total == 0)
        #expect(out.tally.ignoredFields == [.status: 1, .stream: 1, .userAgent: 1, .inputTokens: 1])
    }

    @Test func escapedKeysGoThroughTheFallback() throws {
        let out = try decodeLines([#"{"ts":5,"account\u005fid":"a","client_ip":"10.0.0.1","input_tokens":12.0}"#])
        #expect(out.tally.total == 0)
        #expect(out.events.map(\.account) == ["a"])
        #expect(out.events.map(\.inputTokens) == [12])
    }

    /// Every kind of damage, with good lines around each; exact counts.
    @Test func damagedLinesAreCountedAndGoodLinesKept() throws {
        var lines: [[UInt8]] = []
        func good(_ n: Int) -> [UInt8] { Array(#"{"ts":\#(n),"account_id":"good","client_ip":"10.0.0.\#(n % 250)"}"#.utf8) }
        var k = 0
        func addGood() {
            lines.append(good(k))
            k += 1
        }
        addGood()
        lines.append(Array(#"{"ts":1,"account_id":"x","client_ip":"10.0.0.1""#.utf8))  // truncated JSON
        addGood()
        lines.append([0x7B, 0x22, 0x74, 0x73, 0x22, 0x3A, 0x31, 0x2C, 0x22, 0x61, 0xFF, 0xFE, 0x22, 0x3A, 0x31, 0x7D])  // invalid UTF-8
        // Bad UTF-8 inside a value.
        lines.append(Array(#"{"ts":1,"account_id":"caf"#.utf8) + [0xC3, 0x28] + Array(#"","client_ip":"10.0.0.1"}"#.utf8))
        addGood()
        lines.append(Array(#"{"account_id":"x","client_ip":"10.0.0.1"}"#.utf8))  // missing ts
        lines.append(Array(#"{"ts":1,"client_ip":"10.0.0.1"}"#.utf8))  // missing account
        lines.append(Array(#"{"ts":1,"account_id":"x"}"#.utf8))  // missing ip
        lines.append(Array(#"{"ts":1,"account_id":"x","client_ip":"10.0.0.300"}"#.utf8))  // bad ip
        lines.append(Array(#"{"ts":"yesterday","account_id":"x","client_ip":"10.0.0.3"}"#.utf8))  // bad ts
        lines.append(Array(#"{"ts":"2026-02-30T00:00:00Z","account_id":"x","client_ip":"10.0.0.3"}"#.utf8))  // no such day
        lines.append(Array(#"["not","an","object"]"#.utf8))
        lines.append(Array(#"{"ts":1,"account_id":"x","client_ip":"10.0.0.1"} trailing"#.utf8))
        addGood()
        lines.append(
            Array(#"{"ts":1,"account_id":"x","client_ip":"10.0.0.1","prompt":""#.utf8) + Array(repeating: UInt8(ascii: "a"), count: 5000)
                + Array(#""}"#.utf8))  // too long
        lines.append([])  // blank: not bad
        lines.append(Array("   ".utf8))
        addGood()
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        var bytes: [UInt8] = []
        for l in lines { bytes += l + [0x0A] }
        let path = try dir.write("damaged.jsonl", bytes: bytes)
        for chunk in [64, 1000, 1 << 16] {
            let out = try decodeFile(path, chunkSize: chunk, maxLineBytes: 4096)
            #expect(out.events.map(\.account) == Array(repeating: "good", count: 5), "chunk \(chunk)")
            #expect(out.lines == lines.count, "chunk \(chunk)")
            #expect(
                out.tally.countsByKey == [
                    "invalid_json": 3, "invalid_utf8": 2, "missing_field.ts": 1, "missing_field.account_id": 1,
                    "missing_field.client_ip": 1, "invalid_field.client_ip": 1, "invalid_field.ts": 2, "line_too_long": 1,
                ], "chunk \(chunk)")
        }
    }

    @Test(arguments: ["gzip", "zstd"])
    func truncatedCompressedStreamKeepsCompleteLines(tool: String) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        var text = ""
        for n in 0..<20000 {
            text += #"{"ts":\#(n),"account_id":"acct-\#(n % 97)","client_ip":"10.1.\#(n % 200).\#(n % 250)","request_id":"r\#(n)"}"# + "\n"
        }
        let plain = try dir.write("day.jsonl", text: text)
        let compressed = try compressFile(plain, with: tool)
        let whole = try decodeFile(compressed)
        #expect(whole.events.count == 20000)
        #expect(whole.streamError == nil)
        // Cut the compressed file to 60%: the lines decoded before the cut are kept, in order.
        var data = try Data(contentsOf: URL(fileURLWithPath: compressed))
        data = data.prefix(data.count * 6 / 10)
        let cut = try dir.write("cut.jsonl." + (tool == "gzip" ? "gz" : "zst"), bytes: [UInt8](data))
        let out = try decodeFile(cut)
        let error = try #require(out.streamError)
        #expect(error.reason == .truncatedStream(tool))
        #expect(out.events.count > 5000 && out.events.count < 20000)
        #expect(out.events == Array(whole.events.prefix(out.events.count)))
        #expect(out.tally.total == 0)
    }

    @Test func multiMemberGzipIsReadWhole() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let a = try compressFile(try dir.write("a.jsonl", text: #"{"ts":1,"account_id":"a","client_ip":"10.0.0.1"}"# + "\n"), with: "gzip")
        let b = try compressFile(try dir.write("b.jsonl", text: #"{"ts":2,"account_id":"b","client_ip":"10.0.0.2"}"# + "\n"), with: "gzip")
        let joined = try Data(contentsOf: URL(fileURLWithPath: a)) + Data(contentsOf: URL(fileURLWithPath: b))
        let path = try dir.write("joined.jsonl.gz", bytes: [UInt8](joined))
        let out = try decodeFile(path)
        #expect(out.events.map(\.account) == ["a", "b"])
        #expect(out.streamError == nil)
    }

    @Test func lastLineWithoutNewlineAndCRLF() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = try dir.write(
            "crlf.jsonl",
            text: "{\"ts\":1,\"account_id\":\"a\",\"client_ip\":\"10.0.0.1\"}\r\n{\"ts\":2,\"account_id\":\"b\",\"client_ip\":\"10.0.0.2\"}"
        )
        let out = try decodeFile(path, chunkSize: 16)
        #expect(out.events.map(\.account) == ["a", "b"])
    }

    /// Decoding the same file with different read-chunk sizes gives identical events.
    @Test(arguments: [7, 64, 333, 4096, 1 << 20])
    func chunkSizeDoesNotChangeEvents(chunkSize: Int) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        var text = ""
        for n in 0..<3000 {
            let pad = String(repeating: "x", count: (n * 37) % 700)
            text +=
                #"{"ts":"2026-11-21T00:00:\#(String(format: "%02d", n % 60)).\#(n % 1000)Z","account_id":"acct-\#(n % 13)","client_ip":"2001:db8::\#(String(n, radix: 16))","user_agent":"ua-\#(n % 7) \u00e9","prompt":"\#(pad)","request_id":"r-\#(n)","input_tokens":\#(n)}"#
                + "\n"
        }
        let path = try dir.write("log.jsonl", text: text)
        let reference = try decodeFile(path, chunkSize: 1 << 22)
        #expect(reference.events.count == 3000)
        let out = try decodeFile(path, chunkSize: chunkSize)
        #expect(out.events == reference.events)
        #expect(out.tally.total == 0)
    }

    func decodeLines(_ lines: [String]) throws -> DecodeOutcome {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = try dir.write("t.jsonl", text: lines.joined(separator: "\n") + "\n")
        return try decodeFile(path)
    }
}
