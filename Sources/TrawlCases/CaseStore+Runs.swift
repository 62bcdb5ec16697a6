import Foundation
import GRDB

extension CaseStore {
    /// Records the start of a run and returns its id.
    ///
    /// - Parameters:
    ///   - inputs: The input paths as given (`-` for standard input).
    ///   - inputDigest: A digest identifying the inputs, so a rerun on the same data can be recognised.
    ///   - at: When the run started.
    ///   - provenance: The Trawl version and rules digest behind the run, for case files.
    ///   - files: The files read, with the SHA-256 of their bytes, in reading order.
    /// - Throws: `CaseStoreError`: `.invalidInput` for a SHA-256 that is not 64 lowercase hex
    ///   digits or a negative size; `.sqlFailed` when the write fails.
    public func beginRun(
        inputs: [String], inputDigest: String, at: Date, provenance: RunProvenance? = nil, files: [RunInputFile] = []
    ) throws -> Int64 {
        for f in files where f.size < 0 || !Self.isSHA256Hex(f.sha256) {
            throw CaseStoreError(.invalidInput("input file \(f.path): size must be >= 0 and sha256 64 lowercase hex digits"))
        }
        return try write("beginning a run") { db in
            try db.execute(
                sql: """
                    INSERT INTO run (started_at, inputs, input_digest, status, trawl_version, rules_version)
                    VALUES (?, ?, ?, 'running', ?, ?)
                    """,
                arguments: [
                    StorageFormat.time(at), StorageFormat.json(inputs.map(StorageFormat.text)),
                    StorageFormat.text(inputDigest), provenance.map { StorageFormat.text($0.trawlVersion) },
                    provenance?.rulesVersion.map(StorageFormat.text),
                ])
            let id = db.lastInsertedRowID
            for (position, f) in files.enumerated() {
                try db.execute(
                    sql: "INSERT INTO run_input (run_id, position, path, size, sha256) VALUES (?, ?, ?, ?, ?)",
                    arguments: [id, position, StorageFormat.text(f.path), f.size, f.sha256])
            }
            return id
        }
    }

    /// Whether text is a SHA-256 digest as stored: 64 lowercase hex digits.
    static func isSHA256Hex(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
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
        try read("listing runs") { db in try Self.runRecords(db, ids: nil) }
    }

    /// The runs with these ids (all runs for `nil`), oldest first, with their input files.
    static func runRecords(_ db: Database, ids: [Int64]?) throws -> [RunRecord] {
        var sql = "SELECT * FROM run"
        var fileSQL = "SELECT run_id, path, size, sha256 FROM run_input"
        var arguments = StatementArguments()
        if let ids {
            guard !ids.isEmpty else { return [] }
            let marks = ids.map { _ in "?" }.joined(separator: ", ")
            sql += " WHERE id IN (\(marks))"
            fileSQL += " WHERE run_id IN (\(marks))"
            arguments = StatementArguments(ids)
        }
        var files: [Int64: [RunInputFile]] = [:]
        for r in try Row.fetchAll(db, sql: fileSQL + " ORDER BY run_id, position", arguments: arguments) {
            files[r[0], default: []].append(RunInputFile(path: r[1], size: r[2], sha256: r[3]))
        }
        return try Row.fetchAll(db, sql: sql + " ORDER BY id", arguments: arguments).map { row in
            var record = try runRecord(row)
            record.files = files[record.id] ?? []
            return record
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
        let version: String? = row["trawl_version"]
        return RunRecord(
            id: row["id"],
            startedAt: try storedTime(row["started_at"], table: "run", column: "started_at"),
            inputs: try StorageFormat.decode([String].self, row["inputs"], table: "run", column: "inputs"),
            inputDigest: row["input_digest"],
            status: status,
            summary: summary,
            provenance: version.map { RunProvenance(trawlVersion: $0, rulesVersion: row["rules_version"]) })
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
