import ArgumentParser
import Foundation
import TrawlPipeline
import TrawlRules

struct RulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "Check and test detection rules.",
        subcommands: [Lint.self, Test.self, List.self])

    struct Lint: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check every rule file: syntax, unknown features, types, duplicate ids.",
            discussion: """
                Errors and warnings are printed as file:line:col: message. Exits 65 when there
                is an error, 0 when there are only warnings.

                Example:
                  trawl rules lint --rules rules/
                """)
        @OptionGroup var rules: RulesOption

        func run() throws {
            let dir = try rules.resolved()
            let diagnostics = RuleLinter.lint(directory: dir)
            for d in diagnostics { Terminal.say(d.description) }
            // Phrase lexicons (rules/lexicons/*.yaml) are checked too: analyze stops on a bad one.
            let lexiconProblems = BatchAnalyzer.lexiconProblems(rulesDirectory: dir)
            for p in lexiconProblems { Terminal.say(p) }
            let errors = diagnostics.filter { $0.severity == .error }.count + lexiconProblems.count
            Terminal.say("\(dir): \(errors) error(s), \(diagnostics.count - (errors - lexiconProblems.count)) warning(s)")
            if errors > 0 { throw CommandFailure(65, "rule files have errors") }
        }
    }

    struct Test: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run data-driven rule cases (one folder per case with events and expected hits).",
            discussion: """
                Each case folder holds events.jsonl, optionally accounts.jsonl and rule.yaml,
                and expected.json listing the rules that must (not) fire and the accounts that
                must (not) be flagged. Exits 65 when a case fails.

                Example:
                  trawl rules test --cases fixtures/rules
                """)
        @OptionGroup var rules: RulesOption
        @Option(help: "Folder of case folders.") var cases = "fixtures/rules"

        func run() throws {
            let dir = try rules.resolved()
            var failed = 0
            let folders = RuleCaseRunner.cases(in: cases)
            guard !folders.isEmpty else { throw CommandFailure(66, "\(cases): no rule cases (folders with expected.json)") }
            for folder in folders {
                let result = try RuleCaseRunner.run(caseDirectory: folder, rulesDirectory: dir)
                Terminal.say("\(result.passed ? "pass" : "FAIL") \(result.name)")
                for f in result.failures { Terminal.say("     \(f)") }
                if !result.passed { failed += 1 }
            }
            Terminal.say("\(folders.count - failed) passed, \(failed) failed")
            if failed > 0 { throw CommandFailure(65, "\(failed) rule case(s) failed") }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the loaded rules with their weights.",
            discussion: "Example:\n  trawl rules list --json")
        @OptionGroup var rules: RulesOption
        @Flag(help: "One JSON object per rule on standard output.") var json = false

        struct Row: Encodable {
            let id, title, scope, file: String
            let weight: Double
            let tags, features: [String]
        }

        func run() throws {
            let set: RuleSet
            do { set = try RuleSet.load(directory: try rules.resolved()) } catch let e as RuleError {
                throw CommandFailure(65, e.description)
            }
            Terminal.say("bias \(set.scoring.bias), threshold \(set.scoring.threshold)")
            for r in set.rules {
                if json {
                    Terminal.emit(
                        Row(
                            id: r.id, title: r.title, scope: r.scope.rawValue, file: "\(r.file):\(r.line)", weight: r.weight, tags: r.tags,
                            features: r.features))
                } else {
                    Terminal.say(
                        String(format: "%+6.2f  %@  %@", r.weight, r.id.padding(toLength: 34, withPad: " ", startingAt: 0), r.title)
                            + (r.scope == .cluster ? " [cluster]" : ""))
                }
            }
        }
    }
}
