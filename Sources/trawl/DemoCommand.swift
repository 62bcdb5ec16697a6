import ArgumentParser
import Foundation
import TrawlCases
import TrawlModel
import TrawlPipeline
import TrawlSimulator

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Simulate a small world, analyse it and show the top cases.",
        discussion: """
            Writes DIR/world (logs, registry, labels), analyses it into DIR/trawl.sqlite with
            scores in DIR/scores.jsonl, prints the highest-scoring account cases and cluster
            cases (linked accounts) with their explanations, and the detection quality against
            the world's labels.

            Example:
              trawl demo --dir demo
              trawl cases list --db demo/trawl.sqlite
            """)

    @Option(help: "Folder for the demo's files (recreated).") var dir = "demo"
    @Option(help: "Accounts in the simulated world.") var accounts = 2000
    @Option(help: "Random seed.") var seed: UInt64 = 42
    @Option(help: "How many cases to show.") var top = 5
    @OptionGroup var rules: RulesOption

    func run() throws {
        try? FileManager.default.removeItem(atPath: dir)
        let world = (dir as NSString).appendingPathComponent("world")
        let spec = WorldSpec(seed: seed, accounts: accounts, days: 1, startDay: "2026-11-21", compression: .gzip, requestScale: 0.1)
        let summary = try SimulateCommand.write(spec, to: world)
        Terminal.clearProgress()
        Terminal.say("simulated \(accounts) accounts, \(summary.lines) requests (gzip) in \(world)")

        var options = AnalyzeOptions(inputs: [(world as NSString).appendingPathComponent("logs")])
        options.accountsPath = (world as NSString).appendingPathComponent("accounts.jsonl")
        options.geoipPaths = WorldGeoIP.existing(world: world).map { [$0] } ?? []
        options.databasePath = (dir as NSString).appendingPathComponent("trawl.sqlite")
        options.scoresPath = (dir as NSString).appendingPathComponent("scores.jsonl")
        options.rulesDirectory = try rules.resolved()
        let outcome = try BatchAnalyzer.run(options, progress: Terminal.progressLine())
        Terminal.printSummary(outcome.summary)

        let store = try CaseStore(path: options.databasePath)
        var filter = CaseFilter(kind: .account)
        filter.limit = top
        let cases = try store.listCases(filter)
        Terminal.say("\ntop \(cases.count) of \(outcome.summary.flaggedAccounts) flagged accounts:")
        for c in cases {
            Terminal.say(
                String(format: "\ncase %lld  score %.3f  ", c.id, c.score)
                    + "\(TerminalText.sanitize(c.subject)) [\(c.tags.joined(separator: ", "))]")
            if let day = try store.caseDetail(id: c.id)?.days.first(where: \.flagged) {
                for h in day.hits {
                    Terminal.say(String(format: "  %+5.2f ", h.weight) + "\(h.ruleID): \(TerminalText.sanitize(h.explanation, limit: 140))")
                }
            }
        }
        let clusters = try store.listCases(CaseFilter(kind: .cluster, limit: 3))
        Terminal.say("\ntop \(clusters.count) of \(outcome.summary.flaggedClusters) flagged clusters of linked accounts:")
        for c in clusters {
            Terminal.say(String(format: "\ncase %lld  score %.3f  ", c.id, c.score) + "\(c.subject): \(c.members ?? 0) accounts")
            guard let detail = try store.caseDetail(id: c.id)?.cluster, let day = detail.days.last else { continue }
            for h in day.hits {
                Terminal.say(String(format: "  %+5.2f ", h.weight) + "\(h.ruleID): \(TerminalText.sanitize(h.explanation, limit: 140))")
            }
            for l in detail.links.prefix(3) {
                Terminal.say(
                    "  linked by \(l.kind) \(TerminalText.sanitize(l.value, limit: 60)): \(l.accounts.count) accounts"
                        + String(format: " (%.1f bits each pair)", l.bits))
            }
        }
        let labels = try EvaluateCommand.groundTruth(world)
        Terminal.say(
            "\ndetection quality against the world's labels:\n" + QualityReport.evaluate(scores: outcome.scores, labels: labels).text)
        Terminal.say(
            """

            case store: \(options.databasePath)   scores: \(options.scoresPath!)
            next: trawl cases list --db \(options.databasePath)
                  trawl cases show \(cases.first?.id ?? 1) --db \(options.databasePath)
                  trawl cases show \(clusters.first?.id ?? 1) --db \(options.databasePath)   (a cluster)
            """)
    }
}
