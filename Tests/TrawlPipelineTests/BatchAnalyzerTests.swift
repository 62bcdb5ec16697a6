import Foundation
import TestSupport
import Testing
import TrawlCases
import TrawlFeatures
import TrawlModel
import TrawlPipeline

/// A small hand-made day: one account pooled across many networks around the clock,
/// one person, and an office of ten accounts behind one address.
func handMadeDay(_ day: String = "2026-11-21", pooled: String = "acct-pool") -> String {
    var lines: [String] = []
    var n = 0
    func line(_ account: String, _ hour: Int, _ minute: Int, _ ip: String, ua: String, latency: Int = 2000, plan: String = "max_20x") {
        n += 1
        lines.append(
            #"{"ts":"\#(day)T\#(String(format: "%02d:%02d", hour, minute)):00.000Z","account_id":"\#(account)","client_ip":"\#(ip)","request_id":"\#(day)-r\#(n)","user_agent":"\#(ua)","plan":"\#(plan)","input_tokens":1000,"output_tokens":500,"latency_ms":\#(latency),"turns":3}"#
        )
    }
    for h in 0..<24 {
        for m in stride(from: 0, to: 60, by: 3) {
            // Each burst: eight requests in the same minute from different networks and clients, 50 s each.
            for k in 0..<8 {
                line(pooled, h, m, "198.\(18 + (h * 7 + k) % 40).0.\(k + 1)", ua: "client-\(k % 6)/1.0", latency: 50_000)
            }
        }
    }
    for h in 8..<18 {
        line("acct-person", h, 15, "203.0.113.9", ua: "claude-cli/1.2", plan: "pro")
        for office in 0..<10 { line("acct-office-\(office)", h, 20 + office, "192.0.2.1", ua: "Mozilla/5.0", plan: "team") }
    }
    return lines.joined(separator: "\n") + "\n"
}

@Suite struct BatchAnalyzerTests {
    static let rules = repositoryRoot() + "/rules"

    func options(_ dir: TemporaryDirectory, _ inputs: [String]) -> AnalyzeOptions {
        var o = AnalyzeOptions(inputs: inputs)
        o.databasePath = dir.file("cases.sqlite")
        o.rulesDirectory = Self.rules
        o.scoresPath = dir.file("scores.jsonl")
        return o
    }

    /// What only case files show is stored for every day of an account flagged on any of
    /// them, and for no day of the others.
    @Test func caseFileEvidenceOnlyForFlaggedAccounts() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        _ = try dir.write("logs/day1.jsonl", text: handMadeDay("2026-11-21"))
        // A second, quiet day for the pooled account: stored unflagged, with its detail.
        _ = try dir.write(
            "logs/day2.jsonl",
            text:
                #"{"ts":"2026-11-22T10:00:00.000Z","account_id":"acct-pool","client_ip":"203.0.113.5","session_id":"s-1","ja4":"t13d1516h2_8daaf6152771_e5627efa2ab1"}"#
                + "\n")
        let outcome = try BatchAnalyzer.run(options(dir, [dir.file("logs")]))
        let store = try CaseStore(path: dir.file("cases.sqlite"))
        let quiet = try #require(try store.accountDay(accountID: "acct-pool", day: TimestampParser.parseDay("2026-11-22")!))
        #expect(!quiet.flagged)
        #expect(quiet.evidence.hourly?[10] == 1 && quiet.evidence.topJA4s?.first?.value == "t13d1516h2_8daaf6152771_e5627efa2ab1")
        let busy = try #require(try store.accountDay(accountID: "acct-pool", day: TimestampParser.parseDay("2026-11-21")!))
        #expect(busy.flagged && busy.evidence.hourly?.reduce(0, +) == 24 * 20 * 8)
        let person = try #require(try store.accountDay(accountID: "acct-person", day: TimestampParser.parseDay("2026-11-21")!))
        #expect(!person.flagged && person.evidence.hourly == nil && person.evidence.topJA4s == nil)
        #expect(person.evidence.topUserAgents.map(\.value) == ["claude-cli/1.2"])  // the rest stays
        #expect(outcome.results.count == 13)
    }

    @Test func scoresStoresAndExplains() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let log = try dir.write("logs/day.jsonl", text: handMadeDay())
        let outcome = try BatchAnalyzer.run(options(dir, [dir.file("logs")]))
        let s = outcome.summary
        let expectedLines = 24 * 20 * 8 + 10 * 11
        #expect(s.linesRead == expectedLines)
        #expect(s.events == s.linesRead)
        #expect(s.badLines == 0)
        #expect(s.accounts == 12)
        #expect(s.flaggedAccounts == 1)
        #expect(s.casesOpened == 1)
        let pooled = try #require(outcome.scores.first { $0.account_id == "acct-pool" })
        #expect(pooled.flagged)
        #expect(pooled.reasons.map(\.rule).contains("pool.many_networks"))
        #expect(pooled.cluster_id == nil)
        #expect(outcome.scores.filter(\.flagged).map(\.account_id) == ["acct-pool"])
        // The scores file: one line per account, with a JSON null cluster_id.
        let lines = try String(contentsOfFile: dir.file("scores.jsonl"), encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 12)
        #expect(lines.allSatisfy { $0.contains(#""cluster_id":null"#) })
        // The case, its evidence and its features are in the store.
        let store = try CaseStore(path: dir.file("cases.sqlite"))
        let cases = try store.listCases()
        #expect(cases.map(\.subject) == ["acct-pool"])
        let detail = try #require(try store.caseDetail(id: cases[0].id))
        #expect(detail.evidence.contains { $0.kind == .requestID && $0.value == "2026-11-21-r1" })
        #expect(detail.days.first?.features["distinct_networks"] == .number(40))
        _ = log
    }

    /// Analysing the same input twice changes nothing; a second day updates the case.
    @Test func idempotentAndSecondDayUpdates() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("day1/log.jsonl", text: handMadeDay("2026-11-21"))
        let first = try BatchAnalyzer.run(options(dir, [dir.file("day1")]))
        let store = try CaseStore(path: dir.file("cases.sqlite"))
        let before = try store.caseDetail(id: 1)
        let again = try BatchAnalyzer.run(options(dir, [dir.file("day1")]))
        #expect(first.summary.casesOpened == 1)
        #expect(again.summary.casesOpened == 0 && again.summary.casesUpdated == 0)
        #expect(try store.caseDetail(id: 1) == before)
        try dir.write("day2/log.jsonl", text: handMadeDay("2026-11-22"))
        let second = try BatchAnalyzer.run(options(dir, [dir.file("day2")]))
        #expect(second.summary.casesOpened == 0 && second.summary.casesUpdated == 1)
        let cases = try store.listCases()
        #expect(cases.count == 1)
        #expect(cases[0].firstDay == "2026-11-21" && cases[0].lastDay == "2026-11-22")
        #expect(try store.runs().count == 3)
    }

    /// Thread count and read size do not change any score.
    @Test func workersAndChunkSizesAgree() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("a.jsonl", text: handMadeDay("2026-11-21"))
        try dir.write("b.jsonl", text: handMadeDay("2026-11-22", pooled: "acct-pool-2"))
        var reference: [ScoreLine]?
        for (workers, chunk) in [(1, 1 << 22), (2, 4096), (3, 777)] {
            var o = options(dir, [dir.file("a.jsonl"), dir.file("b.jsonl")])
            o.workers = workers
            o.chunkSize = chunk
            o.databasePath = dir.file("cases-\(workers).sqlite")
            let scores = try BatchAnalyzer.run(o).scores
            if let reference { #expect(scores == reference) } else { reference = scores }
        }
    }

    /// More user agents and addresses than the top lists hold (so their counts are
    /// Misra-Gries summaries, which depend on the order they are built in): the features
    /// and evidence are the same whatever the number of workers and the read size, because
    /// each account's requests are accumulated by one worker, in input order.
    @Test func summariesDoNotDependOnWorkers() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        var seed: UInt64 = 7
        func next() -> UInt64 {
            seed &+= 0x9E37_79B9_7F4A_7C15
            return mix64(seed)
        }
        var text = ""
        for i in 0..<3_000 {
            // Skewed: low numbers far more often, so the top lists have clear leaders and a long tail.
            let ua = Int(next() % 60) * Int(next() % 60) / 60
            let ip = Int(next() % 90) * Int(next() % 90) / 90
            let account = i % 7 == 0 ? "acct-other" : "acct-busy"
            text +=
                #"{"ts":"2026-11-21T\#(String(format: "%02d:%02d:%02d", i / 150, (i / 3) % 50, i % 60)).000Z","account_id":"\#(account)","client_ip":"198.51.\#(ip / 50).\#(ip % 50 + 1)","user_agent":"client-\#(ua)/1.0","request_id":"r\#(i)"}"#
                + "\n"
        }
        try dir.write("log.jsonl", text: text)
        var reference: [AccountDayFeatures]?
        for (workers, chunk) in [(1, 1 << 22), (2, 777), (3, 301)] {
            var o = options(dir, [dir.file("log.jsonl")])
            o.workers = workers
            o.chunkSize = chunk
            o.databasePath = dir.file("w\(workers).sqlite")
            let features = try BatchAnalyzer.run(o).results.map(\.features)
            #expect(features.count == 2)
            #expect(features.first?.evidence.topUserAgents.count == 5)
            if let reference { #expect(features == reference, "workers \(workers)") } else { reference = features }
        }
    }

    /// Two plans at the same instant: the larger name wins whichever worker saw which line.
    @Test func planTieDoesNotDependOnWorkers() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        var text = ""
        for (k, plan) in ["pro", "max_5x", "max_20x"].enumerated() {
            text += #"{"ts":"2026-11-21T10:00:00Z","account_id":"a","client_ip":"10.0.0.\#(k)","plan":"\#(plan)"}"# + "\n"
        }
        try dir.write("log.jsonl", text: text)
        for workers in [1, 2, 4] {
            var o = options(dir, [dir.file("log.jsonl")])
            o.workers = workers
            o.chunkSize = 80  // about one line per chunk, so lines spread over the workers
            o.databasePath = dir.file("w\(workers).sqlite")
            let plan = try BatchAnalyzer.run(o).results.first?.features.features["plan"]
            #expect(plan == .text("pro"), "workers \(workers)")
        }
    }

    @Test func tooManyBadLinesFailsAndWritesNothing() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("log.jsonl", text: handMadeDay() + String(repeating: "{broken\n", count: 100))
        var o = options(dir, [dir.file("log.jsonl")])
        o.maxBadRatio = 0.01
        let error = #expect(throws: BadInputError.self) { try BatchAnalyzer.run(o) }
        #expect(error?.summary.badByReason == ["invalid_json": 100])
        #expect(!FileManager.default.fileExists(atPath: dir.file("cases.sqlite")))
        o.maxBadRatio = 0.5
        let ok = try BatchAnalyzer.run(o)
        #expect(ok.summary.badLines == 100)
        let firstBad = 24 * 20 * 8 + 10 * 11 + 1
        let expected = dir.file("log.jsonl") + ":\(firstBad): invalid_json: invalid JSON at column 2: expected '\"' (a key), found 'b'"
        #expect(ok.summary.reports.first == expected)
    }

    @Test func missingInputIsExit66() throws {
        var o = AnalyzeOptions(inputs: ["/nonexistent/trawl.jsonl"])
        o.rulesDirectory = Self.rules
        let error = #expect(throws: PipelineError.self) { try BatchAnalyzer.run(o) }
        #expect(error?.exitCode == 66)
    }
}
