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
        @Option(help: "Only cases whose subject (account id, or cluster-… for a cluster) contains this text.") var subject: String?
        @Option(help: "Only cases of this kind: account or cluster.") var kind: String?
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
            if let kind {
                guard let k = CaseKind(rawValue: kind) else { throw ValidationError("unknown kind \(kind); use account or cluster") }
                filter.kind = k
            }
            filter.limit = limit
            let cases = try store.open().listCases(filter)
            if json {
                for c in cases { Terminal.emit(c) }
                return
            }
            Terminal.say(" id  score  status     days                     subject / title")
            for c in cases {
                let days = c.firstDay == c.lastDay ? c.firstDay : "\(c.firstDay)..\(c.lastDay)"
                // A cluster case names its size, and the case it was merged into.
                var subject = TerminalText.sanitize(c.subject, limit: 40)
                if let n = c.members { subject += " (\(n) account\(n == 1 ? "" : "s")\(c.mergedInto.map { ", merged into \($0)" } ?? ""))" }
                Terminal.say(
                    String(
                        format: "%3lld  %.3f  %@ %@ %@", c.id, c.score,
                        c.status.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0),
                        days.padding(toLength: 24, withPad: " ", startingAt: 0), subject))
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
            if let cluster = detail.cluster { Self.showCluster(cluster) }
            if !detail.clusterCases.isEmpty {
                Terminal.say(
                    "  member of cluster case\(detail.clusterCases.count == 1 ? "" : "s") \(detail.clusterCases.map(String.init).joined(separator: ", "))"
                )
            }
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

        /// A cluster case: its members, its verdict on each input, and what links whom.
        static func showCluster(_ cluster: ClusterDetail) {
            if let into = cluster.mergedInto { Terminal.say("  merged into case \(into)") }
            let active = cluster.members.filter(\.active)
            Terminal.say("\n  members (\(active.count) active, \(cluster.members.count - active.count) left):")
            for m in cluster.members {
                Terminal.say(
                    String(format: "    %.3f %@ ", m.score, m.flagged ? "flagged" : "       ")
                        + "\(TerminalText.sanitize(m.accountID, limit: 60)) · \(m.firstDay == m.lastDay ? m.firstDay : "\(m.firstDay)..\(m.lastDay)")"
                        + (m.active ? "" : " · left"))
            }
            for day in cluster.days {
                Terminal.say(
                    "\n  \(day.firstDay == day.day ? day.day : "\(day.firstDay)..\(day.day)"): \(day.members) accounts, score \(String(format: "%.3f", day.score))\(day.flagged ? " (flagged)" : "") = logistic(bias \(day.bias) + rules)"
                )
                for h in day.hits {
                    Terminal.say(
                        String(format: "    %+5.2f ", h.weight) + "\(h.ruleID): \(TerminalText.sanitize(h.explanation, limit: 160))")
                }
                let shown = [
                    "cluster_size", "cluster_flagged_accounts", "cluster_mean_score", "cluster_cohesion", "cluster_link_bits",
                    "cluster_requests", "cluster_signup_burst_share", "cluster_org_share",
                ]
                let values = shown.compactMap { k in day.features[k].map { "\(k.dropFirst(8))=\($0.description)" } }
                Terminal.say("    features: " + values.joined(separator: " "))
                let kinds = ["addresses", "networks", "coactivity", "sessions", "clients", "templates", "cards", "signups"]
                let shared = kinds.compactMap { k in day.features["cluster_shared_" + k].map { "\(k) \($0.description)" } }
                Terminal.say("    shared: " + shared.joined(separator: " · "))
            }
            guard !cluster.links.isEmpty else { return }
            Terminal.say("\n  what links them (strongest first, at most 8 per kind and day):")
            var shown: [String: Int] = [:]
            for l in cluster.links {
                let key = l.day + l.kind
                shown[key, default: 0] += 1
                guard shown[key]! <= 8 else { continue }
                let names = l.accounts.prefix(6).map { TerminalText.sanitize($0, limit: 40) }.joined(separator: ", ")
                let more = l.accounts.count > 6 ? " +\(l.accounts.count - 6) more" : ""
                Terminal.say(
                    "    \(l.day) \(l.kind.padding(toLength: 10, withPad: " ", startingAt: 0)) \(TerminalText.sanitize(l.value, limit: 70))"
                        + String(format: " · %.1f bits · ", l.bits) + "\(l.accounts.count) of \(l.holders) holders: \(names)\(more)")
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
