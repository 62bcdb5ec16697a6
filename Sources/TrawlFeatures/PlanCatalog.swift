import Foundation
import TrawlModel
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

    /// A plans or disposable-domains file that cannot be read or does not follow its format.
    public struct LoadError: Error, CustomStringConvertible {
        public let file: String
        /// 1-based line and column, where known.
        public let line: Int?
        public let column: Int?
        public let reason: String
        public var description: String {
            var place = file
            if let line { place += ":\(line)" }
            if let column { place += ":\(column)" }
            return "\(place): \(reason)"
        }
    }

    /// Loads `plans.yaml` and `disposable_domains.yaml` from a rules folder; an absent file
    /// leaves its part empty (no plan windows, no output caps, no disposable domains).
    /// - Throws: `LoadError` at the offending line and column: unknown keys, missing or
    ///   malformed values, YAML that does not parse, a file that exists but cannot be read.
    public static func load(rulesDirectory dir: String) throws -> PlanCatalog {
        var catalog = PlanCatalog()
        let plansPath = (dir as NSString).appendingPathComponent("plans.yaml")
        if let text = try read(plansPath) { try catalog.readPlans(text, file: plansPath) }
        let domainsPath = (dir as NSString).appendingPathComponent("disposable_domains.yaml")
        if let text = try read(domainsPath) { try catalog.readDomains(text, file: domainsPath) }
        return catalog
    }

    private static func read(_ path: String) throws(LoadError) -> String? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        do { return try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw LoadError(file: path, line: nil, column: nil, reason: "cannot read the file (unreadable or not UTF-8)")
        }
    }

    private static func reader(_ file: String) -> YAMLTableReader<LoadError> {
        YAMLTableReader { line, column, why in LoadError(file: file, line: line, column: column, reason: why) }
    }

    /// `plans:` maps plan names to `{window_tokens: N}` (or `{}`: metered); `models:` maps
    /// model names to `{output_cap: N}`.
    mutating func readPlans(_ yaml: String, file: String) throws(LoadError) {
        let reader = Self.reader(file)
        let (root, top) = try reader.document(yaml, expected: "a mapping with `plans` and `models`")
        try reader.checkKeys(top, ["plans", "models"])
        func entries(_ key: String, field: String, required: Bool) throws(LoadError) -> [(String, Int64?)] {
            guard let node = try reader.value(top, key, in: root, required: required) else { return [] }
            guard let map = node.mapping else { throw reader.fail(node, "`\(key)` must map names to {\(field): N}") }
            var out: [(String, Int64?)] = []
            for (name, value) in map {
                guard let n = name.string, !n.isEmpty else { throw reader.fail(name, "expected a name") }
                guard let fields = value.mapping else { throw reader.fail(value, "`\(n)` must be a mapping like {\(field): N}") }
                try reader.checkKeys(fields, [field])
                guard let v = fields[field] else {
                    out.append((n, nil))
                    continue
                }
                let number = try reader.integer(v, field)
                guard number > 0 else { throw reader.fail(v, "`\(field)` must be above 0") }
                out.append((n, Int64(number)))
            }
            return out
        }
        for (name, window) in try entries("plans", field: "window_tokens", required: true) {
            if let window { windowTokens[name] = window }
        }
        for (name, cap) in try entries("models", field: "output_cap", required: false) {
            guard let cap else { throw reader.fail(top["models"], "model `\(name)` needs `output_cap`") }
            outputCaps[name] = cap
        }
    }

    /// `disposable_domains:` lists email domains (matched in lower case).
    mutating func readDomains(_ yaml: String, file: String) throws(LoadError) {
        let reader = Self.reader(file)
        let (root, top) = try reader.document(yaml, expected: "a mapping with `disposable_domains`")
        try reader.checkKeys(top, ["disposable_domains"])
        let domains = try reader.strings(top, "disposable_domains", in: root, required: true) ?? []
        disposableDomains = Set(domains.map { $0.lowercased() })
    }
}
