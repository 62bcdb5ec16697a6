import Foundation
import GRDB

extension CaseStore {
    /// Changes a case's status and/or adds a note, as an analyst, and returns the case.
    ///
    /// Every change writes an audit entry (`status_changed` with old and new status,
    /// `note_added` with the note) and moves `updated_at` to `at`. Asking for the
    /// status the case already has changes nothing; so does passing neither a status
    /// nor a note. Status and note are written together or not at all.
    ///
    /// - Parameters:
    ///   - status: The new status; it must be in the current status's `allowedNext`.
    ///   - note: Text to add as a note; must not be blank.
    ///   - actor: Who makes the change (an analyst's name).
    /// - Throws: `CaseStoreError`: `.unknownCase`; `.invalidTransition` naming both
    ///   statuses and the allowed ones; `.invalidInput` for a blank note or actor;
    ///   `.sqlFailed` when the write fails.
    public func update(caseID: Int64, status: CaseStatus?, note: String?, actor: String, at: Date) throws -> CaseDetail {
        let actor = StorageFormat.text(actor)
        guard !actor.allSatisfy(\.isWhitespace) else {
            throw CaseStoreError(.invalidInput("a change needs an actor (who made it)"))
        }
        let note = note.map(StorageFormat.text)
        if let note, note.allSatisfy(\.isWhitespace) {
            throw CaseStoreError(.invalidInput("a note needs text"))
        }
        let time = StorageFormat.time(at)
        return try write("updating case \(caseID)") { db in
            guard let stored = try String.fetchOne(db, sql: "SELECT status FROM abuse_case WHERE id = ?", arguments: [caseID])
            else { throw CaseStoreError(.unknownCase(id: caseID)) }
            let current = try Self.enumValue(CaseStatus.self, stored, table: "abuse_case", column: "status")
            var changed = false
            if let status, status != current {
                guard current.canChange(to: status) else {
                    throw CaseStoreError(
                        .invalidTransition(caseID: caseID, from: current, to: status, allowed: current.allowedNext))
                }
                try db.execute(sql: "UPDATE abuse_case SET status = ? WHERE id = ?", arguments: [status.rawValue, caseID])
                try Self.audit(
                    db, caseID: caseID, at: time, actor: actor, action: "status_changed", field: "status",
                    old: current.rawValue, new: status.rawValue)
                changed = true
            }
            if let note {
                try db.execute(
                    sql: "INSERT INTO case_note (case_id, author, text, created_at) VALUES (?, ?, ?, ?)",
                    arguments: [caseID, actor, note, time])
                try Self.audit(
                    db, caseID: caseID, at: time, actor: actor, action: "note_added", field: "note",
                    old: nil, new: note)
                changed = true
            }
            if changed {
                try db.execute(sql: "UPDATE abuse_case SET updated_at = ? WHERE id = ?", arguments: [time, caseID])
            }
            guard let detail = try Self.caseDetail(id: caseID, db) else { throw CaseStoreError(.unknownCase(id: caseID)) }
            return detail
        }
    }

    static func audit(
        _ db: Database, caseID: Int64?, at: String, actor: String, action: String, field: String?, old: String?, new: String?
    ) throws {
        try db.execute(
            sql: """
                INSERT INTO audit (case_id, at, actor, action, field, old_value, new_value)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [caseID, at, actor, action, field, old, new])
    }
}
