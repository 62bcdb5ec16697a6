import Foundation
import GRDB

/// Raw views of the database, for tests and diagnostics; not public API.
extension CaseStore {
    /// Names of the tables in `sqlite_master`, sorted (SQLite's and GRDB's own included).
    func tableNames() throws -> [String] {
        try read("listing tables") { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        }
    }

    /// The schema as stored: `type name: sql` for every object in `sqlite_master`.
    func schemaDump() throws -> [String] {
        try read("dumping the schema") { db in
            try Row.fetchAll(db, sql: "SELECT type, name, sql FROM sqlite_master ORDER BY type, name").map { r in
                "\(r[0] as String) \(r[1] as String): \((r[2] as String?) ?? "")"
            }
        }
    }

    /// `PRAGMA journal_mode`: `wal` for a file store, `memory` in memory.
    func journalMode() throws -> String {
        try read("reading the journal mode") { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "" }
    }

    /// Whether SQLite enforces foreign keys on this connection.
    func foreignKeysEnabled() throws -> Bool {
        try read("reading foreign key enforcement") { db in try Bool.fetchOne(db, sql: "PRAGMA foreign_keys") ?? false }
    }

    /// Every row of every store table (and the migration log), each table ordered by
    /// all its columns; values in SQL literal form.
    func dump() throws -> [String: [String]] {
        try read("dumping tables") { db in
            var out: [String: [String]] = [:]
            for table in Self.tables + Self.views + ["grdb_migrations"] {
                let columns = try db.columns(in: table).count
                let order = (1...columns).map(String.init).joined(separator: ", ")
                out[table] = try Row.fetchAll(db, sql: "SELECT * FROM \(table) ORDER BY \(order)").map { row in
                    row.databaseValues.map(Self.literal).joined(separator: " | ")
                }
            }
            return out
        }
    }

    /// A value as an SQL literal: `NULL`, `12`, `0.5`, `'it''s'`, `x'0a'`.
    static func literal(_ value: DatabaseValue) -> String {
        switch value.storage {
        case .null: "NULL"
        case .int64(let i): String(i)
        case .double(let d): String(d)
        case .string(let s): "'" + s.replacingOccurrences(of: "'", with: "''") + "'"
        case .blob(let data): "x'" + data.map { String(format: "%02x", $0) }.joined() + "'"
        }
    }

    /// Runs SQL as given, for tests that need a state the API cannot make.
    func execute(_ sql: String) throws {
        try write("executing test SQL") { db in try db.execute(sql: sql) }
    }

    /// Opens the same database again: the file anew, or the same in-memory connection.
    func reopened() throws -> CaseStore {
        if let path { return try CaseStore(path: path) }
        return try CaseStore(writer: writer, path: nil)
    }
}
