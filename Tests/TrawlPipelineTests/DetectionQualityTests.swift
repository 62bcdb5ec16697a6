import Foundation
import TestSupport
import Testing
import TrawlPipeline
import TrawlSimulator

/// End to end on simulated, labelled worlds with their GeoIP database: the starter rules
/// must find pooled accounts (precision >= 0.9, recall >= 0.8) and proxy-rotating ones
/// (recall >= 0.8), and stay quiet on every hard-negative population (at most 1% of each
/// flagged).
@Suite struct DetectionQualityTests {
    @Test(arguments: [(UInt64(3), 2000, 0.25), (UInt64(17), 1500, 0.4)])
    func pooledAccountsAreFoundAndHardNegativesLeftAlone(seed: UInt64, accounts: Int, scale: Double) throws {
        let dir = try TemporaryDirectory("trawl-quality")
        defer { dir.remove() }
        let world = dir.file("world")
        let spec = WorldSpec(seed: seed, accounts: accounts, days: 1, startDay: "2026-11-21", compression: .gzip, requestScale: scale)
        _ = try WorldSimulator.write(spec, to: world)
        var options = AnalyzeOptions(inputs: [world + "/logs"])
        options.accountsPath = world + "/accounts.jsonl"
        options.geoipPaths = [try WorldGeoIP.build(world: world)]
        options.databasePath = dir.file("cases.sqlite")
        options.rulesDirectory = repositoryRoot() + "/rules"
        let outcome = try BatchAnalyzer.run(options)
        #expect(outcome.summary.badLines == 0)
        let report = QualityReport.evaluate(scores: outcome.scores, labels: try GroundTruth.load(path: world))
        #expect(report.pooledPrecision >= 0.9)
        #expect(report.pooledRecall >= 0.8)
        // Resellers on rotating or sticky residential proxies, found with the world's GeoIP data.
        let proxyRotation = report.populations.filter { $0.label == "proxy_rotation" }
        #expect(!proxyRotation.isEmpty)
        for p in proxyRotation { #expect(p.share >= 0.8, "\(p.name): \(p.flagged) of \(p.accounts) flagged") }
        for p in report.populations where p.label == "benign" {
            #expect(p.accounts >= 20, "\(p.name) too small to judge")
            #expect(p.share <= 0.01, "\(p.name): \(p.flagged) of \(p.accounts) flagged")
        }
        let names = Set(report.populations.map(\.name))
        for hard in [
            "carrier_cgnat", "office_nat", "university_nat", "vpn_user", "traveller", "heavy_automation", "team_many_keys", "power_user",
            "benchmark_burst", "agent_fixed_system", "team_prompt_library",
        ] {
            #expect(names.contains(hard))
        }
    }
}
