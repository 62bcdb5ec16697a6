import Foundation
import GRDB
import Testing

@testable import TrawlCases

@Suite("Case store: opening and migrations")
struct CaseStoreSchemaTests {
    static let expectedTables = [
        "abuse_case", "account_day", "audit", "case_evidence", "case_note", "cluster_day", "cluster_link", "cluster_member",
        "grdb_migrations", "run", "run_input", "sqlite_sequence", "tail_alert", "tail_bucket", "tail_meta", "tail_stream",
    ]

    @Test("an empty database is migrated to every table", arguments: StoreKind.allCases)
    func emptyDatabaseGetsAllTables(kind: StoreKind) throws {
        try kind.withStore { store throws in
            #expect(try store.tableNames() == Self.expectedTables)
            #expect(try store.dump()["grdb_migrations"] == ["'v1'", "'v2'", "'v3_clusters'", "'v4_run_inputs'", "'v5_tail'"])
            #expect(try store.foreignKeysEnabled())
        }
    }

    @Test("reopening a migrated database changes nothing", arguments: StoreKind.allCases)
    func reopeningIsANoOp(kind: StoreKind) throws {
        try kind.withStore { store throws in
            try store.recordRun([result("acct-1", "2025-03-01", score: 0.9)])
            let schema = try store.schemaDump()
            let rows = try store.dump()
            let again = try store.reopened()
            #expect(try again.schemaDump() == schema)
            #expect(try again.dump() == rows)
            #expect(try again.caseOf("acct-1")?.id == 1)
        }
    }

    @Test("a database with a migration this build does not know is refused", arguments: StoreKind.allCases)
    func newerDatabaseIsRefused(kind: StoreKind) throws {
        try kind.withStore { store throws in
            try store.execute("INSERT INTO grdb_migrations (identifier) VALUES ('v99-from-the-future')")
            let rows = try store.dump()
            let error = #expect(throws: CaseStoreError.self) { try store.reopened() }
            #expect(error?.reason == .newerSchema(unknownMigrations: ["v99-from-the-future"]))
            #expect(
                error?.description
                    == "case store: the database was written by a newer version of trawl "
                    + "(unknown migrations: v99-from-the-future); upgrade trawl to open it")
            #expect(try store.dump() == rows)
        }
    }

    /// A store written by v1 (hits in a `rule_hit` table) opens with its hits moved into
    /// `account_day.hits`, readable through the API and through the `rule_hit` view.
    @Test("a v1 store migrates its rule hits to v2")
    func migratesRuleHitsFromV1() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("v1.sqlite").path
        do {
            let queue = try DatabaseQueue(path: path)
            try CaseStore.migrator.migrate(queue, upTo: "v1")
            try queue.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO run (started_at, inputs, input_digest) VALUES ('2025-03-01T00:00:00.000Z', '[]', '');
                        INSERT INTO account_day (account_id, day, features, evidence, score, flagged, bias, last_run_id)
                        VALUES ('acct-1', '2025-03-01', '{"distinct_ips":40}', '{"requestIDs":[],"topIPs":[],"topUserAgents":[]}', 0.9, 1, -4, 1),
                               ('acct-2', '2025-03-01', '{}', '{"requestIDs":[],"topIPs":[],"topUserAgents":[]}', 0.1, 0, -4, 1);
                        INSERT INTO rule_hit (account_id, day, rule_id, title, weight, tags, explanation, feature_values)
                        VALUES ('acct-1', '2025-03-01', 'pool.many_ips', 'Many IPs', 0.5, '["network","pooling"]', '40 addresses', '{"distinct_ips":40}'),
                               ('acct-1', '2025-03-01', 'a.first', 'First ''quoted''', 1.25, '[]', 'it''s "x"', '{}');
                        """)
                // Weights SQLite would print otherwise (1.0, 15 digits) and a control character.
                try db.execute(
                    sql: """
                        INSERT INTO account_day (account_id, day, features, evidence, score, flagged, bias, last_run_id)
                        VALUES ('acct-3', '2025-03-01', '{}', '{"requestIDs":[],"topIPs":[],"topUserAgents":[]}', 0.5, 1, -4, 1)
                        """)
                try db.execute(
                    sql: """
                        INSERT INTO rule_hit (account_id, day, rule_id, title, weight, tags, explanation, feature_values)
                        VALUES ('acct-3', '2025-03-01', 'b', 'B', ?, '[]', ?, '{}'), ('acct-3', '2025-03-01', 'c', 'C', 1.0, '[]', '', '{}')
                        """, arguments: [1.0 / 3, "bell\u{8}"])
            }
        }
        let store = try CaseStore(path: path)
        let stored = try #require(try store.accountDay(accountID: "acct-1", day: day("2025-03-01")))
        #expect(stored.hits.map(\.ruleID) == ["a.first", "pool.many_ips"])
        #expect(stored.hits[0].title == "First 'quoted'" && stored.hits[0].explanation == "it's \"x\"" && stored.hits[0].weight == 1.25)
        #expect(stored.hits[1].tags == ["network", "pooling"] && stored.hits[1].values == ["distinct_ips": .number(40)])
        #expect(try store.accountDay(accountID: "acct-2", day: day("2025-03-01"))?.hits == [])
        #expect(
            try store.dump()["rule_hit"]?.filter { $0.hasPrefix("'acct-1'") } == [
                #"'acct-1' | '2025-03-01' | 'a.first' | 'First ''quoted''' | 1.25 | '[]' | 'it''s "x"' | '{}'"#,
                #"'acct-1' | '2025-03-01' | 'pool.many_ips' | 'Many IPs' | 0.5 | '["network","pooling"]' | '40 addresses' | '{"distinct_ips":40}'"#,
            ])
        #expect(!(try store.tableNames()).contains("rule_hit"))
        // The migrated text is byte for byte what the recorder writes for the same hits, so
        // the first run after an upgrade finds those days unchanged.
        let migrated = try #require(try store.dump()["account_day"]?.first { $0.hasPrefix("'acct-3'") })
        let expected = StorageFormat.json([
            StorageFormat.HitText(ruleID: "b", title: "B", weight: 1.0 / 3, tags: "[]", explanation: "bell\u{8}", values: "{}"),
            StorageFormat.HitText(ruleID: "c", title: "C", weight: 1, tags: "[]", explanation: "", values: "{}"),
        ])
        #expect(expected.contains(#""weight":1}"#) && expected.contains("0.3333333333333333"))
        #expect(migrated.contains(CaseStore.literal(expected.databaseValue)))
    }

    /// A store written by v2 opens with its runs kept: no provenance and no input files
    /// for them, and new runs record both.
    @Test("a v2 store migrates to v3, keeping its runs")
    func migratesRunsFromV2() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("v2.sqlite").path
        do {
            let queue = try DatabaseQueue(path: path)
            try CaseStore.migrator.migrate(queue, upTo: "v2")
            try queue.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO run (started_at, inputs, input_digest) VALUES ('2025-03-01T00:00:00.000Z', '["a.jsonl"]', 'x')
                        """)
            }
        }
        let store = try CaseStore(path: path)
        let old = try #require(try store.runs().first)
        #expect(old.inputs == ["a.jsonl"] && old.provenance == nil && old.files == [])
        let digest = String(repeating: "ab", count: 32)
        let id = try store.beginRun(
            inputs: ["b.jsonl.gz"], inputDigest: "y", at: time(0),
            provenance: RunProvenance(trawlVersion: "9.9.9", rulesVersion: "sha256:" + digest),
            files: [RunInputFile(path: "b.jsonl.gz", size: 1234, sha256: digest)])
        let new = try #require(try store.runs().last)
        #expect(new.id == id)
        #expect(new.provenance == RunProvenance(trawlVersion: "9.9.9", rulesVersion: "sha256:" + digest))
        #expect(new.files == [RunInputFile(path: "b.jsonl.gz", size: 1234, sha256: digest)])
    }

    @Test("a run input's SHA-256 must be 64 lowercase hex digits", arguments: ["ABCD", String(repeating: "A", count: 64), ""])
    func badInputDigestIsRefused(sha: String) throws {
        let store = try CaseStore.inMemory()
        let error = #expect(throws: CaseStoreError.self) {
            try store.beginRun(inputs: ["a"], inputDigest: "", at: time(0), files: [RunInputFile(path: "a", size: 1, sha256: sha)])
        }
        #expect(error?.description.contains("sha256 64 lowercase hex digits") == true)
        #expect(try store.runs().isEmpty)
    }

    @Test("the file store runs in WAL mode", arguments: StoreKind.allCases)
    func journalMode(kind: StoreKind) throws {
        try kind.withStore { store throws in
            #expect(try store.journalMode() == (kind == .file ? "wal" : "memory"))
        }
    }

    @Test("a file that is not a database cannot be opened")
    func notADatabase() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("notes.txt").path
        try Data(repeating: 0x41, count: 4096).write(to: URL(fileURLWithPath: path))
        let error = #expect(throws: CaseStoreError.self) { try CaseStore(path: path) }
        #expect(error?.reason == .cannotOpen(path: path))
        #expect(error?.underlying?.resultCode == .SQLITE_NOTADB)
    }

    @Test("a missing folder cannot be opened")
    func missingFolder() throws {
        let path = "/nonexistent-\(UUID().uuidString)/cases.sqlite"
        let error = #expect(throws: CaseStoreError.self) { try CaseStore(path: path) }
        #expect(error?.reason == .cannotOpen(path: path))
        #expect(error?.description.hasPrefix("case store: cannot open \(path): ") == true)
    }
}
