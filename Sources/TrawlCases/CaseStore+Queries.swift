import Foundation
import GRDB
import TrawlFeatures
import TrawlModel

extension CaseStore {
    /// The cases that pass `filter`, in its order.
    ///
    /// - Throws: `CaseStoreError`: `.invalidInput` for a negative limit or offset;
    ///   `.sqlFailed` or `.corruptValue` when reading fails.
    public func listCases(_ filter: CaseFilter = CaseFilter()) throws -> [CaseSummary] {
        if let limit = filter.limit, limit < 0 { throw CaseStoreError(.invalidInput("limit must not be negative")) }
        if filter.offset < 0 { throw CaseStoreError(.invalidInput("offset must not be negative")) }
        var conditions: [String] = []
        var arguments = StatementArguments()
        if !filter.statuses.isEmpty {
            let statuses = filter.statuses.sorted()
            conditions.append("status IN (\(statuses.map { _ in "?" }.joined(separator: ", ")))")
            arguments += StatementArguments(statuses.map(\.rawValue))
        }
        if let kind = filter.kind {
            conditions.append("kind = ?")
            arguments += [kind.rawValue]
        }
        if let minimum = filter.minimumScore {
            conditions.append("score >= ?")
            arguments += [minimum]
        }
        if let tag = filter.tag {
            conditions.append("EXISTS (SELECT 1 FROM json_each(abuse_case.tags) WHERE json_each.value = ?)")
            arguments += [StorageFormat.text(tag)]
        }
        if let text = filter.subjectContains {
            conditions.append("instr(subject, ?) > 0")
            arguments += [StorageFormat.text(text)]
        }
        let order =
            switch filter.sort {
            case .score: "score DESC, id"
            case .id: "id"
            case .updated: "updated_at DESC, id"
            case .lastDay: "last_day DESC, id"
            }
        var sql = "SELECT *, \(Self.memberCount) AS members FROM abuse_case"
        if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
        sql += " ORDER BY \(order) LIMIT ? OFFSET ?"
        arguments += [filter.limit ?? -1, filter.offset]
        return try read("listing cases") { db in
            try Row.fetchAll(db, sql: sql, arguments: arguments).map(Self.caseSummary)
        }
    }

    /// One case with its subject's days and rule hits, evidence, notes and audit trail;
    /// `nil` when no case has this id.
    ///
    /// - Throws: `CaseStoreError` when reading fails or a stored value cannot be decoded.
    public func caseDetail(id: Int64) throws -> CaseDetail? {
        try read("reading case \(id)") { db in try Self.caseDetail(id: id, db) }
    }

    /// One stored account day with its rule hits; `nil` when none is stored.
    ///
    /// - Parameter day: Days since 1970-01-01 (UTC), as in `AccountDayFeatures.day`.
    /// - Throws: `CaseStoreError` when reading fails or a stored value cannot be decoded.
    public func accountDay(accountID: String, day: Int32) throws -> AccountDayRecord? {
        try read("reading an account day") { db in
            try Self.accountDays(db, accountID: StorageFormat.text(accountID), day: StorageFormat.day(day)).first
        }
    }

    // MARK: Row decoding

    static func caseDetail(id: Int64, _ db: Database) throws -> CaseDetail? {
        guard let row = try Row.fetchOne(db, sql: "SELECT *, \(memberCount) AS members FROM abuse_case WHERE id = ?", arguments: [id])
        else {
            return nil
        }
        let summary = try caseSummary(row)
        let days = summary.kind == .account ? try accountDays(db, accountID: summary.subject, day: nil) : []
        let cluster = summary.kind == .cluster ? try clusterDetail(id: id, mergedInto: summary.mergedInto, db) : nil
        let clusterCases = summary.kind == .account ? try clusterCases(ofAccount: summary.subject, db) : []
        let evidence = try Row.fetchAll(
            db, sql: "SELECT day, kind, value, count FROM case_evidence WHERE case_id = ? ORDER BY day, kind, value",
            arguments: [id]
        ).map { r in
            CaseEvidence(
                day: r[0], kind: try enumValue(EvidenceKind.self, r[1], table: "case_evidence", column: "kind"),
                value: r[2], count: r[3])
        }
        let notes = try Row.fetchAll(
            db, sql: "SELECT id, author, text, created_at FROM case_note WHERE case_id = ? ORDER BY id", arguments: [id]
        ).map { r in
            CaseNote(
                id: r[0], author: r[1], text: r[2], createdAt: try storedTime(r[3], table: "case_note", column: "created_at"))
        }
        let audit = try Row.fetchAll(db, sql: "SELECT * FROM audit WHERE case_id = ? ORDER BY id", arguments: [id])
            .map(auditEntry)
        return CaseDetail(
            summary: summary, days: days, evidence: evidence, notes: notes, audit: audit, cluster: cluster, clusterCases: clusterCases)
    }

    /// The active members of the case row, as an SQL expression.
    static let memberCount = "(SELECT count(*) FROM cluster_member m WHERE m.case_id = abuse_case.id AND m.active = 1)"

    static func caseSummary(_ row: Row) throws -> CaseSummary {
        let kind = try enumValue(CaseKind.self, row["kind"], table: "abuse_case", column: "kind")
        return CaseSummary(
            id: row["id"],
            kind: kind,
            subject: row["subject"],
            status: try enumValue(CaseStatus.self, row["status"], table: "abuse_case", column: "status"),
            score: row["score"],
            lastScore: row["last_score"],
            title: row["title"],
            tags: try StorageFormat.decode([String].self, row["tags"], table: "abuse_case", column: "tags"),
            firstDay: row["first_day"],
            lastDay: row["last_day"],
            createdAt: try storedTime(row["created_at"], table: "abuse_case", column: "created_at"),
            updatedAt: try storedTime(row["updated_at"], table: "abuse_case", column: "updated_at"),
            members: kind == .cluster ? row["members"] : nil,
            mergedInto: row["merged_into"])
    }

    static func auditEntry(_ row: Row) throws -> AuditEntry {
        AuditEntry(
            id: row["id"], caseID: row["case_id"], at: try storedTime(row["at"], table: "audit", column: "at"),
            actor: row["actor"], action: row["action"], field: row["field"], oldValue: row["old_value"],
            newValue: row["new_value"])
    }

    /// An account's stored days (or the one `day`), oldest first, with their rule hits.
    static func accountDays(_ db: Database, accountID: String, day: String?) throws -> [AccountDayRecord] {
        var sql = "SELECT * FROM account_day WHERE account_id = ?"
        var arguments: StatementArguments = [accountID]
        if let day {
            sql += " AND day = ?"
            arguments += [day]
        }
        return try Row.fetchAll(db, sql: sql + " ORDER BY day", arguments: arguments).map { r in
            let day: String = r["day"]
            let hits = try StorageFormat.decode([HitJSON].self, r["hits"], table: "account_day", column: "hits")
            return AccountDayRecord(
                accountID: r["account_id"], day: day,
                features: try StorageFormat.features(r["features"], table: "account_day", column: "features"),
                evidence: try StorageFormat.decode(AccountEvidence.self, r["evidence"], table: "account_day", column: "evidence"),
                score: r["score"], flagged: r["flagged"], bias: r["bias"],
                hits: hits.map {
                    StoredRuleHit(
                        ruleID: $0.rule_id, title: $0.title, weight: $0.weight, tags: $0.tags, explanation: $0.explanation,
                        values: $0.feature_values)
                },
                lastRunID: r["last_run_id"])
        }
    }
}

/// One element of `account_day.hits`.
private struct HitJSON: Decodable {
    var explanation: String
    var feature_values: [String: FeatureValue]
    var rule_id: String
    var tags: [String]
    var title: String
    var weight: Double
}
