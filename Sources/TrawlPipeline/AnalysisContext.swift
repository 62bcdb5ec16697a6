import Foundation
import TrawlFeatures
import TrawlRules

/// What scoring needs besides the logs, shared by batch and live runs: the rules folder's
/// rules, plans, TLS stack table, lexicons and allowlists, and the GeoIP databases.
public struct AnalysisContext: Sendable {
    public var plans: PlanCatalog
    public var rules: RuleSet
    /// GeoIP and allowlist lookups; `nil` with neither.
    public var enricher: GeoEnricher?
    public var stacks: TLSStackTable?
    /// Prompt analysis; `nil` when prompt features are off.
    public var prompts: PromptAnalyzer?

    /// - Throws: `PipelineError`: a rule, plan, stack or lexicon file that does not load (65,
    ///   naming the file and what to run to check it), a GeoIP database that is missing (66)
    ///   or unreadable (65).
    public static func load(rulesDirectory: String, geoipPaths: [String], promptFeatures: Bool) throws -> AnalysisContext {
        let plans: PlanCatalog
        let rules: RuleSet
        do {
            plans = try PlanCatalog.load(rulesDirectory: rulesDirectory)
            rules = try RuleSet.load(directory: rulesDirectory)
        } catch {
            throw PipelineError(.badData, "\(error)\nfix the rule file, or check it with: trawl rules lint --rules \(rulesDirectory)")
        }
        var enricher: GeoEnricher?
        let allowlists = try Allowlists.load(rulesDirectory: rulesDirectory)
        if !geoipPaths.isEmpty || !allowlists.databases.isEmpty {
            do { enricher = try GeoEnricher(paths: geoipPaths, allowlists: allowlists.databases) } catch {
                let kind: PipelineError.Kind = error.reason == .noSuchFile ? .missingInput : .badData
                throw PipelineError(kind, "\(error.description) (--geoip)")
            }
        }
        let stacks: TLSStackTable?
        do { stacks = try TLSStackTable.load(rulesDirectory: rulesDirectory) } catch {
            throw PipelineError(.badData, "\(error.description)\nfix the TLS stack table (rules/tls_stacks.yaml)")
        }
        let prompts = promptFeatures ? try BatchAnalyzer.promptAnalyzer(rulesDirectory: rulesDirectory) : nil
        return AnalysisContext(plans: plans, rules: rules, enricher: enricher, stacks: stacks, prompts: prompts)
    }
}
