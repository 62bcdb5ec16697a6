import Foundation
import GRDB
import Synchronization
import TrawlFeatures
import TrawlModel
import TrawlRules

extension CaseStore {
    /// Stores a run's scored account days and opens or updates a case for every
    /// account with a flagged day.
    ///
    /// For each account day it upserts the `account_day` row, its rule hits included.
    /// For each account with flagged days it opens a case (audit `opened`) or updates
    /// the existing one: score is the highest day score seen, first and last day
    /// widen, tags are the union, and each flagged day's evidence rows are replaced by
    /// this call's (audit `updated`, or `new_evidence` when an analyst already
    /// confirmed, dismissed or enforced the case, whose status is kept). The title
    /// follows the highest-scoring day.
    ///
    /// Idempotent: every row is compared with what is stored before it is written, so
    /// recording the same results again — in the same run or a later one — changes no
    /// row, bumps no `updated_at` and writes no audit entry. Results are processed in
    /// account and day order, so case ids do not depend on the order given.
    ///
    /// - Parameters:
    ///   - runID: The run recording these results (from `beginRun`).
    ///   - results: Features and assessment of each account day; both halves must
    ///     name the same account and day.
    ///   - at: The time written to new and changed cases and audit entries.
    /// - Returns: How many cases were opened, updated or left unchanged, and how many
    ///   account days were written.
    /// - Throws: `CaseStoreError`: `.unknownRun`; `.invalidInput` for mismatched
    ///   halves, non-finite scores or weights, or a rule id twice in one assessment;
    ///   `.sqlFailed` when a statement fails (nothing of this call is then stored).
    /// - Complexity: A few indexed statements per account day, in one transaction.
    public func record(
        runID: Int64, results: [(features: AccountDayFeatures, assessment: Assessment)], at: Date
    ) throws -> RecordOutcome {
        // Checked before anything is written, in result order, so the first bad result
        // is the one reported.
        for (index, result) in results.enumerated() { try PreparedDay.validate(result, index: index) }
        let subjects = results.map { (accountID: $0.assessment.accountID, day: $0.assessment.day) }
        return try record(runID: runID, subjects: subjects, at: at) { indices in indices.map { results[$0] } }.outcome
    }

    /// Scores and stores a run's account days in one pass, as `record(runID:results:at:)`
    /// does with results made beforehand.
    ///
    /// `results` is called on background threads, concurrently, while this thread writes
    /// what they made before: scoring and SQLite then overlap instead of taking turns.
    /// Each call is given indices into `subjects` — every index once in all, every day of
    /// an account in the same call, accounts in byte order and days in order — and
    /// returns their results in that order.
    ///
    /// - Returns: What changed, and every result in account and day order.
    /// - Throws: As `record(runID:results:at:)`, and `.invalidInput` when `results`
    ///   returns another account day than asked, or another number of results (`results[i]`
    ///   in messages is `subjects[i]`).
    public func record(
        runID: Int64, subjects: [(accountID: String, day: Int32)], at: Date,
        results make: @escaping @Sendable (_ indices: [Int]) -> [(features: AccountDayFeatures, assessment: Assessment)]
    ) throws -> (outcome: RecordOutcome, results: [(features: AccountDayFeatures, assessment: Assessment)]) {
        let accounts = subjects.map { StorageFormat.text($0.accountID) }
        let dayTexts = subjects.map { StorageFormat.day($0.day) }
        let order = subjects.indices.sorted { a, b in
            StorageFormat.same(accounts[a], accounts[b])
                ? StorageFormat.precedes(dayTexts[a], dayTexts[b]) : StorageFormat.precedes(accounts[a], accounts[b])
        }
        for (a, b) in zip(order, order.dropFirst()) where StorageFormat.same(accounts[a], accounts[b]) && dayTexts[a] == dayTexts[b] {
            throw CaseStoreError(.invalidInput("results hold the same account day twice (day \(dayTexts[b]))"))
        }
        let time = StorageFormat.time(at)
        let actor = "run:\(runID)"
        // The results and the rows' JSON are made on other threads while this one writes:
        // SQLite takes one core, and making the text costs about as much as storing it.
        let prepared = PreparedDay.Stream(
            chunks: PreparedDay.Stream.chunks(order, accounts: accounts), subjects: subjects, accounts: accounts,
            days: dayTexts, make: make)
        defer { prepared.cancel() }
        var stored: [(features: AccountDayFeatures, assessment: Assessment)] = []
        stored.reserveCapacity(subjects.count)
        let outcome = try write("recording results of run \(runID)") { db in
            try requireRun(runID, db)
            var outcome = RecordOutcome()
            let statements = try RecordStatements(db)
            // Days with no stored row at all (the usual case: a new day's logs) take an
            // insert-only path, with no read-before-write per account.
            var freshDays: Set<String> = []
            for day in Set(dayTexts) {
                let stored = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM account_day WHERE day = ?)", arguments: [day]) ?? true
                if !stored { freshDays.insert(day) }
            }
            // One account's days at a time (they are consecutive in `order`).
            var group: [PreparedDay] = []
            func flush() throws {
                defer { group.removeAll(keepingCapacity: true) }
                for day in group {
                    if try statements.storeDay(day, runID: runID, fresh: freshDays.contains(day.day)) {
                        outcome.accountDaysWritten += 1
                    } else {
                        outcome.accountDaysUnchanged += 1
                    }
                }
                let flagged = group.filter(\.flagged)
                if !flagged.isEmpty {
                    switch try statements.storeCase(flagged, time: time, actor: actor, db: db) {
                    case .opened: outcome.opened += 1
                    case .updated: outcome.updated += 1
                    case .unchanged: outcome.unchanged += 1
                    }
                }
            }
            while let chunk = prepared.next() {
                let (results, days) = try chunk.get()
                stored.append(contentsOf: results)
                for day in days {
                    if let last = group.last, !StorageFormat.same(last.accountID, day.accountID) { try flush() }
                    group.append(day)
                }
            }
            try flush()
            return outcome
        }
        return (outcome, stored)
    }
}

/// One account day, validated and turned into the text the store writes.
private struct PreparedDay: Sendable {
    /// The checks `init` relies on, made for every result before any is prepared.
    static func validate(_ result: (features: AccountDayFeatures, assessment: Assessment), index: Int) throws {
        let (f, a) = result
        guard f.accountID.utf8.elementsEqual(a.accountID.utf8), f.day == a.day else {
            throw CaseStoreError(.invalidInput("results[\(index)]: features and assessment are for different account days"))
        }
        guard a.score.isFinite, a.bias.isFinite, a.hits.allSatisfy(\.weight.isFinite) else {
            throw CaseStoreError(.invalidInput("results[\(index)]: score, bias and rule weights must be finite numbers"))
        }
        let ids = a.hits.map { StorageFormat.text($0.ruleID) }.sorted(by: StorageFormat.precedes)
        for (x, y) in zip(ids, ids.dropFirst()) where StorageFormat.same(x, y) {
            throw CaseStoreError(.invalidInput("results[\(index)]: rule \(y) fired twice in one assessment"))
        }
    }

    /// Results made and prepared in chunks of whole accounts, in order, on background
    /// threads that run ahead of the reader.
    final class Stream: @unchecked Sendable {
        typealias Results = [(features: AccountDayFeatures, assessment: Assessment)]
        typealias Chunk = Result<(results: Results, days: [PreparedDay]), any Error>
        /// Account days per chunk, at least (a chunk ends at the end of an account).
        static let chunkSize = 1024
        /// Chunks prepared ahead of the reader at most: SQLite writes more slowly than the
        /// threads prepare, and unbounded they held every row's text at once (~150 MB for
        /// 55,000 account days).
        static let lookahead = 4
        private let chunks: Mutex<[Chunk?]>
        /// One permit per chunk that may be prepared before the reader takes one.
        private let room = DispatchSemaphore(value: lookahead)
        private let count: Int
        private let ready: [DispatchSemaphore]
        private let claimed = Atomic<Int>(0)
        private let stopped = Atomic<Bool>(false)
        private var nextChunk = 0

        /// `order` (indices of account days sorted by account, then day) cut into chunks
        /// of at least `chunkSize` days that do not split an account.
        static func chunks(_ order: [Int], accounts: [String]) -> [[Int]] {
            var out: [[Int]] = []
            var start = 0
            while start < order.count {
                var end = min(order.count, start + chunkSize)
                while end < order.count && StorageFormat.same(accounts[order[end]], accounts[order[end - 1]]) { end += 1 }
                out.append(Array(order[start..<end]))
                start = end
            }
            return out
        }

        /// - Parameters: accounts, days: each subject's account id and day as stored.
        init(
            chunks indices: [[Int]], subjects: [(accountID: String, day: Int32)], accounts: [String], days dayTexts: [String],
            make: @escaping @Sendable ([Int]) -> Results
        ) {
            let count = indices.count
            self.count = count
            chunks = Mutex(Array(repeating: nil, count: count))
            ready = (0..<count).map { _ in DispatchSemaphore(value: 0) }
            let threads = max(1, min(ProcessInfo.processInfo.activeProcessorCount, count))
            for _ in 0..<threads {
                Thread.detachNewThread { [self] in
                    var tagsByRule: [String: (tags: [String], json: String)] = [:]
                    while !stopped.load(ordering: .relaxed) {
                        room.wait()
                        let c = claimed.add(1, ordering: .relaxed).oldValue
                        guard c < count else {
                            room.signal()  // for the other threads, which find no chunk either
                            break
                        }
                        let chunk = Chunk {
                            let wanted = indices[c]
                            let results = make(wanted)
                            guard results.count == wanted.count else {
                                throw CaseStoreError(
                                    .invalidInput("\(results.count) results made for \(wanted.count) account days asked"))
                            }
                            let days = try zip(wanted, results).map { i, result in
                                try PreparedDay.validate(result, index: i)
                                guard result.assessment.accountID.utf8.elementsEqual(subjects[i].accountID.utf8),
                                    result.assessment.day == subjects[i].day
                                else { throw CaseStoreError(.invalidInput("results[\(i)]: not the account day asked for")) }
                                return PreparedDay(result, accountID: accounts[i], day: dayTexts[i], tagsByRule: &tagsByRule)
                            }
                            return (results, days)
                        }
                        chunks.withLock { $0[c] = chunk }
                        ready[c].signal()
                    }
                }
            }
        }

        /// The next chunk in order, waiting for it; `nil` after the last.
        func next() -> Chunk? {
            guard nextChunk < count else { return nil }
            ready[nextChunk].wait()
            room.signal()
            defer { nextChunk += 1 }
            return chunks.withLock { chunks in
                defer { chunks[nextChunk] = nil }
                return chunks[nextChunk]
            }
        }

        /// Lets the threads stop after their current chunk (the reader gave up).
        func cancel() {
            stopped.store(true, ordering: .relaxed)
            for _ in 0..<Self.lookahead { room.signal() }  // wake threads waiting for room
        }
    }

    typealias Hit = StorageFormat.HitText

    var accountID: String
    var day: String
    var features: String
    var evidence: String
    /// The hits as stored in `account_day.hits`.
    var hitsJSON: String
    var score: Double
    var flagged: Bool
    var bias: Double
    /// By rule id bytes, as `ORDER BY rule_id` returns them.
    var hits: [Hit]
    /// Tags of the rules that fired, unique, in byte order.
    var tags: [String]
    /// The title a case takes from this day: the heaviest rule's (ties: lowest rule id).
    var title: String
    /// By kind and value bytes, as `ORDER BY kind, value` returns them.
    var evidenceRows: [EvidenceRow]
    /// `evidenceRows` as a JSON array of `[kind, value, count]` arrays, for one insert.
    var evidenceJSON: String

    /// - Parameter tagsByRule: the last tags seen for each rule id and their JSON (a
    ///   rule's tags are the same on every day it fires, so this is seldom recomputed).
    /// Prepares a result that passed `validate`; `accountID` and `day` are its account id
    /// and day as stored.
    init(
        _ result: (features: AccountDayFeatures, assessment: Assessment), accountID: String, day: String,
        tagsByRule: inout [String: (tags: [String], json: String)]
    ) {
        let (f, a) = result
        self.accountID = accountID
        self.day = day
        features = StorageFormat.json(f.features)
        evidence = StorageFormat.json(f.evidence)
        score = a.score
        flagged = a.flagged
        bias = a.bias
        hits = a.hits.map { h in
            let tags: String
            if let known = tagsByRule[h.ruleID], known.tags.elementsEqual(h.tags, by: StorageFormat.same) {
                tags = known.json
            } else {
                tags = StorageFormat.json(uniqueSorted(h.tags.map(StorageFormat.text)))
                tagsByRule[h.ruleID] = (h.tags, tags)
            }
            return Hit(
                ruleID: StorageFormat.text(h.ruleID), title: StorageFormat.text(h.title), weight: h.weight, tags: tags,
                explanation: StorageFormat.text(h.explanation), values: StorageFormat.json(h.values))
        }
        hits.sort { StorageFormat.precedes($0.ruleID, $1.ruleID) }
        hitsJSON = StorageFormat.json(hits)
        tags = uniqueSorted(a.hits.flatMap(\.tags).map(StorageFormat.text))
        let heaviest = hits.max { x, y in
            x.weight != y.weight ? x.weight < y.weight : StorageFormat.precedes(y.ruleID, x.ruleID)
        }
        title = heaviest?.title ?? "Flagged account"

        var rows: [EvidenceRow] = []
        for id in f.evidence.requestIDs { rows.append(EvidenceRow(kind: .requestID, value: StorageFormat.text(id), count: 1)) }
        for c in f.evidence.topIPs { rows.append(EvidenceRow(kind: .ip, value: StorageFormat.text(c.value), count: c.count)) }
        for c in f.evidence.topUserAgents {
            rows.append(EvidenceRow(kind: .userAgent, value: StorageFormat.text(c.value), count: c.count))
        }
        evidenceRows = EvidenceRow.merged(rows)
        evidenceJSON = EvidenceRow.json(evidenceRows)
    }
}

/// One `case_evidence` row of a day.
struct EvidenceRow: Equatable, Sendable {
    var kind: EvidenceKind
    var value: String
    var count: Int

    static func == (a: EvidenceRow, b: EvidenceRow) -> Bool {
        a.kind == b.kind && a.count == b.count && StorageFormat.same(a.value, b.value)
    }

    /// The rows as a JSON array of `[kind, value, count]` arrays.
    static func json(_ rows: [EvidenceRow]) -> String {
        var w = JSONWriter()
        w.beginArray()
        for r in rows {
            w.element()
            w.beginArray()
            w.element()
            w.string(r.kind.rawValue)
            w.element()
            w.string(r.value)
            w.element()
            w.integer(Int64(r.count))
            w.endArray()
        }
        w.endArray()
        return w.out
    }

    /// Sorted by kind and value bytes, with the counts of repeated values added up.
    static func merged(_ rows: [EvidenceRow]) -> [EvidenceRow] {
        let sorted = rows.sorted { a, b in
            a.kind != b.kind
                ? StorageFormat.precedes(a.kind.rawValue, b.kind.rawValue) : StorageFormat.precedes(a.value, b.value)
        }
        var out: [EvidenceRow] = []
        out.reserveCapacity(sorted.count)
        for row in sorted {
            if let last = out.last, last.kind == row.kind, StorageFormat.same(last.value, row.value) {
                out[out.count - 1].count += row.count
            } else {
                out.append(row)
            }
        }
        return out
    }
}

/// Strings without repeats, in byte order.
func uniqueSorted(_ strings: [String]) -> [String] {
    var out: [String] = []
    for s in strings.sorted(by: StorageFormat.precedes) where !(out.last.map { StorageFormat.same($0, s) } ?? false) {
        out.append(s)
    }
    return out
}

/// The prepared statements of one `record` transaction.
private struct RecordStatements {
    enum CaseChange { case opened, updated, unchanged }

    let selectDay, insertDay, upsertDay: Statement
    let selectCase, insertCase, updateCase, selectEvidence, deleteEvidence, insertEvidence, insertAudit: Statement

    init(_ db: Database) throws {
        selectDay = try db.cachedStatement(
            sql: "SELECT features, evidence, score, flagged, bias, hits FROM account_day WHERE account_id = ? AND day = ?")
        // A plain INSERT for days not stored yet: SQLite keeps a statement journal (a copy
        // of every page the statement touches, spilled to a temporary file past 64 KiB)
        // for an upsert, which may write twice and then abort, but not for a one-row
        // insert; on a 56,000-day run the journals came to 2.9 GB of writes.
        insertDay = try db.cachedStatement(
            sql: """
                INSERT INTO account_day (account_id, day, features, evidence, score, flagged, bias, hits, last_run_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        upsertDay = try db.cachedStatement(
            sql: """
                INSERT INTO account_day (account_id, day, features, evidence, score, flagged, bias, hits, last_run_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (account_id, day) DO UPDATE SET
                    features = excluded.features, evidence = excluded.evidence, score = excluded.score,
                    flagged = excluded.flagged, bias = excluded.bias, hits = excluded.hits,
                    last_run_id = excluded.last_run_id
                """)
        selectCase = try db.cachedStatement(
            sql: """
                SELECT id, status, score, last_score, title, tags, first_day, last_day FROM abuse_case
                WHERE kind = 'account' AND subject = ?
                """)
        insertCase = try db.cachedStatement(
            sql: """
                INSERT INTO abuse_case (kind, subject, status, score, last_score, title, tags, first_day, last_day,
                    created_at, updated_at)
                VALUES ('account', ?, 'open', ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        updateCase = try db.cachedStatement(
            sql: """
                UPDATE abuse_case SET score = ?, last_score = ?, title = ?, tags = ?, first_day = ?, last_day = ?,
                    updated_at = ?
                WHERE id = ?
                """)
        selectEvidence = try db.cachedStatement(
            sql: "SELECT kind, value, count FROM case_evidence WHERE case_id = ? AND day = ? ORDER BY kind, value")
        deleteEvidence = try db.cachedStatement(sql: "DELETE FROM case_evidence WHERE case_id = ? AND day = ?")
        // One statement per case day, its rows bound as one JSON array of [kind, value,
        // count] (values stay bound data): a statement per row cost more in binding than
        // SQLite spent storing it.
        insertEvidence = try db.cachedStatement(
            sql: """
                INSERT INTO case_evidence (case_id, day, kind, value, count)
                SELECT ?, ?, json_extract(j.value, '$[0]'), json_extract(j.value, '$[1]'), json_extract(j.value, '$[2]')
                FROM json_each(?) AS j
                """)
        insertAudit = try db.cachedStatement(
            sql: """
                INSERT INTO audit (case_id, at, actor, action, field, old_value, new_value)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """)
    }

    /// Writes one account day and its rule hits unless they already hold exactly this.
    /// Returns whether anything was written.
    /// Writes one account day unless it is stored already, identically. `fresh`: no row
    /// of this day exists, so nothing needs reading first.
    func storeDay(_ d: PreparedDay, runID: Int64, fresh: Bool) throws -> Bool {
        if !fresh, let row = try Row.fetchOne(selectDay, arguments: [d.accountID, d.day]),
            StorageFormat.same(row[0], d.features) && StorageFormat.same(row[1], d.evidence) && row[2] == d.score
                && row[3] == d.flagged && row[4] == d.bias && StorageFormat.same(row[5], d.hitsJSON)
        {
            return false
        }
        try (fresh ? insertDay : upsertDay).execute(arguments: [
            d.accountID, d.day, d.features, d.evidence, d.score, d.flagged, d.bias, d.hitsJSON, runID,
        ])
        return true
    }

    /// Opens or updates the case of one account from its flagged days (in day order).
    func storeCase(_ days: [PreparedDay], time: String, actor: String, db: Database) throws -> CaseChange {
        let subject = days[0].accountID
        let best = days.max { a, b in a.score < b.score }!  // the first of equal maxima
        let first = days.first!, last = days.last!
        let tags = uniqueSorted(days.flatMap(\.tags))

        guard let row = try Row.fetchOne(selectCase, arguments: [subject]) else {
            try insertCase.execute(arguments: [
                subject, best.score, last.score, best.title, StorageFormat.json(tags), first.day, last.day, time, time,
            ])
            let id = db.lastInsertedRowID
            for d in days { try insertEvidence.execute(arguments: [id, d.day, d.evidenceJSON]) }
            try insertAudit.execute(arguments: [id, time, actor, "opened", "status", nil, CaseStatus.open.rawValue])
            return .opened
        }

        let id: Int64 = row[0]
        let status = try CaseStore.enumValue(CaseStatus.self, row[1], table: "abuse_case", column: "status")
        let oldScore: Double = row[2], oldLastScore: Double = row[3]
        let oldTitle: String = row[4], oldTags: String = row[5], oldFirst: String = row[6], oldLast: String = row[7]
        let storedTags = try StorageFormat.decode([String].self, oldTags, table: "abuse_case", column: "tags")

        let score = max(oldScore, best.score)
        let title = best.score > oldScore ? best.title : oldTitle
        let firstDay = StorageFormat.precedes(first.day, oldFirst) ? first.day : oldFirst
        let lastDay = StorageFormat.precedes(oldLast, last.day) ? last.day : oldLast
        let lastScore = lastDay == last.day ? last.score : oldLastScore
        let newTags = StorageFormat.json(uniqueSorted(storedTags + tags))

        var changes: [(field: String, old: String, new: String)] = []
        if score != oldScore { changes.append(("score", "\(oldScore)", "\(score)")) }
        if lastScore != oldLastScore { changes.append(("last_score", "\(oldLastScore)", "\(lastScore)")) }
        if firstDay != oldFirst { changes.append(("first_day", oldFirst, firstDay)) }
        if lastDay != oldLast { changes.append(("last_day", oldLast, lastDay)) }
        if !StorageFormat.same(title, oldTitle) { changes.append(("title", oldTitle, title)) }
        if !StorageFormat.same(newTags, oldTags) { changes.append(("tags", oldTags, newTags)) }
        for d in days {
            let stored = try Row.fetchAll(selectEvidence, arguments: [id, d.day]).map { r in
                EvidenceRow(
                    kind: try CaseStore.enumValue(EvidenceKind.self, r[0], table: "case_evidence", column: "kind"),
                    value: r[1], count: r[2])
            }
            if stored != d.evidenceRows {
                try replaceEvidence(caseID: id, day: d)
                changes.append(("evidence:\(d.day)", "\(stored.count) rows", "\(d.evidenceRows.count) rows"))
            }
        }
        guard !changes.isEmpty else { return .unchanged }

        try updateCase.execute(arguments: [score, lastScore, title, newTags, firstDay, lastDay, time, id])
        let action = status.isDecided ? "new_evidence" : "updated"
        for c in changes {
            try insertAudit.execute(arguments: [id, time, actor, action, c.field, c.old, c.new])
        }
        return .updated
    }

    private func replaceEvidence(caseID: Int64, day: PreparedDay) throws {
        try deleteEvidence.execute(arguments: [caseID, day.day])
        try insertEvidence.execute(arguments: [caseID, day.day, day.evidenceJSON])
    }
}
