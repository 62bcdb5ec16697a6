import ArgumentParser
import Foundation
import TrawlCases
import TrawlModel

struct CasesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cases",
        abstract: "List, inspect and update cases in the case store.",
        subcommands: [List.self, Show.self, Update.self])

    struct StoreOption: ParsableArguments {
        @Option(help: "Case store (SQLite file).") var db = "trawl.sqlite"

        func open() throws -> CaseStore {
            guard FileManager.default.fileExists(atPath: db) else {
                throw CommandFailure(66, "\(db): no case store here; run trawl analyze first or pass --db FILE")
            }
            do { return try CaseStore(path: db) } catch { throw CommandFailure(74, "\(db): \(error)") }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List cases, highest score first.",
            discussion: """
                Example:
                  trawl cases list --db cases.sqlite --status open --min-score 0.9
                  trawl cases list --db cases.sqlite --tag pooling --json | jq .subject
                """)
        @OptionGroup var store: StoreOption
        @Option(help: "Only cases with this status (repeatable): open, triaged, confirmed, dismissed, enforced.")
        var status: [String] = []
        @Option(help: "Only cases scoring at least this.") var minScore: Double?
        @Option(help: "Only cases with this tag.") var tag: String?
        @Option(help: "Only cases whose subject (account id) contains this text.") var subject: String?
        @Option(help: "Sort by score, id, updated or last_day.") var sort = "score"
        @Option(help: "At most this many cases.") var limit = 50
        @Flag(help: "One JSON object per case on standard output.") var json = false

        func run() throws {
            var filter = CaseFilter()
            for s in status {
                guard let st = CaseStatus(rawValue: s) else {
                    throw ValidationError("unknown status \(s); use open, triaged, confirmed, dismissed or enforced")
                }
                filter.statuses.insert(st)
            }
            guard let order = CaseSort(rawValue: sort) else {
                throw ValidationError("unknown sort \(sort); use score, id, updated or last_day")
            }
            filter.sort = order
            filter.minimumScore = minScore
            filter.tag = tag
            filter.subjectContains = subject
            filter.limit = limit
            let cases = try store.open().listCases(filter)
            if json {
                for c in cases { Terminal.emit(c) }
                return
            }
            Terminal.say(" id  score  status     days                     subject / title")
            for c in cases {
                let days = c.firstDay == c.lastDay ? c.firstDay : "\(c.firstDay)..\(c.lastDay)"
                Terminal.say(
                    String(
                        format: "%3lld  %.3f  %@ %@ %@", c.id, c.score,
                        c.status.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0),
                        days.padding(toLength: 24, withPad: " ", startingAt: 0), TerminalText.sanitize(c.subject, limit: 40)))
                Terminal.say(
                    "                                           \(TerminalText.sanitize(c.title, limit: 80)) [\(c.tags.joined(separator: ", "))]"
                )
            }
            Terminal.say("\(cases.count) case(s)")
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show one case: scores by day, the rules behind them, evidence, notes and audit trail.",
            discussion: "Example:\n  trawl cases show 12 --db cases.sqlite")
        @OptionGroup var store: StoreOption
        @Argument(help: "Case id.") var id: Int64
        @Flag(help: "The case as one JSON object on standard output.") var json = false

        func run() throws {
            guard let detail = try store.open().caseDetail(id: id) else {
                throw CommandFailure(66, "case \(id) does not exist in \(store.db)")
            }
            if json {
                Terminal.emit(detail)
                return
            }
            let c = detail.summary
            Terminal.say(
                "case \(c.id) · \(c.kind.rawValue) \(TerminalText.sanitize(c.subject)) · \(c.status.rawValue) · score \(String(format: "%.3f", c.score))"
            )
            Terminal.say("  \(TerminalText.sanitize(c.title)) · days \(c.firstDay)..\(c.lastDay) · tags \(c.tags.joined(separator: ", "))")
            for day in detail.days {
                Terminal.say(
                    "\n  \(day.day): score \(String(format: "%.3f", day.score))\(day.flagged ? " (flagged)" : "") = logistic(bias \(day.bias) + rules)"
                )
                for h in day.hits {
                    Terminal.say(
                        String(format: "    %+5.2f ", h.weight) + "\(h.ruleID): \(TerminalText.sanitize(h.explanation, limit: 160))")
                }
                let shown = [
                    "requests", "distinct_ips", "distinct_networks", "distinct_user_agents", "hour_entropy", "longest_idle_gap_hours",
                    "peak_concurrency", "plan_window_saturation", "rate_limited_share", "plan",
                ]
                let values = shown.compactMap { k in day.features[k].map { "\(k)=\(TerminalText.sanitize($0.description, limit: 30))" } }
                Terminal.say("    features: " + values.joined(separator: " "))
                // Kept only with `analyze --keep-samples`; prompt text is the sender's, so sanitized.
                for sample in day.evidence.promptSamples ?? [] {
                    Terminal.say("    prompt sample: \(TerminalText.sanitize(sample, limit: 300))")
                }
            }
            if !detail.evidence.isEmpty {
                Terminal.say("\n  evidence:")
                // Most used first within each day and kind.
                for e in detail.evidence.sorted(by: {
                    ($0.day, $0.kind.rawValue, -$0.count, $0.value) < ($1.day, $1.kind.rawValue, -$1.count, $1.value)
                }) {
                    Terminal.say(
                        "    \(e.day) \(e.kind.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)) \(String(e.count).padding(toLength: 6, withPad: " ", startingAt: 0)) \(TerminalText.sanitize(e.value, limit: 120))"
                    )
                }
            }
            if !detail.notes.isEmpty {
                Terminal.say("\n  notes:")
                for n in detail.notes {
                    Terminal.say("    \(n.createdAt) \(TerminalText.sanitize(n.author)): \(TerminalText.sanitize(n.text, limit: 500))")
                }
            }
            Terminal.say("\n  audit:")
            for a in detail.audit {
                var line = "    \(a.at) \(TerminalText.sanitize(a.actor)) \(a.action)"
                if let f = a.field {
                    line +=
                        " \(f): \(TerminalText.sanitize(a.oldValue ?? "-", limit: 60)) → \(TerminalText.sanitize(a.newValue ?? "-", limit: 60))"
                }
                Terminal.say(line)
            }
        }
    }

    struct Update: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change a case's status and/or add a note; every change is audited.",
            discussion: """
                Statuses: open → triaged → confirmed or dismissed → enforced (see README).
                Example:
                  trawl cases update 12 --db cases.sqlite --status confirmed --note "shares card with case 9"
                """)
        @OptionGroup var store: StoreOption
        @Argument(help: "Case id.") var id: Int64
        @Option(help: "New status: open, triaged, confirmed, dismissed or enforced.") var status: String?
        @Option(help: "A note to add.") var note: String?
        @Option(help: "Who makes the change (default: $USER).") var actor: String?

        func validate() throws {
            if status == nil && note == nil { throw ValidationError("give --status, --note or both") }
            if let s = status, CaseStatus(rawValue: s) == nil {
                throw ValidationError("unknown status \(s); use open, triaged, confirmed, dismissed or enforced")
            }
        }

        func run() throws {
            let who = actor ?? ProcessInfo.processInfo.environment["USER"] ?? "analyst"
            do {
                let detail = try store.open().update(
                    caseID: id, status: status.flatMap(CaseStatus.init(rawValue:)), note: note, actor: who, at: Date())
                Terminal.say("case \(id): \(detail.summary.status.rawValue)")
            } catch let e as CaseStoreError {
                throw CommandFailure(65, e.description)
            }
        }
    }
}
