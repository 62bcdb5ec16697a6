import Foundation
import TrawlCapture
import TrawlFeatures
import TrawlGeo
import TrawlIngest
import TrawlModel
import TrawlRules

/// Runs data-driven rule cases: one folder per case under `fixtures/rules/`, holding
/// `events.jsonl` (log lines), optionally `accounts.jsonl` (registry), `intel.csv` (an
/// intel list, compiled to a GeoIP database for the case), `capture.pcap` (a packet
/// capture the events join to, as with `analyze --pcap` and the default join window) and
/// `rule.yaml` (rules to test instead of the rules folder), and `expected.json`:
/// `{"fired": {"acct": ["rule.id"]}, "not_fired": {...}, "flagged": ["acct"], "not_flagged": [...]}`,
/// and for cluster rules (the accounts are linked as `analyze` links them):
/// `"flagged_clusters": [["acct", ...]]` (each list inside one flagged cluster),
/// `"not_in_flagged_cluster": ["acct"]`, and `"cluster_fired"` / `"cluster_not_fired"`
/// (`{"acct": ["rule.id"]}`: rules that must (not) fire on the cluster holding the account).
public enum RuleCaseRunner {
    public struct Expected: Decodable, Sendable {
        public var fired: [String: [String]]?
        public var not_fired: [String: [String]]?
        public var flagged: [String]?
        public var not_flagged: [String]?
        public var flagged_clusters: [[String]]?
        public var not_in_flagged_cluster: [String]?
        public var cluster_fired: [String: [String]]?
        public var cluster_not_fired: [String: [String]]?

        var expectsClusters: Bool {
            flagged_clusters != nil || not_in_flagged_cluster != nil || cluster_fired != nil || cluster_not_fired != nil
        }
    }

    public struct Result: Sendable {
        public var name: String
        /// What differed from `expected.json`; empty when the case passes.
        public var failures: [String]
        public var passed: Bool { failures.isEmpty }
    }

    /// The case folders under `directory` (those with an `expected.json`), sorted.
    public static func cases(in directory: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.sorted().map { (directory as NSString).appendingPathComponent($0) }
            .filter { FileManager.default.fileExists(atPath: ($0 as NSString).appendingPathComponent("expected.json")) }
    }

    /// Runs one case folder against `rulesDirectory`.
    /// - Throws: `PipelineError` when the case's files cannot be read or its rules do not load.
    public static func run(caseDirectory dir: String, rulesDirectory: String) throws -> Result {
        func path(_ name: String) -> String { (dir as NSString).appendingPathComponent(name) }
        let name = (dir as NSString).lastPathComponent
        let rules: RuleSet
        let plans: PlanCatalog
        do {
            plans = try PlanCatalog.load(rulesDirectory: rulesDirectory)
            rules =
                FileManager.default.fileExists(atPath: path("rule.yaml"))
                ? try RuleSet.load(files: [path("rule.yaml")]) : try RuleSet.load(directory: rulesDirectory)
        } catch {
            throw PipelineError(.badData, "\(name): \(error)")
        }
        let expected: Expected
        do {
            expected = try JSONDecoder().decode(Expected.self, from: Data(contentsOf: URL(fileURLWithPath: path("expected.json"))))
        } catch {
            throw PipelineError(.badData, "\(path("expected.json")): \(error)")
        }
        var registry = RegistryIndex.empty
        if FileManager.default.fileExists(atPath: path("accounts.jsonl")) {
            do { registry = RegistryIndex(accounts: try AccountRegistryReader.read(path("accounts.jsonl")).accounts) } catch let e
                as IngestError
            {
                throw PipelineError.from(e)
            }
        }
        var enricher: GeoEnricher?
        let allowlists = try Allowlists.load(rulesDirectory: rulesDirectory)
        if !allowlists.databases.isEmpty { enricher = GeoEnricher(resolver: GeoResolver(databases: []), allowlists: allowlists.databases) }
        if FileManager.default.fileExists(atPath: path("intel.csv")) {
            let database = FileManager.default.temporaryDirectory.appendingPathComponent("trawl-case-\(UUID().uuidString).mmdb").path
            defer { try? FileManager.default.removeItem(atPath: database) }
            do {
                try WorldGeoIP.compile(intelList: path("intel.csv"), to: database)
                enricher = try GeoEnricher(paths: [database], allowlists: allowlists.databases)
            } catch {
                throw PipelineError(.badData, "\(name): \(error.description)")
            }
        }
        let stacks: TLSStackTable?
        do { stacks = try TLSStackTable.load(rulesDirectory: rulesDirectory) } catch {
            throw PipelineError(.badData, "\(name): \(error.description)")
        }
        var connections: ConnectionIndex?
        if FileManager.default.fileExists(atPath: path("capture.pcap")) {
            do {
                var options = CaptureOptions()
                let table = (rulesDirectory as NSString).appendingPathComponent("tcp_signatures.yaml")
                if FileManager.default.fileExists(atPath: table) { options.signatureTable = try SYNSignatureTable.load(path: table) }
                let read = try CaptureReader.records(files: [path("capture.pcap")], options: options)
                connections = ConnectionIndex(records: read.records, windowMillis: 600_000, stacks: stacks)
            } catch {
                throw PipelineError(.badData, "\(name): capture.pcap: \(error)")
            }
        }
        var aggregator = LogAggregator(plans: plans, enricher: enricher)
        aggregator.workers = 1
        aggregator.stacks = stacks
        aggregator.connections = connections
        aggregator.prompts = try BatchAnalyzer.promptAnalyzer(rulesDirectory: rulesDirectory)
        let aggregate = aggregator.run([InputFile(path: path("events.jsonl"))])
        if let e = aggregate.fileErrors.first { throw PipelineError.from(e) }
        var extractor = FeatureExtractor(plans: plans, registry: registry, enricher: enricher)
        extractor.ja4Names = aggregate.ja4Names
        (extractor.templateSharing, extractor.modelLaunches) = BatchAnalyzer.acrossAccounts(aggregate.partitions)
        var fired: [String: Set<String>] = [:]
        var flagged: Set<String> = []
        var results: [(features: AccountDayFeatures, assessment: Assessment)] = []
        for part in aggregate.partitions {
            for (key, state) in zip(part.keys, part.states) {
                let f = extractor.features(for: key, state: state)
                let a = rules.assess(f)
                fired[key.accountID, default: []].formUnion(a.hits.map(\.ruleID))
                if a.flagged { flagged.insert(key.accountID) }
                results.append((f, a))
            }
        }
        var failures: [String] = aggregate.reports.map { "bad event line: \($0)" }
        for (account, ids) in (expected.fired ?? [:]).sorted(by: { $0.key < $1.key }) {
            for id in ids where !(fired[account]?.contains(id) ?? false) {
                failures.append("\(account): expected \(id) to fire; fired: \((fired[account] ?? []).sorted())")
            }
        }
        for (account, ids) in (expected.not_fired ?? [:]).sorted(by: { $0.key < $1.key }) {
            for id in ids where fired[account]?.contains(id) ?? false {
                failures.append("\(account): expected \(id) not to fire")
            }
        }
        for account in expected.flagged ?? [] where !flagged.contains(account) {
            failures.append("\(account): expected to be flagged")
        }
        for account in expected.not_flagged ?? [] where flagged.contains(account) {
            failures.append("\(account): expected not to be flagged")
        }
        if expected.expectsClusters {
            let artifacts = BatchAnalyzer.linkArtifacts(aggregate.partitions, registry: registry)
            let run = try BatchAnalyzer.clusters(artifacts, results: results, rules: rules, threshold: nil)
            failures += clusterFailures(run, expected)
        }
        return Result(name: name, failures: failures)
    }

    /// What the clusters found differ from `expected` in.
    static func clusterFailures(_ run: ClusterRun, _ expected: Expected) -> [String] {
        var failures: [String] = []
        var clusterOf: [String: Int] = [:]
        for (i, c) in run.clusters.enumerated() { for m in c.members { clusterOf[m.accountID] = i } }
        func describe(_ account: String) -> String {
            guard let i = clusterOf[account] else { return "in no cluster" }
            let c = run.clusters[i]
            return "in a \(c.assessment.flagged ? "flagged" : "unflagged") cluster of \(c.members.count) (score "
                + "\(String(format: "%.3f", c.assessment.score)), rules \(c.assessment.hits.map(\.ruleID)))"
        }
        for group in expected.flagged_clusters ?? [] {
            let found = Set(group.map { clusterOf[$0] })
            if found.count != 1 || found.first! == nil || !run.clusters[found.first!!].assessment.flagged {
                failures.append(
                    "expected \(group) in one flagged cluster; " + group.map { "\($0) \(describe($0))" }.joined(separator: "; "))
            }
        }
        for account in expected.not_in_flagged_cluster ?? [] {
            if let i = clusterOf[account], run.clusters[i].assessment.flagged {
                failures.append("\(account): expected in no flagged cluster; \(describe(account))")
            }
        }
        for (account, ids) in (expected.cluster_fired ?? [:]).sorted(by: { $0.key < $1.key }) {
            let hits = clusterOf[account].map { Set(run.clusters[$0].assessment.hits.map(\.ruleID)) } ?? []
            for id in ids where !hits.contains(id) {
                failures.append("\(account): expected \(id) to fire on its cluster; \(describe(account))")
            }
        }
        for (account, ids) in (expected.cluster_not_fired ?? [:]).sorted(by: { $0.key < $1.key }) {
            let hits = clusterOf[account].map { Set(run.clusters[$0].assessment.hits.map(\.ruleID)) } ?? []
            for id in ids where hits.contains(id) { failures.append("\(account): expected \(id) not to fire on its cluster") }
        }
        return failures
    }
}
