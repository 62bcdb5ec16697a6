import TestSupport
import Testing
import TrawlFeatures

@Suite struct PlanCatalogTests {
    static func load(plans: String? = nil, domains: String? = nil) throws -> PlanCatalog {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        if let plans { try dir.write("plans.yaml", text: plans) }
        if let domains { try dir.write("disposable_domains.yaml", text: domains) }
        return try PlanCatalog.load(rulesDirectory: dir.path)
    }

    @Test func readsTheShippedFiles() throws {
        let catalog = try PlanCatalog.load(rulesDirectory: "rules")
        #expect(catalog.windowTokens["max_20x"] == 40_000_000)
        #expect(catalog.windowTokens["api"] == nil)  // metered: no window
        #expect(catalog.outputCaps["claude-opus-4"] == 32000)
        #expect(catalog.disposableDomains.contains("mailinator.com"))
    }

    @Test func absentFilesLeaveTheirPartEmpty() throws {
        let catalog = try Self.load()
        #expect(catalog.windowTokens.isEmpty && catalog.outputCaps.isEmpty && catalog.disposableDomains.isEmpty)
        #expect(try Self.load(domains: "disposable_domains: [Mailinator.COM]\n").disposableDomains == ["mailinator.com"])
    }

    static let invalid: [(plans: String?, domains: String?, location: String)] = [
        ("plans:\n  pro: { window_tokens: 10 }\ncolours: {}\n", nil, "plans.yaml:3:1: unknown key `colours`"),
        ("plans:\n  pro: { window_token: 10 }\n", nil, "plans.yaml:2:10: unknown key `window_token` (the only key is `window_tokens`)"),
        ("plans:\n  pro: { window_tokens: lots }\n", nil, "plans.yaml:2:25: `window_tokens` must be a whole number"),
        ("plans:\n  pro: { window_tokens: 0 }\n", nil, "plans.yaml:2:25: `window_tokens` must be above 0"),
        ("models:\n  m: { output_cap: 5 }\n", nil, "plans.yaml:1:1: missing key `plans`"),
        ("plans: {}\nmodels:\n  m: {}\n", nil, "plans.yaml:3:3: model `m` needs `output_cap`"),
        ("plans: {pro: {window_tokens: 1}\n", nil, "plans.yaml:2:1: not valid YAML"),
        (nil, "disposable_domains: mailinator.com\n", "disposable_domains.yaml:1:21: `disposable_domains` must be a list"),
        (nil, "domains: [a.com]\n", "disposable_domains.yaml:1:1: unknown key `domains`"),
    ]

    @Test(arguments: invalid)
    func badFilesFailAtTheirLineAndColumn(_ c: (plans: String?, domains: String?, location: String)) {
        #expect {
            _ = try Self.load(plans: c.plans, domains: c.domains)
        } throws: { error in
            let text = "\(error)"
            guard let slash = text.firstIndex(of: "/") else { return false }
            // The path is the temporary folder's; compare from the file name on.
            let fromName = text[slash...].split(separator: "/").last.map(String.init) ?? ""
            return error is PlanCatalog.LoadError && fromName.hasPrefix(c.location)
        }
    }
}
