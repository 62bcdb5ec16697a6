import Foundation
import TrawlFeatures

/// Everything loading found: the rules, the scoring parameters, and every error and warning.
struct RuleLoadResult: Sendable {
    var rules: [Rule] = []
    var scoring = ScoringParameters()
    var errors: [RuleError] = []
    var warnings: [RuleDiagnostic] = []
    /// Files read, in order (to sort diagnostics by file).
    var files: [String] = []
}

/// Reads rule files from a folder, a list of files or strings, collecting all problems.
///
/// Files are read in the order given (a folder's `*.yaml` files sorted by name). A rule
/// id defined again in a later file replaces the earlier rule, with a warning; within
/// one file it is an error. `scoring` may be set in one file only.
enum RuleLoader {
    /// Loads every rule file (`*.yaml`, not recursive) in a folder; other YAML files are skipped.
    static func load(directory: String) -> RuleLoadResult {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue,
            let names = try? manager.contentsOfDirectory(atPath: directory)
        else {
            var result = RuleLoadResult()
            result.errors.append(
                RuleError(file: directory, line: 0, column: 0, reason: .unreadable("cannot read rules folder")))
            return result
        }
        let base = directory.hasSuffix("/") ? directory : directory + "/"
        let paths = names.filter { $0.hasSuffix(".yaml") }.sorted().map { base + $0 }.filter {
            var isDirectory: ObjCBool = false
            return manager.fileExists(atPath: $0, isDirectory: &isDirectory) && !isDirectory.boolValue
        }
        return load(files: paths, requireRuleFile: false)
    }

    /// Loads the given files; each must be a rule file unless `requireRuleFile` is false.
    static func load(files: [String], requireRuleFile: Bool) -> RuleLoadResult {
        var sources: [(file: String, yaml: String)] = []
        var unreadable: [RuleError] = []
        for path in files {
            if let text = try? String(contentsOfFile: path, encoding: .utf8) {
                sources.append((path, text))
            } else {
                unreadable.append(
                    RuleError(file: path, line: 0, column: 0, reason: .unreadable("cannot read file as UTF-8 text")))
            }
        }
        var result = load(sources: sources, requireRuleFile: requireRuleFile)
        result.errors.insert(contentsOf: unreadable, at: 0)
        result.files.insert(contentsOf: unreadable.map(\.file), at: 0)
        return result
    }

    /// Loads rule files given as text, each with the name to report it under.
    static func load(sources: [(file: String, yaml: String)], requireRuleFile: Bool) -> RuleLoadResult {
        var result = RuleLoadResult()
        var indexByID: [String: Int] = [:]
        var scoringFrom: (file: String, line: Int, column: Int)? = nil
        for (file, yaml) in sources {
            result.files.append(file)
            var decoder = RuleFileDecoder(file: file, text: yaml)
            let output = decoder.decode(requireRuleFile: requireRuleFile)
            result.errors += decoder.errors
            if let scoring = output.scoring {
                let (line, column) = output.scoringPosition
                if let first = scoringFrom {
                    result.errors.append(
                        RuleError(
                            file: file, line: line, column: column,
                            reason: .invalidValue(
                                key: "scoring", problem: "already set at \(first.file):\(first.line):\(first.column)"),
                            excerpt: "scoring"))
                } else {
                    result.scoring = scoring
                    scoringFrom = (file, line, column)
                }
            }
            for rule in output.rules {
                if let earlier = indexByID[rule.id] {
                    let old = result.rules[earlier]
                    result.warnings.append(
                        RuleDiagnostic(
                            severity: .warning, file: rule.file, line: rule.marks.id.line, column: rule.marks.id.column,
                            message:
                                "rule id `\(rule.id)` is also defined at \(old.file):\(old.marks.id.line):\(old.marks.id.column); this later definition replaces it",
                            ruleID: rule.id))
                    result.rules[earlier] = rule
                } else {
                    indexByID[rule.id] = result.rules.count
                    result.rules.append(rule)
                }
            }
        }
        for rule in result.rules { result.warnings += warnings(for: rule) }
        return result
    }

    /// Warnings about a rule that loads but is probably not what its author meant.
    static func warnings(for rule: Rule) -> [RuleDiagnostic] {
        var found: [RuleDiagnostic] = []
        func warn(_ at: (line: Int, column: Int), _ message: String) {
            found.append(
                RuleDiagnostic(
                    severity: .warning, file: rule.file, line: at.line, column: at.column, message: message,
                    ruleID: rule.id))
        }
        let ruleAt = (rule.line, rule.column)
        if rule.weight == 0 {
            warn(rule.marks.weight, "rule `\(rule.id)` has weight 0: it never changes a score")
        }
        if rule.description.trimmingBlanks().isEmpty {
            warn(ruleAt, "rule `\(rule.id)` has no description")
        }
        if rule.references.isEmpty {
            warn(ruleAt, "rule `\(rule.id)` has no references")
        }
        if rule.condition.isConstant {
            if rule.condition.truth(FeatureVector()) == true {
                warn(rule.marks.when, "rule `\(rule.id)` reads no feature and is always true: it fires on every account")
            } else {
                warn(rule.marks.when, "rule `\(rule.id)` reads no feature and is never true: it can never fire")
            }
        }
        return found
    }
}
