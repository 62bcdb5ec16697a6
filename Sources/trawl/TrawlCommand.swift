import ArgumentParser
import Foundation
import Logging
import TrawlModel
import TrawlPipeline

@main
struct TrawlCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trawl",
        abstract: "Find pooled and resold AI subscriptions in API access logs.",
        discussion: """
            Trawl reads a day of API access logs (JSONL, plain, gzip or zstd), computes
            per-account behaviour features, scores them with the rules in rules/, and keeps
            every flagged account as a case in a SQLite case store.

            Machine-readable output is JSONL on standard output; messages, progress and
            summaries go to standard error.

            Exit status: 0 success; 64 usage error; 65 bad data (a rule file, or more bad
            lines than --max-bad-ratio); 66 missing input; 70 internal error; 74 I/O error.

            Example:
              trawl simulate --out world --accounts 2000
              trawl analyze world/logs --accounts world/accounts.jsonl --db cases.sqlite
              trawl cases list --db cases.sqlite
            """,
        version: TrawlVersion.current,
        subcommands: [
            AnalyzeCommand.self, TailCommand.self, CasesCommand.self, RulesCommand.self, FeaturesCommand.self, SimulateCommand.self,
            EvaluateCommand.self, DemoCommand.self, IntelCommand.self, CaptureCommand.self,
        ])

    /// The one place errors become messages and exit statuses.
    static func main() {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = ProcessInfo.processInfo.environment["TRAWL_LOG"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
            return handler
        }
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let e as PipelineError {
            Terminal.error(e.message)
            Foundation.exit(e.exitCode)
        } catch let e as BadInputError {
            Terminal.printSummary(e.summary)
            Terminal.error(e.description)
            Foundation.exit(65)
        } catch let e as CommandFailure {
            Terminal.error(e.message)
            Foundation.exit(e.code)
        } catch {
            exit(withError: error)
        }
    }
}

/// A command-level failure with its exit status.
struct CommandFailure: Error {
    let code: Int32
    let message: String
    init(_ code: Int32, _ message: String) {
        self.code = code
        self.message = message
    }
}

/// Options shared by commands that read rules.
struct RulesOption: ParsableArguments {
    @Option(name: .customLong("rules"), help: "Folder of rule files and their data (default: ./rules).")
    var directory: String?

    /// The rules folder: the option, else $TRAWL_RULES, else ./rules, else the repository's.
    func resolved() throws -> String {
        if let directory { return directory }
        if let env = ProcessInfo.processInfo.environment["TRAWL_RULES"] { return env }
        let here = FileManager.default.currentDirectoryPath + "/rules"
        if FileManager.default.fileExists(atPath: here) { return here }
        // A binary built in the repository (.build/<config>/trawl) finds the repository's rules.
        let exe = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var dir = exe.deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("rules").path
            if FileManager.default.fileExists(atPath: candidate + "/plans.yaml") { return candidate }
            dir.deleteLastPathComponent()
        }
        throw CommandFailure(66, "no rules folder: run from the repository, or pass --rules DIR")
    }
}
