import Foundation
import Yams

/// Plan limits, model output caps and the disposable-email list, read from the rules
/// folder (`plans.yaml`, `disposable_domains.yaml`). Defaults apply when a file is absent.
public struct PlanCatalog: Sendable {
    /// Tokens (input + output) a plan allows per 5-hour window; `nil`: metered, no window.
    public var windowTokens: [String: Int64]
    /// Largest `max_tokens` each model accepts.
    public var outputCaps: [String: Int64]
    public var disposableDomains: Set<String>

    public init(windowTokens: [String: Int64] = [:], outputCaps: [String: Int64] = [:], disposableDomains: Set<String> = []) {
        self.windowTokens = windowTokens
        self.outputCaps = outputCaps
        self.disposableDomains = disposableDomains
    }

    public struct LoadError: Error, CustomStringConvertible {
        public let file: String
        public let reason: String
        public var description: String { "\(file): \(reason)" }
    }

    private struct PlansFile: Decodable {
        struct Plan: Decodable {
            let window_tokens: Int64?
        }
        struct Model: Decodable {
            let output_cap: Int64
        }
        let plans: [String: Plan]
        let models: [String: Model]?
    }

    private struct DomainsFile: Decodable {
        let disposable_domains: [String]
    }

    /// Loads `plans.yaml` and `disposable_domains.yaml` from a rules folder.
    /// - Throws: `LoadError` naming the file and the YAML problem.
    public static func load(rulesDirectory dir: String) throws -> PlanCatalog {
        var catalog = PlanCatalog()
        let plansPath = (dir as NSString).appendingPathComponent("plans.yaml")
        if let text = try? String(contentsOfFile: plansPath, encoding: .utf8) {
            do {
                let file = try YAMLDecoder().decode(PlansFile.self, from: text)
                for (name, plan) in file.plans { if let w = plan.window_tokens { catalog.windowTokens[name] = w } }
                for (name, model) in file.models ?? [:] { catalog.outputCaps[name] = model.output_cap }
            } catch {
                throw LoadError(file: plansPath, reason: "\(error)")
            }
        }
        let domainsPath = (dir as NSString).appendingPathComponent("disposable_domains.yaml")
        if let text = try? String(contentsOfFile: domainsPath, encoding: .utf8) {
            do {
                let file = try YAMLDecoder().decode(DomainsFile.self, from: text)
                catalog.disposableDomains = Set(file.disposable_domains.map { $0.lowercased() })
            } catch {
                throw LoadError(file: domainsPath, reason: "\(error)")
            }
        }
        return catalog
    }
}
