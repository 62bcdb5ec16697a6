import Foundation
import Testing

@testable import TrawlRules

/// The repository root, found from this file's path.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// One file of `fixtures/rules/invalid/`, whose first line is `# expect: LINE:COL: SUBSTRING`.
struct InvalidRuleFixture: Sendable, CustomStringConvertible {
    let path: String
    let line: Int
    let column: Int
    let substring: String

    var description: String { URL(fileURLWithPath: path).lastPathComponent }

    static func all() -> [InvalidRuleFixture] {
        let folder = repositoryRoot.appendingPathComponent("fixtures/rules/invalid")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasSuffix(".yaml") }.sorted().map { name in
            let path = folder.appendingPathComponent(name).path
            let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            let header = text.split(separator: "\n", maxSplits: 1).first.map(String.init) ?? ""
            // "# expect: 7:15: reason text"
            let body = header.hasPrefix("# expect: ") ? String(header.dropFirst("# expect: ".count)) : ""
            let parts = body.split(separator: ":", maxSplits: 2)
            guard parts.count == 3, let line = Int(parts[0]), let column = Int(parts[1]) else {
                return InvalidRuleFixture(path: path, line: -1, column: -1, substring: "<bad header: \(header)>")
            }
            return InvalidRuleFixture(
                path: path, line: line, column: column, substring: String(parts[2].dropFirst()))
        }
    }
}

@Suite("Invalid rule files")
struct InvalidRuleFileTests {
    static let required = [
        "yaml_syntax", "unknown_key", "missing_when", "unknown_feature", "type_mismatch", "unclosed_paren",
        "bad_in_list", "duplicate_id", "unknown_placeholder", "weight_not_number", "wrong_scope",
    ]

    @Test func everyRequiredReasonHasAFixture() {
        let names = Set(InvalidRuleFixture.all().map { $0.description })
        for reason in Self.required {
            #expect(names.contains(reason + ".yaml"), "missing fixtures/rules/invalid/\(reason).yaml")
        }
    }

    @Test(arguments: InvalidRuleFixture.all())
    func rejectedAtTheExactPosition(_ fixture: InvalidRuleFixture) {
        #expect(fixture.line > 0, "fixture header must be `# expect: LINE:COL: SUBSTRING`")
        do {
            _ = try RuleSet.load(files: [fixture.path])
            Issue.record("\(fixture) loaded without error")
        } catch {
            #expect(error.file == fixture.path)
            #expect(error.line == fixture.line, "\(error.description)")
            #expect(error.column == fixture.column, "\(error.description)")
            #expect(error.description.contains(fixture.substring), "\(error.description)")
            #expect(error.description.hasPrefix("\(fixture.path):\(fixture.line):\(fixture.column): "))
        }
    }

    @Test(arguments: InvalidRuleFixture.all())
    func linterReportsTheSameError(_ fixture: InvalidRuleFixture) {
        let errors = RuleLinter.lint(files: [fixture.path]).filter { $0.severity == .error }
        #expect(
            errors.contains { $0.line == fixture.line && $0.column == fixture.column && $0.message.contains(fixture.substring.prefix(20)) })
    }
}
