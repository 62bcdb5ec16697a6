import Foundation
import TrawlFeatures
import TrawlModel
import TrawlPrompts
import TrawlRules

/// Masks e-mail addresses, phone numbers, API keys and card numbers in the free text of
/// an export (or passes text through with `--unredacted`).
///
/// Free text is what a person or a client wrote: user agents, session ids, prompt
/// samples, notes, audit values, explanations and text feature values. Identifiers an
/// enforcement system acts on or looks up stay as they are: account ids, request ids,
/// client addresses, JA4 fingerprints, countries, ASNs, rule ids and case fields.
public struct ExportRedaction: Sendable {
    /// Whether text is redacted.
    public let isOn: Bool
    private let redactor = Redactor(maxCharacters: 4000)

    public init(isOn: Bool) { self.isOn = isOn }

    /// What is masked (`Redactor.Kind` names), empty when off.
    public var kinds: [String] { isOn ? Redactor.Kind.allCases.map(\.rawValue) : [] }

    /// The text with secrets and contact data masked (cut at 4,000 characters), or as it is.
    public func clean(_ text: String) -> String {
        isOn ? redactor.redact(text) : text
    }
}

extension CaseFile {
    /// The case file of a snapshot.
    ///
    /// - Parameters:
    ///   - snapshot: The case as read from the store.
    ///   - rules: The rule set of the rules folder at export time, for each fired rule's
    ///     description and references (`nil`: not available, they are `null` and empty).
    ///   - rulesVersion: That folder's digest (`RulesDigest`), recorded in `export`.
    ///   - redaction: Masks free text (see `ExportRedaction`).
    ///   - formats: The files written beside `case.json` (recorded in `export.formats`).
    ///   - exportedAt: The export time.
    public init(
        snapshot: CaseSnapshot, rules: RuleSet?, rulesVersion: String?, redaction: ExportRedaction,
        formats: [CaseExportFormat], exportedAt: Date
    ) {
        let summary = snapshot.detail.summary
        let clean = redaction.clean

        func firing(_ h: StoredRuleHit) -> RuleFiring {
            RuleFiring(
                ruleID: h.ruleID, title: h.title, weight: h.weight, tags: h.tags, explanation: clean(h.explanation),
                featureValues: Self.cleaned(h.values, clean))
        }

        var allDays: [(account: String, day: AccountDayRecord)] = []
        members = snapshot.members.map { m in
            var requests = 0
            let days = m.days.map { d -> Day in
                allDays.append((m.accountID, d))
                requests += Self.requests(d)
                return Day(
                    day: d.day, score: d.score, flagged: d.flagged, bias: d.bias, runID: d.lastRunID,
                    rules: d.hits.sorted(by: Self.heavierFirst).map(firing), features: Self.cleaned(d.features, clean),
                    evidence: Evidence(d.evidence, clean: clean))
            }
            return Member(
                accountID: m.accountID, score: m.days.map(\.score).max() ?? 0, flaggedDays: m.days.filter(\.flagged).count,
                firstDay: m.days.first?.day, lastDay: m.days.last?.day, requests: requests, days: days)
        }

        `case` = Case(
            id: summary.id, kind: summary.kind, subject: summary.subject, status: summary.status, title: summary.title,
            tags: summary.tags, createdAt: StorageFormat.time(summary.createdAt), updatedAt: StorageFormat.time(summary.updatedAt))
        recommendedAction = RecommendedAction(status: summary.status, score: summary.score)

        // The highest-scoring stored day explains the score (ties: the earliest day, then account).
        let best = allDays.max { a, b in
            a.day.score != b.day.score ? a.day.score < b.day.score : (a.day.day, a.account) > (b.day.day, b.account)
        }
        if let best {
            let hits = best.day.hits.sorted(by: Self.heavierFirst)
            score = Score(
                value: best.day.score, last: summary.lastScore, day: best.day.day, accountID: best.account, bias: best.day.bias,
                logOdds: best.day.bias + hits.reduce(0) { $0 + $1.weight }, rules: hits.map(firing))
        } else {
            score = Score(
                value: summary.score, last: summary.lastScore, day: summary.lastDay, accountID: summary.subject, bias: 0,
                logOdds: 0, rules: [])
        }

        let seen = allDays.compactMap { $0.day.evidence.firstSeen } + allDays.compactMap { $0.day.evidence.lastSeen }
        timeRange = TimeRange(
            firstDay: summary.firstDay, lastDay: summary.lastDay, firstSeen: seen.min().map(TimestampParser.format),
            lastSeen: seen.max().map(TimestampParser.format))

        // Every rule that fired on any day, by id; title, tags and weight from its last day.
        var fired: [String: (hit: StoredRuleHit, days: Int)] = [:]
        for (_, d) in allDays.sorted(by: { $0.day.day < $1.day.day }) {
            for h in d.hits { fired[h.ruleID] = (h, (fired[h.ruleID]?.days ?? 0) + 1) }
        }
        self.rules = fired.keys.sorted().map { id in
            let (hit, days) = fired[id]!
            let rule = rules?.rule(id: id)
            return RuleSummary(
                ruleID: id, title: hit.title, description: rule.map { $0.description }, references: rule?.references ?? [],
                tags: hit.tags, weight: hit.weight, daysFired: days)
        }

        let isAccountCase = summary.kind == .account
        let accountIDs = snapshot.members.map(\.accountID)
        let pairs = Set(snapshot.links.map { $0.accounts.sorted() })
        let possible = accountIDs.count * (accountIDs.count - 1) / 2
        cluster = Cluster(
            clusterID: snapshot.clusterID,
            members: accountIDs.map { ClusterMember(accountID: $0, role: isAccountCase ? .subject : .member) },
            links: snapshot.links.map { link in
                Link(
                    accounts: link.accounts, weight: link.weight,
                    shared: link.shared.map {
                        SharedArtifact(kind: $0.kind, value: clean($0.value), weight: $0.weight, accountsSharing: $0.accountsSharing)
                    })
            },
            cohesion: possible > 0 ? Double(pairs.count) / Double(possible) : nil)

        notes = snapshot.detail.notes.map {
            Note(author: $0.author, text: clean($0.text), createdAt: StorageFormat.time($0.createdAt))
        }
        audit = snapshot.detail.audit.map {
            AuditItem(
                at: StorageFormat.time($0.at), actor: $0.actor, action: $0.action, field: $0.field,
                oldValue: $0.oldValue.map(clean), newValue: $0.newValue.map(clean))
        }

        let runs = snapshot.runs.sorted { $0.id < $1.id }
        var sourceFiles: [SourceFile] = []
        var known: Set<SourceFile> = []
        for run in runs {
            for f in run.files {
                let file = SourceFile(path: f.path, size: f.size, sha256: f.sha256)
                if known.insert(file).inserted { sourceFiles.append(file) }
            }
        }
        provenance = Provenance(
            trawlVersion: runs.last?.provenance?.trawlVersion, rulesVersion: runs.last?.provenance?.rulesVersion,
            runs: runs.map { r in
                Run(
                    runID: r.id, startedAt: StorageFormat.time(r.startedAt),
                    finishedAt: r.summary.map { StorageFormat.time($0.finishedAt) },
                    status: r.status, trawlVersion: r.provenance?.trawlVersion, rulesVersion: r.provenance?.rulesVersion,
                    inputs: r.files.map { SourceFile(path: $0.path, size: $0.size, sha256: $0.sha256) })
            },
            sourceFiles: sourceFiles)

        counts = Counts(
            accounts: members.count, days: allDays.count, flaggedDays: allDays.filter(\.day.flagged).count,
            requests: members.reduce(0) { $0 + $1.requests }, rulesFired: fired.count, links: snapshot.links.count,
            sourceFiles: sourceFiles.count, notes: notes.count)
        export = Export(
            exportedAt: StorageFormat.time(exportedAt), trawlVersion: TrawlVersion.current, rulesVersion: rulesVersion,
            redacted: redaction.isOn, redactedKinds: redaction.kinds, formats: formats.map(\.rawValue))
    }

    /// Requests of a stored day (its `requests` feature; 0 when unknown).
    static func requests(_ day: AccountDayRecord) -> Int {
        Int(day.features["requests"]?.number ?? 0)
    }

    /// Heaviest rule first; ties by rule id.
    static func heavierFirst(_ a: StoredRuleHit, _ b: StoredRuleHit) -> Bool {
        a.weight != b.weight ? a.weight > b.weight : a.ruleID < b.ruleID
    }

    /// Feature values with text values cleaned.
    static func cleaned(_ values: [String: FeatureValue], _ clean: (String) -> String) -> [String: FeatureValue] {
        values.mapValues { v in
            if case .text(let s) = v { return .text(clean(s)) }
            return v
        }
    }
}

extension CaseFile.Evidence {
    /// The stored evidence of a day, free text cleaned.
    init(_ e: AccountEvidence, clean: (String) -> String) {
        func counted(_ list: [CountedValue], cleaning: Bool) -> [CaseFile.Counted] {
            list.map { CaseFile.Counted(value: cleaning ? clean($0.value) : $0.value, requests: $0.count) }
        }
        let sessions = e.requestSessions ?? []
        self.init(
            firstSeen: e.firstSeen.map(TimestampParser.format), lastSeen: e.lastSeen.map(TimestampParser.format),
            requests: e.requestIDs.enumerated().map { i, id in
                CaseFile.SampleRequest(requestID: id, sessionID: (i < sessions.count ? sessions[i] : nil).map(clean))
            },
            hourly: e.hourly, topIPs: counted(e.topIPs, cleaning: false), topUserAgents: counted(e.topUserAgents, cleaning: true),
            topJA4s: e.topJA4s.map { counted($0, cleaning: false) }, topCountries: e.topCountries.map { counted($0, cleaning: false) },
            topASNs: e.topASNs.map { counted($0, cleaning: false) },
            addressKinds: e.addressKinds.map {
                CaseFile.AddressKinds(
                    known: $0.known, anonymityCovered: $0.anonymityCovered, residentialProxy: $0.residentialProxy, vpn: $0.vpn,
                    hosting: $0.hosting, tor: $0.tor, allowlisted: $0.allowlisted)
            },
            promptSamples: (e.promptSamples ?? []).map(clean))
    }
}
