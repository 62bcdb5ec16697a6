import Foundation
import Testing

@testable import TrawlCases

@Suite("Case store: opening and migrations")
struct CaseStoreSchemaTests {
    static let expectedTables = [
        "abuse_case", "account_day", "audit", "case_evidence", "case_note", "grdb_migrations", "rule_hit", "run",
        "sqlite_sequence",
    ]

    @Test("an empty database is migrated to every table", arguments: StoreKind.allCases)
    func emptyDatabaseGetsAllTables(kind: StoreKind) throws {
        try kind.withStore { store throws in
            #expect(try store.tableNames() == Self.expectedTables)
            #expect(try store.dump()["grdb_migrations"] == ["'v1'"])
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
