/// Checks rule files and reports every problem at once, for `trawl rules lint`.
///
/// Errors are what `RuleSet.load` would throw (all of them, across files); warnings are
/// rules that load but look wrong: an id defined again in a later file (which replaces
/// the earlier rule), weight 0, no description, no references, and a condition that
/// reads no feature and so is constant (never fires, or fires on every account).
/// Diagnostics are sorted by file (in load order), line and column.
public enum RuleLinter {
    /// Lints every rule file in a folder.
    public static func lint(directory: String) -> [RuleDiagnostic] {
        diagnostics(RuleLoader.load(directory: directory))
    }

    /// Lints the given files; each must be a rule file.
    public static func lint(files: [String]) -> [RuleDiagnostic] {
        diagnostics(RuleLoader.load(files: files, requireRuleFile: true))
    }

    /// Lints rule files given as text, each reported under its (virtual) file name.
    public static func lint(sources: [(file: String, yaml: String)]) -> [RuleDiagnostic] {
        diagnostics(RuleLoader.load(sources: sources, requireRuleFile: true))
    }

    /// Lints one rule file given as text.
    public static func lint(yaml: String, file: String = "<yaml>") -> [RuleDiagnostic] {
        lint(sources: [(file, yaml)])
    }

    private static func diagnostics(_ result: RuleLoadResult) -> [RuleDiagnostic] {
        var order: [String: Int] = [:]
        for (i, file) in result.files.enumerated() where order[file] == nil { order[file] = i }
        let all = result.errors.map(RuleDiagnostic.init) + result.warnings
        return all.enumerated().sorted { a, b in
            let (x, y) = (a.element, b.element)
            let (fx, fy) = (order[x.file] ?? -1, order[y.file] ?? -1)
            if fx != fy { return fx < fy }
            if x.line != y.line { return x.line < y.line }
            if x.column != y.column { return x.column < y.column }
            return a.offset < b.offset
        }.map(\.element)
    }
}
