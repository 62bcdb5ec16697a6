import TestSupport
import Testing
import TrawlPipeline

/// Every folder of `fixtures/rules/` (but `invalid/`) is one rule case: its events, run
/// through the real decoder and feature stage, must fire exactly what `expected.json` says.
@Suite struct RuleCaseTests {
    static let root = repositoryRoot()
    static let cases = RuleCaseRunner.cases(in: root + "/fixtures/rules")

    @Test func thereAreCases() { #expect(Self.cases.count >= 5) }

    @Test(arguments: cases)
    func ruleCase(_ folder: String) throws {
        let result = try RuleCaseRunner.run(caseDirectory: folder, rulesDirectory: Self.root + "/rules")
        #expect(result.failures == [])
    }

    /// A case that expects the wrong thing fails, so the runner can tell.
    @Test func aWrongExpectationFails() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("case/events.jsonl", text: #"{"ts":1,"account_id":"a","client_ip":"10.0.0.1"}"# + "\n")
        try dir.write("case/expected.json", text: #"{"fired": {"a": ["pool.many_networks"]}, "flagged": ["a"]}"#)
        let result = try RuleCaseRunner.run(caseDirectory: dir.file("case"), rulesDirectory: Self.root + "/rules")
        #expect(result.failures.count == 2)
    }
}
