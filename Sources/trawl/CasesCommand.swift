import ArgumentParser
import Foundation
import TrawlCases
import TrawlModel
import TrawlPipeline
import TrawlRules

struct CasesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cases",
        abstract: "List, inspect, update and export cases in the case store.",
        subcommands: [List.self, Show.self, Update.self, Export.self, Verify.self, Schema.self])

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

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write case files for enforcement: case.json, report.html, accounts.csv and manifest.json per case.",
            discussion: """
                Give case ids, --status or --all. Each case goes to DIR/case-<id>/ (an earlier
                export of it is replaced): case.json (schema: `trawl cases schema`), report.html
                (self-contained, opens offline), accounts.csv and manifest.json (SHA-256 of every
                other file; check with `trawl cases verify DIR`). E-mail addresses, phone numbers,
                API keys and card numbers in free text are masked unless --unredacted is given;
                every file records which. One JSON line per exported case on standard output
                (with manifest_sha256); progress and the summary on standard error.

                Exit status: 0 every case exported; 64 usage; 65 a case cannot be exported;
                66 no case store or an unknown case id; 74 a file cannot be written.

                Example:
                  trawl cases export 12 31 --db cases.sqlite --out case-files
                  trawl cases export --status confirmed --db cases.sqlite --out case-files --format json,csv
                  trawl cases verify case-files
                """)
        @OptionGroup var store: StoreOption
        @Argument(help: "Case ids to export.") var ids: [Int64] = []
        @Option(help: "Export every case with this status (repeatable): open, triaged, confirmed, dismissed, enforced.")
        var status: [String] = []
        @Flag(help: "Export every case.") var all = false
        @Option(help: "Folder to write the case folders into (created when missing).") var out: String
        @Option(help: "Files to write, comma-separated: json, html, csv (manifest.json always).") var format = "json,html,csv"
        @Flag(help: "Do not mask e-mail addresses, phone numbers, API keys and card numbers in free text.")
        var unredacted = false
        @OptionGroup var rules: RulesOption

        func validate() throws {
            let selectors = (ids.isEmpty ? 0 : 1) + (status.isEmpty ? 0 : 1) + (all ? 1 : 0)
            if selectors != 1 { throw ValidationError("give case ids, --status or --all (one of them)") }
            for s in status where CaseStatus(rawValue: s) == nil {
                throw ValidationError("unknown status \(s); use open, triaged, confirmed, dismissed or enforced")
            }
            _ = try formats()
        }

        func formats() throws -> [CaseExportFormat] {
            var out: [CaseExportFormat] = []
            for name in format.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !name.isEmpty {
                guard let f = CaseExportFormat(rawValue: name) else {
                    throw ValidationError("unknown format \(name); use json, html or csv")
                }
                if !out.contains(f) { out.append(f) }
            }
            if out.isEmpty { throw ValidationError("--format needs at least one of json, html, csv") }
            return out
        }

        func run() throws {
            let started = Date()
            let caseStore = try store.open()
            var selected = ids
            do {
                if !ids.isEmpty {
                    for id in ids where try caseStore.caseDetail(id: id) == nil {
                        throw CommandFailure(66, "case \(id) does not exist in \(store.db)")
                    }
                } else {
                    var filter = CaseFilter(sort: .id)
                    filter.statuses = Set(status.compactMap(CaseStatus.init(rawValue:)))
                    selected = try caseStore.listCases(filter).map(\.id)
                }
            } catch let e as CaseStoreError {
                throw CommandFailure(74, "\(store.db): \(e)")
            }
            var options = CaseExportOptions()
            options.formats = try formats()
            options.redaction = ExportRedaction(isOn: !unredacted)
            // Rule descriptions and references come from the rules folder, when there is one.
            if let folder = try? rules.resolved() {
                options.rules = try? RuleSet.load(directory: folder)
                options.rulesVersion = options.rules == nil ? nil : RulesDigest.of(directory: folder)
            }
            if options.rules == nil { Terminal.say("trawl cases export: no rules folder read; rule descriptions are left out") }
            let exporter = CaseExporter(store: caseStore, options: options)
            let total = selected.count
            var progress: (@Sendable (Int) -> Void)?
            if Terminal.isTerminal {
                progress = { (done: Int) in
                    if done % 25 == 0 || done == total {
                        FileHandle.standardError.write(Data("\r\u{1B}[Kexporting: \(done) of \(total) cases".utf8))
                    }
                }
            }
            let results = exporter.export(caseIDs: selected, into: out, progress: progress)
            Terminal.clearProgress()
            var failures: [CaseStoreError] = []
            for r in results {
                switch r {
                case .success(let result): Terminal.emit(result)
                case .failure(let e):
                    failures.append(e)
                    Terminal.error(e.description)
                }
            }
            let exported = results.count - failures.count
            Terminal.say(
                "trawl cases export: \(exported) of \(total) case(s) to \(out) in \(String(format: "%.2f", Date().timeIntervalSince(started))) s"
                    + " (\(unredacted ? "UNREDACTED" : "redacted"); \(options.formats.map(\.fileName).joined(separator: ", ")), manifest.json)"
            )
            if let first = failures.first {
                switch first.reason {
                case .cannotWrite: throw CommandFailure(74, "\(failures.count) case(s) not exported")
                case .unknownCase: throw CommandFailure(66, "\(failures.count) case(s) not exported")
                case .sqlFailed, .cannotOpen, .cannotRead: throw CommandFailure(74, "\(failures.count) case(s) not exported")
                default: throw CommandFailure(65, "\(failures.count) case(s) not exported")
                }
            }
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check exported case folders against their manifest.json (SHA-256 of every file).",
            discussion: """
                DIR is one case folder, or an export folder whose case folders are all checked.
                A file whose bytes changed, a listed file that is missing and a file the manifest
                does not list are each named on standard error; one JSON line per case folder on
                standard output.

                Exit status: 0 every folder intact; 65 a file changed, is missing or was added,
                or a manifest is not a Trawl manifest; 66 no such folder or no manifest.json in
                it; 74 a file cannot be read.

                Example:
                  trawl cases verify case-files
                  trawl cases verify case-files/case-12
                """)
        @Argument(help: "A case folder or an export folder.") var dir: String

        func run() throws {
            let checks: [ManifestCheck]
            do { checks = try CaseManifest.verify(path: dir) } catch let e as CaseStoreError {
                switch e.reason {
                case .noSuchPath, .noManifest: throw CommandFailure(66, e.description)
                default: throw CommandFailure(74, e.description)
                }
            }
            var bad = 0
            for check in checks {
                Terminal.emit(check)
                if !check.ok { bad += 1 }
                for p in check.problems {
                    Terminal.say(
                        "trawl cases verify: \(TerminalText.sanitize((check.folder as NSString).appendingPathComponent(p.file), limit: 300)): "
                            + "\(p.kind.rawValue): \(TerminalText.sanitize(p.detail, limit: 300))")
                }
            }
            let files = checks.reduce(0) { $0 + $1.filesListed }
            Terminal.say("trawl cases verify: \(checks.count) case folder(s), \(files) file(s) listed; \(bad) folder(s) altered")
            if bad > 0 { throw CommandFailure(65, "\(bad) case folder(s) do not match their manifest") }
        }
    }

    struct Schema: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the JSON Schema of case.json (the version this trawl writes).",
            discussion: """
                Example:
                  trawl cases schema > case.schema.json
                """)

        func run() throws {
            FileHandle.standardOutput.write(Data(CaseFileSchema.text.utf8))
        }
    }
}
