import Foundation
import TestSupport
import Testing
import TrawlPipeline

/// Prompt features through the whole batch run: what reaches the case store, lexicon errors.
@Suite struct PromptPipelineTests {
    static let rules = repositoryRoot() + "/rules"
    static let events = repositoryRoot() + "/fixtures/rules/distillation_vs_look_alikes/events.jsonl"
    /// Words of the distillers' and the benchmark's prompts, in no other field of the log.
    static let promptWords = Array("step by step and show all reasoning".utf8)

    func run(_ dir: TemporaryDirectory, keepSamples: Int) throws -> BatchAnalyzer.Outcome {
        var o = AnalyzeOptions(inputs: [Self.events])
        o.databasePath = dir.file("cases.sqlite")
        o.rulesDirectory = Self.rules
        o.keepSamples = keepSamples
        return try BatchAnalyzer.run(o)
    }

    /// Every byte of the store's files (the database and any WAL or journal beside it).
    func storeBytes(_ dir: TemporaryDirectory) throws -> [UInt8] {
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix("cases.sqlite") }
        #expect(!names.isEmpty)
        return try names.flatMap { Array(try Data(contentsOf: URL(fileURLWithPath: dir.file($0)))) }
    }

    func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard haystack.count >= needle.count else { return false }
        for i in 0...(haystack.count - needle.count) where haystack[i] == needle[0] {
            if Array(haystack[i..<(i + needle.count)]) == needle { return true }
        }
        return false
    }

    @Test func noPromptTextInTheStoreUnlessAsked() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let outcome = try run(dir, keepSamples: 0)
        #expect(outcome.summary.flaggedAccounts == 4)
        #expect(outcome.results.allSatisfy { $0.features.evidence.promptSamples == nil })
        #expect(!contains(try storeBytes(dir), Self.promptWords))
    }

    @Test func keptSamplesAreForFlaggedAccountsOnly() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let outcome = try run(dir, keepSamples: 2)
        for r in outcome.results {
            let samples = r.features.evidence.promptSamples
            if r.assessment.flagged {
                #expect(samples?.count == 2, "\(r.features.accountID)")
                #expect(samples?.allSatisfy { $0.count <= 300 } == true)
            } else {
                #expect(samples == nil, "\(r.features.accountID)")
            }
        }
        #expect(contains(try storeBytes(dir), Self.promptWords))
    }

    @Test func aBadLexiconStopsTheRunWithItsPlace() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let rules = dir.file("rules")
        try FileManager.default.copyItem(atPath: Self.rules, toPath: rules)
        _ = try dir.write("rules/lexicons/zz_bad.yaml", text: "class: bad_one\ntitle: Bad\nphrases:\n  en: [ok phrase]\ncolour: red\n")
        var o = AnalyzeOptions(inputs: [Self.events])
        o.databasePath = dir.file("cases.sqlite")
        o.rulesDirectory = rules
        let error = #expect(throws: PipelineError.self) { try BatchAnalyzer.run(o) }
        #expect(error?.exitCode == 65)
        #expect(error?.description.contains("zz_bad.yaml:5:1") == true)
        #expect(!FileManager.default.fileExists(atPath: dir.file("cases.sqlite")))
        #expect(BatchAnalyzer.lexiconProblems(rulesDirectory: rules).count == 1)
        #expect(BatchAnalyzer.lexiconProblems(rulesDirectory: Self.rules).isEmpty)
    }

    /// Without prompt features the prompt features are unknown, and nothing else changes.
    @Test func promptFeaturesOff() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        var o = AnalyzeOptions(inputs: [Self.events])
        o.databasePath = dir.file("cases.sqlite")
        o.rulesDirectory = Self.rules
        o.promptFeatures = false
        let outcome = try BatchAnalyzer.run(o)
        #expect(outcome.results.allSatisfy { $0.features.features["templated_share"] == nil })
        #expect(outcome.results.allSatisfy { $0.features.features["requests"] != nil })
    }
}
