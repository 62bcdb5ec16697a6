import ArgumentParser
import Dispatch
import Foundation
import Logging
import TrawlFeatures
import TrawlModel
import TrawlPipeline

#if canImport(Glibc)
    import Glibc
#endif

struct TailCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail",
        abstract: "Follow logs (and a live capture) and alert within seconds; resumes where it stopped.",
        discussion: """
            SOURCE is a log file (followed across rotation by rename and by copy-truncate), a
            folder (every log file in it, new ones and a rotator's compressed ones included),
            or - for standard input. Accounts are scored on sliding windows (--window) with the
            rules of the batch pass; an alert (one JSON line on --alerts) is written when an
            account's score enters a higher band (at the threshold, 0.9, 0.99), and its case is
            opened or updated in the store, which `trawl cases` can read meanwhile. Every
            --link-every seconds the accounts of the longest window are linked into reseller
            clusters as in `trawl analyze`; a flagged cluster gets a cluster case (a new account
            of a known network joins its existing case) and alerts like an account.

            Positions and window state are saved together every --checkpoint-every seconds and
            on SIGINT/SIGTERM; a run started again on the same store resumes from them, even
            after kill -9, with no line missed or counted twice. On a first run, existing files
            are read from their end unless --from-start.

            Example:
              trawl tail /var/log/api/ --accounts accounts.jsonl --db cases.sqlite --alerts - --board
              trawl tail api.log --interface eth0 --filter 'tcp port 443' --window 30m,24h --alerts alerts.jsonl
            """)

    @Argument(help: "Log files, folders, or - for standard input.")
    var sources: [String]

    @Option(help: "Capture from this network interface (root or CAP_NET_RAW); requests join its connections.")
    var interface: String?

    @Option(help: "BPF filter for the capture (tcpdump syntax).")
    var filter: String?

    @Option(help: "Seconds after a connection's first packet within which a request joins it.")
    var joinWindow = 600.0

    @Option(help: "Account registry (JSONL, optionally compressed).")
    var accounts: String?

    @Option(parsing: .upToNextOption, help: "GeoIP databases in MaxMind format (files or folders of *.mmdb).")
    var geoip: [String] = []

    @Option(help: "Case store (SQLite file; created when missing). It also holds the checkpoint.")
    var db = "trawl.sqlite"

    @OptionGroup var rules: RulesOption

    @Option(help: "Sliding windows, comma-separated (30m, 1h, 24h, …; up to 7d).")
    var window = "1h,24h"

    @Option(help: "Write alerts as JSONL to this file (appended to), or - for standard output.")
    var alerts: String?

    @Flag(help: "Show a live board on standard error: top accounts and clusters, input rate, alerts.")
    var board = false

    @Option(help: "Alert at scores of at least this (default: rules/scoring.yaml, else 0.5).")
    var threshold: Double?

    @Flag(help: "On a first run, read what the files hold already (default: start at their end).")
    var fromStart = false

    @Option(help: "Seconds between checkpoints.")
    var checkpointEvery = 10.0

    @Option(help: "Seconds between scoring the accounts that changed.")
    var evaluateEvery = 0.25

    @Option(help: "Seconds between linking runs over the longest window (reseller clusters, in the background).")
    var linkEvery = 60.0

    @Option(
        help: ArgumentHelp(
            "Threads that move requests into the windows and score them, the accounts split among them (default: one per core, at most 4).",
            valueName: "N"))
    var analysisThreads: Int?

    @Flag(help: "Do not link accounts into clusters: no cluster cases or cluster alerts.")
    var noLink = false

    @Option(help: "Stop once no input has come for this many seconds (catching up, tests).")
    var stopWhenIdle: Double?

    @Option(help: ArgumentHelp("Keep up to N redacted prompt samples per alerted account as case evidence.", valueName: "N"))
    var keepSamples = 0

    @Flag(help: "Skip prompt text and prompt_simhash: no prompt features.")
    var noPromptFeatures = false

    @Option(help: "Skip lines longer than this many bytes.")
    var maxLineBytes = 1 << 20

    @Flag(help: "Quote the offending values in bad-line reports.")
    var verbose = false

    @Flag(help: "Print the run summary as one JSON line on standard output when the run stops.")
    var summaryJson = false

    @Option(help: .hidden) var rotationGrace = 2.0
    @Option(help: .hidden) var rescanEvery = 1.0
    @Option(help: .hidden) var settle = 2.0

    func validate() throws {
        if let t = threshold, !(0...1).contains(t) || t == 0 || t == 1 {
            throw ValidationError("--threshold must be between 0 and 1 (exclusive)")
        }
        if case .failure(let problem) = WindowSpec.parseList(window) { throw ValidationError("--window: \(problem)") }
        if maxLineBytes < 64 { throw ValidationError("--max-line-bytes must be at least 64") }
        for (name, v) in [("--checkpoint-every", checkpointEvery), ("--evaluate-every", evaluateEvery), ("--link-every", linkEvery)]
        where !(v > 0) {
            throw ValidationError("\(name) must be a positive number of seconds")
        }
        if keepSamples < 0 { throw ValidationError("--keep-samples must be 0 or more") }
        if let n = analysisThreads, !(1...64).contains(n) { throw ValidationError("--analysis-threads must be between 1 and 64") }
        if sources.filter({ $0 == "-" }).count > 1 { throw ValidationError("standard input (-) can be given once") }
        if filter != nil && interface == nil { throw ValidationError("--filter applies to a capture: give --interface too") }
        if summaryJson && alerts == "-" { throw ValidationError("--summary-json and --alerts - would share standard output") }
    }

    func run() throws {
        var options = TailOptions(sources: sources)
        options.interface = interface
        options.captureFilter = filter
        options.joinWindowSeconds = joinWindow
        options.accountsPath = accounts
        options.geoipPaths = geoip
        options.databasePath = db
        options.rulesDirectory = try rules.resolved()
        options.threshold = threshold
        options.windows = try WindowSpec.parseList(window).get()
        options.alertsPath = alerts
        options.fromStart = fromStart
        options.checkpointEvery = checkpointEvery
        options.evaluateEvery = evaluateEvery
        if let analysisThreads { options.analysisThreads = analysisThreads }
        options.linkEvery = linkEvery
        options.link = !noLink
        options.stopWhenIdle = stopWhenIdle
        options.keepSamples = keepSamples
        options.promptFeatures = !noPromptFeatures
        options.maxLineBytes = maxLineBytes
        options.verbose = verbose
        options.follow.graceSeconds = rotationGrace
        options.follow.rescanSeconds = rescanEvery
        options.follow.settleSeconds = settle

        let stop = StopFlag()
        // A closed pipe on --alerts - is an error to report (after a last checkpoint), not a signal to die of.
        signal(SIGPIPE, SIG_IGN)
        var signals: [any DispatchSourceSignal] = []
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { stop.stop() }
            source.resume()
            signals.append(source)
        }
        defer { for s in signals { s.cancel() } }

        var onSnapshot: ((BoardSnapshot) -> Void)?
        if board {
            let width = Terminal.columns()
            onSnapshot = { snapshot in
                // Home, clear, then the frame; the frame's log text is sanitised by TailBoard.
                let frame = "\u{1B}[H\u{1B}[2J" + TailBoard.render(snapshot, width: width)
                FileHandle.standardError.write(Data(frame.utf8))
            }
        }
        let summary = try TailRunner.run(options, stop: stop, logger: Logger(label: "trawl.tail"), onSnapshot: onSnapshot)
        Terminal.say(
            """
            trawl tail: \(summary.lines) lines (\(summary.events) requests) in \(String(format: "%.1f", summary.seconds)) s\
            \(summary.resumed ? ", resumed from a checkpoint" : ""), peak memory \(Terminal.bytes(summary.peakRSSBytes))
              alerts: \(summary.alerts) · cases opened: \(summary.casesOpened) · updated: \(summary.casesUpdated) · \
            cluster cases opened: \(summary.clusterCasesOpened) · updated: \(summary.clusterCasesUpdated) · \
            accounts in the windows: \(summary.accounts) · checkpoints: \(summary.checkpoints) · store: \(summary.database) (run \(summary.runID))
            """)
        if summary.badLines > 0 {
            let parts = summary.badByReason.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            Terminal.say("  bad lines skipped: \(summary.badLines) (\(parts))")
        }
        if summary.lateRequests > 0 {
            Terminal.say("  requests older than every window when they came (not counted): \(summary.lateRequests)")
        }
        if summaryJson { Terminal.emit(summary) }
    }
}
