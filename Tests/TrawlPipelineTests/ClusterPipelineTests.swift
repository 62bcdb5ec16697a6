import Foundation
import TestSupport
import Testing
import TrawlCases
import TrawlFeatures
import TrawlIngest
import TrawlPipeline
import TrawlSimulator

/// Reseller clusters end to end on a small simulated world (two weekdays): operators are
/// found as flagged clusters, pure, with no corporate, university or CGNAT account in
/// them; each flagged cluster is one case whose subject is the members' `cluster_id`; the
/// next day's clusters update the same cases.
@Suite struct ClusterPipelineTests {
    static let rules = repositoryRoot() + "/rules"

    @Test func operatorsBecomeClusterCasesThatKeepTheirIdentity() throws {
        let dir = try TemporaryDirectory("trawl-clusters")
        defer { dir.remove() }
        let world = dir.file("world")
        let spec = WorldSpec(seed: 5, accounts: 600, days: 2, startDay: "2026-11-23", compression: .gzip, requestScale: 0.1)
        _ = try WorldSimulator.write(spec, to: world)
        let labels = try GroundTruth.load(path: world)
        func analyze(_ day: String) throws -> BatchAnalyzer.Outcome {
            var options = AnalyzeOptions(inputs: [world + "/logs/" + day])
            options.accountsPath = world + "/accounts.jsonl"
            options.databasePath = dir.file("cases.sqlite")
            options.rulesDirectory = Self.rules
            options.clustersPath = dir.file("clusters-\(day).jsonl")
            return try BatchAnalyzer.run(options)
        }

        let first = try analyze("2026-11-23")
        let report = QualityReport.evaluate(scores: first.scores, labels: labels).clusters
        #expect(report.operators.count >= 6)
        #expect(report.operatorRecall >= 0.9, "\(report.text)")
        #expect(report.purity >= 0.95 && report.worstPurity >= 0.95, "\(report.text)")
        for (population, n) in report.benignInFlaggedClusters { #expect(n == 0, "\(population): \(n) in flagged clusters") }
        for hard in ["office_nat", "university_nat", "carrier_cgnat", "team_prompt_library"] {
            #expect(report.benignInFlaggedClusters[hard] != nil, "\(hard) missing from the world")
        }
        // Linking also joins benign accounts (an office, a team), and the cluster rules leave them alone.
        let run = try #require(first.clusters)
        let benign = run.clusters.filter { c in c.members.allSatisfy { labels.labels[$0.accountID]?.operator == nil } }
        #expect(!benign.isEmpty && benign.allSatisfy { !$0.assessment.flagged })

        // The run takes each account's linking artifacts as its days are scored: the same
        // clusters as linking every account's artifacts taken from the day states at once.
        let context = try AnalysisContext.load(rulesDirectory: Self.rules, geoipPaths: [], promptFeatures: true)
        var aggregator = LogAggregator(plans: context.plans, enricher: nil)
        aggregator.prompts = context.prompts
        aggregator.stacks = context.stacks
        let aggregate = aggregator.run(try InputResolver.resolve([world + "/logs/2026-11-23"]))
        let registry = RegistryIndex(accounts: try AccountRegistryReader.read(world + "/accounts.jsonl").accounts)
        let atOnce = try BatchAnalyzer.clusters(
            BatchAnalyzer.linkArtifacts(aggregate.partitions, registry: registry), results: first.results, rules: context.rules,
            threshold: nil)
        #expect(atOnce.clusters.count == run.clusters.count)
        for (a, b) in zip(atOnce.clusters, run.clusters) {
            #expect(a.members.map(\.accountID) == b.members.map(\.accountID))
            #expect(a.features.named == b.features.named && a.assessment.score == b.assessment.score)
        }

        // One case per flagged cluster; its subject is the members' cluster_id.
        let store = try CaseStore(path: dir.file("cases.sqlite"))
        let cases = try store.listCases(CaseFilter(kind: .cluster))
        #expect(cases.count == run.flagged.count && first.summary.clusterCasesOpened == cases.count)
        #expect(Set(first.scores.compactMap(\.cluster_id)) == Set(cases.map(\.subject)))
        for c in cases {
            let members = first.scores.filter { $0.cluster_id == c.subject }.map(\.account_id)
            #expect(c.members == members.count)
            let detail = try #require(try store.caseDetail(id: c.id)?.cluster)
            #expect(Set(detail.members.map(\.accountID)) == Set(members))
            #expect(!detail.links.isEmpty && detail.links.allSatisfy { $0.accounts.count >= 2 })
        }
        // The --clusters file: every cluster, flagged ones with their case's subject.
        let lines = try String(contentsOfFile: dir.file("clusters-2026-11-23.jsonl"), encoding: .utf8).split(separator: "\n")
        let decoded = try lines.map { try JSONDecoder().decode(ClusterLine.self, from: Data($0.utf8)) }
        #expect(decoded.count == run.clusters.count)
        #expect(Set(decoded.compactMap(\.cluster_id)) == Set(cases.map(\.subject)))

        // The next day: the same operators, the same cases.
        let second = try analyze("2026-11-24")
        #expect(second.summary.flaggedClusters >= cases.count - 1)
        #expect(second.summary.clusterCasesOpened <= 1 && second.summary.clusterCasesUpdated >= cases.count - 1)
        let again = try store.listCases(CaseFilter(kind: .cluster))
        #expect(again.count <= cases.count + 1)
        let subjects = Set(cases.map(\.subject))
        #expect(Set(second.scores.compactMap(\.cluster_id)).subtracting(subjects).count <= 1)
        #expect(again.allSatisfy { $0.lastDay == "2026-11-24" || $0.firstDay == "2026-11-23" })
    }
}
