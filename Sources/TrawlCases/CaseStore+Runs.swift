import Foundation
import GRDB

extension CaseStore {
    /// Records the start of a run and returns its id.
    ///
    /// - Parameters:
    ///   - inputs: The input paths as given (`-` for standard input).
    ///   - inputDigest: A digest identifying the inputs, so a rerun on the same data can be recognised.
    ///   - at: When the run started.
    /// - Throws: `CaseStoreError` when the write fails.
    public func beginRun(inputs: [String], inputDigest: String, at: Date) throws -> Int64 {
        try write("beginning a run") { db in
            try db.execute(
                sql: "INSERT INTO run (started_at, inputs, input_digest, status) VALUES (?, ?, ?, 'running')",
                arguments: [
                    StorageFormat.time(at), StorageFormat.json(inputs.map(StorageFormat.text)),
                    StorageFormat.text(inputDigest),
                ])
            return db.lastInsertedRowID
        }
    }

    /// Stores how a run ended. Finishing a run again replaces its summary.
    ///
    /// - Throws: `CaseStoreError` with `.unknownRun` when no run has this id,
    ///   `.invalidInput` when the summary's status is `running`, `.sqlFailed` when the
    ///   write fails.
    public func finishRun(_ id: Int64, summary: RunSummary) throws {
        guard summary.status != .running else {
            throw CaseStoreError(.invalidInput("a finished run cannot have status running"))
        }
        try write("finishing run \(id)") { db in
            try db.execute(
                sql: """
                    UPDATE run SET finished_at = ?, lines_read = ?, bad_lines = ?, bad_by_reason = ?, accounts = ?,
                        cases_opened = ?, cases_updated = ?, status = ?
                    WHERE id = ?
                    """,
                arguments: [
                    StorageFormat.time(summary.finishedAt), summary.linesRead, summary.badLines,
                    StorageFormat.json(summary.badByReason), summary.accounts, summary.casesOpened,
                    summary.casesUpdated, summary.status.rawValue, id,
                ])
            if db.changesCount == 0 { throw CaseStoreError(.unknownRun(id: id)) }
        }
    }

    /// Every run, oldest first.
    ///
    /// - Throws: `CaseStoreError` when the read fails or a stored value cannot be decoded.
    public func runs() throws -> [RunRecord] {
        try read("listing runs") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM run ORDER BY id").map(Self.runRecord)
        }
    }

    /// Throws `unknownRun` unless a run has this id.
    func requireRun(_ id: Int64, _ db: Database) throws {
        let exists = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM run WHERE id = ?)", arguments: [id])
        if exists != true { throw CaseStoreError(.unknownRun(id: id)) }
    }

    private static func runRecord(_ row: Row) throws -> RunRecord {
        let status = try enumValue(RunStatus.self, row["status"], table: "run", column: "status")
        var summary: RunSummary?
        if let finished: String = row["finished_at"] {
            let badByReason: String = row["bad_by_reason"] ?? "{}"
            summary = RunSummary(
                finishedAt: try storedTime(finished, table: "run", column: "finished_at"),
                linesRead: row["lines_read"] ?? 0,
                badLines: row["bad_lines"] ?? 0,
                badByReason: try StorageFormat.decode(
                    [String: Int].self, badByReason, table: "run", column: "bad_by_reason"),
                accounts: row["accounts"] ?? 0,
                casesOpened: row["cases_opened"] ?? 0,
                casesUpdated: row["cases_updated"] ?? 0,
                status: status)
        }
        return RunRecord(
            id: row["id"],
            startedAt: try storedTime(row["started_at"], table: "run", column: "started_at"),
            inputs: try StorageFormat.decode([String].self, row["inputs"], table: "run", column: "inputs"),
            inputDigest: row["input_digest"],
            status: status,
            summary: summary)
    }

    /// A stored time, or `corruptValue`.
    static func storedTime(_ text: String, table: String, column: String) throws -> Date {
        guard let date = StorageFormat.date(text) else {
            throw CaseStoreError(.corruptValue(table: table, column: column))
        }
        return date
    }

    /// A stored enumeration value, or `corruptValue`.
    static func enumValue<E: RawRepresentable>(_ type: E.Type, _ text: String, table: String, column: String) throws -> E
    where E.RawValue == String {
        guard let value = E(rawValue: text) else { throw CaseStoreError(.corruptValue(table: table, column: column)) }
        return value
    }
}
