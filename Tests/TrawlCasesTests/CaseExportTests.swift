import Foundation
import TestSupport
import Testing
import TrawlFeatures
import TrawlRules

@testable import TrawlCases

/// The digest every fixture run records for its one input.
let fixtureSHA = "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"

/// A flagged or unflagged day with every kind of evidence a case file shows.
func richResult(
    _ account: String, _ dayText: String, score: Double, flagged: Bool = true, userAgent: String = "claude-cli/1.0.3",
    session: String? = "sess-1", prompt: String? = nil
) -> Result {
    var r = result(account, dayText, score: score, flagged: flagged, userAgents: [CountedValue(userAgent, 150)])
    r.features.evidence.requestSessions = [session, nil]
    r.features.evidence.hourly = (0..<24).map { $0 < 6 ? 0 : $0 * 2 }
    r.features.evidence.topJA4s = [CountedValue("t13d1516h2_8daaf6152771_e5627efa2ab1", 180)]
    r.features.evidence.topCountries = [CountedValue("US", 120), CountedValue("BR", 80)]
    r.features.evidence.topASNs = [CountedValue("AS64500", 150)]
    var kinds = AddressKindCounts()
    kinds.known = 200
    kinds.anonymityCovered = 200
    kinds.residentialProxy = 140
    r.features.evidence.addressKinds = kinds
    if let prompt { r.features.evidence.promptSamples = [prompt] }
    return r
}

/// A file store holding: case 1 (acct-1, two days, one note, confirmed), case 2 (acct-2,
/// open, free text with secrets), case 3 (acct-3, enforced); one run with one input file.
func exportFixture(_ body: (CaseStore, TemporaryDirectory) throws -> Void) throws {
    let dir = try TemporaryDirectory("trawl-export")
    defer { dir.remove() }
    let store = try CaseStore(path: dir.file("cases.sqlite"))
    let run = try store.beginRun(
        inputs: ["logs/day.jsonl.gz"], inputDigest: "x", at: time(0),
        provenance: RunProvenance(trawlVersion: "0.1.0", rulesVersion: "sha256:" + fixtureSHA),
        files: [RunInputFile(path: "logs/day.jsonl.gz", size: 4096, sha256: fixtureSHA)])
    _ = try store.record(
        runID: run,
        results: [
            richResult("acct-1", "2025-03-01", score: 0.93, hits: [manyIPs, aroundTheClock]),
            richResult("acct-1", "2025-03-02", score: 0.2, flagged: false),
            richResult(
                "acct-2", "2025-03-01", score: 0.99, userAgent: "bot (ops@example.com)", session: "sk-ant-api03-AbCdEf1234567890XyZ",
                prompt: "my card is 4111 1111 1111 1111, call +44 20 7946 0958"),
            richResult("acct-3", "2025-03-01", score: 0.7),
        ], at: time(0))
    _ = try store.update(caseID: 1, status: .confirmed, note: "same card as acct-9; mail ana@example.org", actor: "ana", at: time(60))
    _ = try store.update(caseID: 3, status: .confirmed, note: nil, actor: "ana", at: time(70))
    _ = try store.update(caseID: 3, status: .enforced, note: nil, actor: "ben", at: time(80))
    try body(store, dir)
}

func richResult(
    _ account: String, _ dayText: String, score: Double, flagged: Bool = true, hits: [RuleHit], userAgent: String = "claude-cli/1.0.3"
) -> Result {
    var r = richResult(account, dayText, score: score, flagged: flagged, userAgent: userAgent)
    r.assessment.hits = hits
    return r
}

/// Reads a file of an export.
func contents(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

@Suite("Case export: case.json, report.html, accounts.csv, manifest")
struct CaseExportTests {
    static let validator = JSONSchemaValidator(schema: try! JSONValue.parse(Data(CaseFileSchema.text.utf8)))

    func export(_ store: CaseStore, _ out: String, redacted: Bool = true, rules: RuleSet? = nil) throws -> [CaseExportResult] {
        var options = CaseExportOptions()
        options.redaction = ExportRedaction(isOn: redacted)
        options.rules = rules
        options.exportedAt = time(3600)
        return try CaseExporter(store: store, options: options).export(caseIDs: [1, 2, 3], into: out).map { try $0.get() }
    }

    @Test("the schema compiled into the module is the shipped file")
    func schemaIsTheShippedFile() throws {
        let shipped = try String(contentsOfFile: repositoryRoot() + "/Sources/TrawlCases/case.schema.json", encoding: .utf8)
        #expect(CaseFileSchema.text == shipped)
        #expect(Self.validator.schema["$id"] == .string(CaseFileSchema.id))
    }

    @Test("every exported case.json is valid against the shipped schema", arguments: [true, false])
    func everyCaseFileIsValid(redacted: Bool) throws {
        try exportFixture { store, dir in
            let results = try export(store, dir.file("out"), redacted: redacted)
            #expect(results.map(\.caseID) == [1, 2, 3])
            for r in results {
                #expect(r.files == ["case.json", "report.html", "accounts.csv", "manifest.json"])
                let json = try JSONValue.parse(contents(r.folder + "/case.json"))
                #expect(Self.validator.errors(json) == [], "case \(r.caseID)")
                #expect(json["case"]?["id"] == .integer(r.caseID))
                #expect(json["export"]?["redacted"] == .bool(redacted))
            }
        }
    }

    /// Each mutation breaks one rule of the schema; the validator must notice, or the
    /// test above could not fail.
    @Test(
        "the validator rejects what the schema forbids",
        arguments: [
            ("schema_version", "2", "$.schema_version"),
            ("format", #""other""#, "$.format"),
            ("recommended_action", #"{"action":"ban","priority":"high","reason":""}"#, "$.recommended_action.action"),
            ("counts", #"{"accounts":1}"#, "$.counts: missing required days"),
            ("surprise", "1", "$: unexpected property surprise"),
            (
                "time_range", #"{"first_day":"2025-3-1","last_day":"2025-03-01","first_seen":null,"last_seen":null}"#,
                "$.time_range.first_day"
            ),
        ])
    func validatorRejects(key: String, replacement: String, expected: String) throws {
        try exportFixture { store, dir in
            let folder = try export(store, dir.file("out"))[0].folder
            var object = try JSONSerialization.jsonObject(with: contents(folder + "/case.json")) as! [String: Any]
            object[key] = try JSONSerialization.jsonObject(with: Data(replacement.utf8), options: .fragmentsAllowed)
            let mutated = try JSONValue.parse(JSONSerialization.data(withJSONObject: object))
            let errors = Self.validator.errors(mutated)
            #expect(errors.contains { $0.hasPrefix(expected) }, "\(errors)")
        }
    }

    @Test("the validator checks nested evidence: 23 hours, an upper-case digest, a missing day field")
    func validatorChecksNestedValues() throws {
        try exportFixture { store, dir in
            let folder = try export(store, dir.file("out"))[0].folder
            var text = try String(decoding: contents(folder + "/case.json"), as: UTF8.self)
            text = text.replacingOccurrences(of: fixtureSHA, with: fixtureSHA.uppercased())
            text = text.replacingOccurrences(of: "\"run_id\" : 1,", with: "")
            var object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
            var members = object["members"] as! [[String: Any]]
            var days = members[0]["days"] as! [[String: Any]]
            var evidence = days[0]["evidence"] as! [String: Any]
            evidence["hourly"] = Array(repeating: 1, count: 23)
            days[0]["evidence"] = evidence
            members[0]["days"] = days
            object["members"] = members
            let errors = Self.validator.errors(try JSONValue.parse(JSONSerialization.data(withJSONObject: object)))
            #expect(errors.contains { $0.hasPrefix("$.members[0].days[0].evidence.hourly: matches 0 of oneOf") })
            #expect(errors.contains { $0.hasPrefix("$.provenance.source_files[0].sha256") })
            #expect(errors.contains { $0.hasPrefix("$.members[0].days[0]: missing required run_id") })
        }
    }

    @Test("case.json explains the score, lists members, rules, notes and provenance")
    func caseFileContent() throws {
        try exportFixture { store, dir in
            let rules = try RuleSet(
                yaml: """
                    rules:
                      - id: many_ips
                        title: Many client addresses
                        description: A pool uses dozens of addresses a day.
                        when: distinct_ips > 30
                        weight: 2
                        references: ["https://example.org/pools"]
                    """)
            _ = try export(store, dir.file("out"), rules: rules)
            let file = try JSONDecoder().decode(CaseFile.self, from: contents(dir.file("out/case-1/case.json")))
            #expect(file.case.id == 1 && file.case.status == .confirmed && file.case.subject == "acct-1")
            #expect(file.recommendedAction == RecommendedAction(status: .confirmed, score: 0.93))
            #expect(file.recommendedAction.action == .suspend)
            #expect(file.score.value == 0.93 && file.score.day == "2025-03-01" && file.score.accountID == "acct-1")
            #expect(file.score.rules.map(\.ruleID) == ["many_ips", "around_the_clock"])  // heaviest first
            #expect(file.score.logOdds == -4 + 2.0 + 1.5)
            #expect(file.score.rules[1].featureValues == ["active_hours": .number(23), "hour_entropy": .number(4.4)])
            #expect(file.members.count == 1 && file.members[0].days.map(\.day) == ["2025-03-01", "2025-03-02"])
            #expect(file.members[0].flaggedDays == 1 && file.members[0].requests == 400)
            let evidence = file.members[0].days[0].evidence
            #expect(evidence.hourly?.reduce(0, +) == (6..<24).reduce(0) { $0 + $1 * 2 })
            #expect(evidence.requests.map(\.requestID) == ["req-1", "req-2"] && evidence.requests.map(\.sessionID) == ["sess-1", nil])
            #expect(evidence.topCountries?.map(\.value) == ["US", "BR"] && evidence.addressKinds?.residentialProxy == 140)
            #expect(file.cluster.members.map(\.accountID) == ["acct-1"] && file.cluster.links == [] && file.cluster.cohesion == nil)
            #expect(file.rules.map(\.ruleID) == ["around_the_clock", "many_ips"])
            #expect(
                file.rules[1].description == "A pool uses dozens of addresses a day."
                    && file.rules[1].references == ["https://example.org/pools"])
            #expect(file.rules[0].description == nil && file.rules[0].daysFired == 1)
            #expect(file.notes.map(\.author) == ["ana"] && file.audit.map(\.action) == ["opened", "status_changed", "note_added"])
            #expect(file.provenance.sourceFiles == [CaseFile.SourceFile(path: "logs/day.jsonl.gz", size: 4096, sha256: fixtureSHA)])
            #expect(file.provenance.trawlVersion == "0.1.0" && file.provenance.rulesVersion == "sha256:" + fixtureSHA)
            #expect(file.provenance.runs.map(\.runID) == [1])
            #expect(
                file.counts
                    == CaseFile.Counts(
                        accounts: 1, days: 2, flaggedDays: 1, requests: 400, rulesFired: 2, links: 0, sourceFiles: 1, notes: 1))
            #expect(file.timeRange.firstSeen == "2025-03-01T00:00:00.000Z")
            #expect(file.export.exportedAt == "2025-03-01T01:00:00.000Z" && file.export.formats == ["json", "html", "csv"])
            let enforced = try JSONDecoder().decode(CaseFile.self, from: contents(dir.file("out/case-3/case.json")))
            #expect(enforced.recommendedAction.action == .alreadyEnforced)
            let open = try JSONDecoder().decode(CaseFile.self, from: contents(dir.file("out/case-2/case.json")))
            #expect(open.recommendedAction.action == .review && open.recommendedAction.priority == .high)
        }
    }

    @Test("recommended actions follow status and score", arguments: CaseStatus.allCases)
    func recommendedAction(status: CaseStatus) {
        let high = RecommendedAction(status: status, score: 0.95), low = RecommendedAction(status: status, score: 0.6)
        switch status {
        case .open, .triaged:
            #expect(high.action == .review && high.priority == .high && low.priority == .normal)
        case .confirmed: #expect(high.action == .suspend && low.action == .suspend)
        case .dismissed: #expect(high.action == .noAction && low.priority == .low)
        case .enforced: #expect(high.action == .alreadyEnforced)
        }
    }

    @Test("free text is masked in every file unless the export is unredacted", arguments: [true, false])
    func redaction(redacted: Bool) throws {
        try exportFixture { store, dir in
            _ = try export(store, dir.file("out"), redacted: redacted)
            let secrets = ["ops@example.com", "sk-ant-api03-AbCdEf1234567890XyZ", "4111 1111 1111 1111", "+44 20 7946 0958"]
            for name in ["case.json", "report.html"] {
                let text = String(decoding: try contents(dir.file("out/case-2/\(name)")), as: UTF8.self)
                for secret in secrets { #expect(text.contains(secret) == !redacted, "\(name): \(secret)") }
                for placeholder in ["[email]", "[key]", "[card]", "[phone]"] {
                    #expect(text.contains(placeholder) == redacted, "\(name): \(placeholder)")
                }
                // Identifiers an enforcement system acts on are never masked.
                #expect(text.contains("acct-2") && text.contains("req-1") && text.contains("203.0.113.7"))
            }
            let note = String(decoding: try contents(dir.file("out/case-1/case.json")), as: UTF8.self)
            #expect(note.contains("ana@example.org") == !redacted)
            let manifest = try JSONValue.parse(contents(dir.file("out/case-2/manifest.json")))
            #expect(manifest["redacted"] == .bool(redacted))
            let html = String(decoding: try contents(dir.file("out/case-2/report.html")), as: UTF8.self)
            #expect(html.contains("UNREDACTED export") == !redacted)
        }
    }

    @Test(
        "an untouched export verifies; a changed byte, a missing or an added file does not",
        arguments: ["case.json", "report.html", "accounts.csv"])
    func verification(file: String) throws {
        try exportFixture { store, dir in
            let folder = try export(store, dir.file("out"))[1].folder
            #expect(try CaseManifest.verify(path: dir.file("out")).map(\.ok) == [true, true, true])
            let path = folder + "/" + file
            let original = try contents(path)
            var changed = original
            changed[changed.count / 2] ^= 0x01
            try changed.write(to: URL(fileURLWithPath: path))
            let check = try CaseManifest.verify(folder: folder)
            #expect(!check.ok && check.caseID == 2 && check.filesListed == 3)
            #expect(check.problems.map(\.file) == [file] && check.problems.map(\.kind) == [.changed])
            #expect(check.problems[0].detail.contains(CaseManifest.sha256(changed)))
            // The other cases are still intact.
            #expect(try CaseManifest.verify(path: dir.file("out")).map(\.ok) == [true, false, true])

            try original.write(to: URL(fileURLWithPath: path))
            #expect(try CaseManifest.verify(folder: folder).ok)
            try FileManager.default.removeItem(atPath: path)
            #expect(try CaseManifest.verify(folder: folder).problems.map(\.kind) == [.missing])
            try original.write(to: URL(fileURLWithPath: path))
            try Data("x".utf8).write(to: URL(fileURLWithPath: folder + "/extra.txt"))
            #expect(try CaseManifest.verify(folder: folder).problems.map { "\($0.file) \($0.kind)" } == ["extra.txt unlisted"])
        }
    }

    @Test("a manifest that is not Trawl's, or names a path outside its folder, fails verification")
    func badManifests() throws {
        try exportFixture { store, dir in
            let folder = try export(store, dir.file("out"))[0].folder
            let manifest = folder + "/manifest.json"
            var text = String(decoding: try contents(manifest), as: UTF8.self)
            text = text.replacingOccurrences(of: "\"path\" : \"accounts.csv\"", with: "\"path\" : \"../case-2/accounts.csv\"")
            try Data(text.utf8).write(to: URL(fileURLWithPath: manifest))
            let check = try CaseManifest.verify(folder: folder)
            #expect(
                check.problems.map { "\($0.file) \($0.kind.rawValue)" } == ["../case-2/accounts.csv unsafe_path", "accounts.csv unlisted"])
            try Data("{}".utf8).write(to: URL(fileURLWithPath: manifest))
            #expect(try CaseManifest.verify(folder: folder).problems.map(\.kind) == [.invalidManifest])
            let missing = #expect(throws: CaseStoreError.self) { try CaseManifest.verify(path: dir.file("nothing")) }
            #expect(missing?.reason == .noSuchPath(dir.file("nothing")))
            let none = #expect(throws: CaseStoreError.self) { try CaseManifest.verify(path: dir.path) }
            #expect(none?.reason == .noManifest(path: dir.path))
        }
    }

    @Test("exporting again replaces each folder and leaves no temporary folder behind")
    func exportAgain() throws {
        try exportFixture { store, dir in
            let out = dir.file("out")
            let first = try export(store, out)
            try Data("stale".utf8).write(to: URL(fileURLWithPath: first[0].folder + "/stale.txt"))
            _ = try store.update(caseID: 2, status: .dismissed, note: nil, actor: "ana", at: time(90))
            let second = try export(store, out)
            #expect(try FileManager.default.contentsOfDirectory(atPath: out).sorted() == ["case-1", "case-2", "case-3"])
            #expect(!FileManager.default.fileExists(atPath: first[0].folder + "/stale.txt"))
            #expect(try CaseManifest.verify(path: out).allSatisfy(\.ok))
            #expect(second[1].manifestSHA256 != first[1].manifestSHA256)
            let csv = String(decoding: try contents(second[1].folder + "/accounts.csv"), as: UTF8.self)
            #expect(csv.contains(",dismissed,no_action,low,"))
        }
    }

    @Test("the manifest's SHA-256 and the files' digests are those of the bytes on disk")
    func digestsMatchCoreutils() throws {
        try exportFixture { store, dir in
            let r = try export(store, dir.file("out"))[0]
            let sums = try runCommand(
                "/usr/bin/sha256sum", ["case.json", "report.html", "accounts.csv", "manifest.json"].map { r.folder + "/" + $0 })
            let lines = sums.stdout.split(separator: "\n").map { $0.split(separator: " ").first.map(String.init) ?? "" }
            let manifest = try JSONDecoder().decode(CaseManifest.self, from: contents(r.folder + "/manifest.json"))
            let listed = Dictionary(uniqueKeysWithValues: manifest.files.map { ($0.path, $0.sha256) })
            #expect(lines == [listed["case.json"], listed["report.html"], listed["accounts.csv"], r.manifestSHA256])
        }
    }

    @Test("accounts.csv is RFC 4180: quoted fields, doubled quotes, CRLF")
    func csvQuoting() throws {
        try exportFixture { store, dir in
            try store.recordRun([result("acct,\"odd\"", "2025-03-01", score: 0.8)], at: time(100))
            var options = CaseExportOptions()
            options.formats = [.csv]
            let r = try CaseExporter(store: store, options: options).export(caseID: 4, into: dir.file("out"))
            #expect(r.files == ["accounts.csv", "manifest.json"])
            let csv = String(decoding: try contents(r.folder + "/accounts.csv"), as: UTF8.self)
            let lines = csv.components(separatedBy: "\r\n")
            #expect(lines[0] == AccountsCSVWriter.header.joined(separator: ","))
            #expect(lines[1].hasPrefix(#"4,"acct,""odd""",subject,open,review,normal,0.800,1,2025-03-01,2025-03-01,200,"#))
            #expect(lines[1].hasSuffix("around_the_clock many_ips") && lines[2] == "" && lines.count == 3)
        }
    }

    @Test("an unknown case id is an error naming it")
    func unknownCase() throws {
        try exportFixture { store, dir in
            let results = CaseExporter(store: store, options: CaseExportOptions()).export(caseIDs: [1, 99], into: dir.file("out"))
            #expect((try? results[0].get()) != nil)
            guard case .failure(let e) = results[1] else {
                Issue.record("case 99 was exported")
                return
            }
            #expect(e.reason == .unknownCase(id: 99))
        }
    }

    /// A cluster as issue 6 will record it: three members, two links.
    @Test("a cluster case: members, links, cohesion, the graph and one CSV row per member")
    func clusterCase() throws {
        let days = [
            richResult("acct-a", "2025-03-01", score: 0.9), richResult("acct-b", "2025-03-01", score: 0.97),
            richResult("acct-c", "2025-03-01", score: 0.6),
        ].map {
            AccountDayRecord(
                accountID: $0.features.accountID, day: "2025-03-01", features: $0.features.features.named, evidence: $0.features.evidence,
                score: $0.assessment.score, flagged: true, bias: -4, hits: $0.assessment.hits, lastRunID: 1)
        }
        let summary = CaseSummary(
            id: 7, kind: .cluster, subject: "cluster-ip:203.0.113.0/24", status: .open, score: 0.97, lastScore: 0.97,
            title: "Shared addresses", tags: ["reselling"], firstDay: "2025-03-01", lastDay: "2025-03-01", createdAt: time(0),
            updatedAt: time(0))
        let links = [
            CaseFile.Link(
                accounts: ["acct-a", "acct-b"], weight: 2.5,
                shared: [CaseFile.SharedArtifact(kind: "ip_set", value: "203.0.113.7 <b>", weight: 2.5, accountsSharing: 3)]),
            CaseFile.Link(
                accounts: ["acct-b", "acct-c"], weight: 1,
                shared: [CaseFile.SharedArtifact(kind: "client_fingerprint", value: "ja4 x", weight: 1, accountsSharing: 2)]),
        ]
        let snapshot = CaseSnapshot(
            detail: CaseDetail(summary: summary, days: [], evidence: [], notes: [], audit: []), clusterID: "c-1",
            members: days.map { CaseSnapshot.Member(accountID: $0.accountID, days: [$0]) }, links: links, runs: [])
        let file = CaseFile(
            snapshot: snapshot, rules: nil, rulesVersion: nil, redaction: ExportRedaction(isOn: true), formats: [.json],
            exportedAt: time(0))
        let encoder = JSONEncoder()
        #expect(Self.validator.errors(try JSONValue.parse(encoder.encode(file))) == [])
        #expect(file.score.accountID == "acct-b" && file.score.value == 0.97)
        #expect(file.cluster.clusterID == "c-1" && file.cluster.cohesion == 2.0 / 3 && file.counts.links == 2)
        #expect(file.cluster.members.allSatisfy { $0.role == .member } && file.counts.accounts == 3)
        let html = CaseReportRenderer.render(file)
        #expect(html.components(separatedBy: "<circle ").count - 1 == 3)
        #expect(html.components(separatedBy: "<line ").count - 1 == 2)
        #expect(html.contains("203.0.113.7 &lt;b&gt;") && !html.contains("203.0.113.7 <b>"))
        #expect(html.contains("The cluster (all 3 accounts)"))
        let csv = AccountsCSVWriter.csv(file).components(separatedBy: "\r\n")
        #expect(csv.count == 5 && csv[1].hasPrefix("7,acct-a,member,open,review,high,"))
    }

    @Test("every export holds a strict Content-Security-Policy and no script, external address or style attribute")
    func reportIsSelfContained() throws {
        try exportFixture { store, dir in
            let r = try export(store, dir.file("out"))[0]
            let html = String(decoding: try contents(r.folder + "/report.html"), as: UTF8.self)
            #expect(html.contains("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'sha256-"))
            #expect(!html.contains("<script") && !html.contains(" style=") && !html.contains(" src="))
            #expect(!html.contains("<link") && !html.contains("url("))
            // Links only to in-page anchors (the rule set here has no references).
            let hrefs = html.components(separatedBy: "href=\"").dropFirst().map { $0.prefix(1) }
            #expect(!hrefs.isEmpty && hrefs.allSatisfy { $0 == "#" })
            #expect(html.components(separatedBy: "<rect ").count - 1 == 2 * 24)  // two days of the heatmap
        }
    }
}

@Suite("HTMLText")
struct HTMLTextTests {
    @Test(
        "markup is escaped, invisible characters are shown",
        arguments: [
            ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
            (#""><img src=x onerror=alert(1)>"#, "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"),
            ("it's & co", "it&#39;s &amp; co"),
            ("\u{1B}[31mred\u{1B}[0m", "\u{241B}[31mred\u{241B}[0m"),
            ("a\u{0}b\u{7F}c\u{85}d", "a\u{2400}b\u{2421}c[U+0085]d"),
            ("abc\u{202E}fed\u{200B}", "abc[U+202E]fed[U+200B]"),
            ("line\nnext\ttab", "line\nnext\ttab"),
            ("日本語 ✓", "日本語 ✓"),
        ])
    func escape(input: String, expected: String) {
        #expect(HTMLText.escape(input) == expected)
    }
}
