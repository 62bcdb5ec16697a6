import ArgumentParser
import Foundation
import TrawlPipeline
import TrawlSimulator

struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Measure detection quality: scores against a simulated world's labels.",
        discussion: """
            Prints precision and recall on pooled accounts and on all abuse, and the share of
            each population flagged (false positives for the benign ones).

            Example:
              trawl analyze world/logs --accounts world/accounts.jsonl --scores scores.jsonl
              trawl evaluate --scores scores.jsonl --labels world/labels.jsonl
            """)

    @Option(help: "Scores written by trawl analyze --scores.") var scores: String
    @Option(help: "labels.jsonl of the world.") var labels: String
    @Flag(help: "The report as one JSON object on standard output.") var json = false

    /// The world's labels, with a load failure turned into a bad-data exit.
    static func groundTruth(_ path: String) throws -> GroundTruth {
        guard FileManager.default.fileExists(atPath: path) else {
            throw CommandFailure(66, "\(path): no such labels file or world folder")
        }
        do { return try GroundTruth.load(path: path) } catch { throw CommandFailure(65, "\(error)") }
    }

    func run() throws {
        guard let text = try? String(contentsOfFile: scores, encoding: .utf8) else { throw CommandFailure(66, "\(scores): cannot read") }
        var lines: [ScoreLine] = []
        for (i, line) in text.split(separator: "\n").enumerated() {
            do { lines.append(try JSONDecoder().decode(ScoreLine.self, from: Data(line.utf8))) } catch {
                throw CommandFailure(65, "\(scores):\(i + 1): not a score line: \(error)")
            }
        }
        let report = QualityReport.evaluate(scores: lines, labels: try Self.groundTruth(labels))
        if json { Terminal.emit(report) } else { Terminal.say(report.text) }
    }
}
