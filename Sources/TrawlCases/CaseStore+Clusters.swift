import Foundation
import GRDB
import TrawlFeatures
import TrawlModel
import TrawlRules

extension CaseStore {
    /// Opens or updates one cluster case per flagged cluster of a run.
    ///
    /// **Identity by member overlap.** A cluster and a stored cluster case (not merged, by its
    /// active members) are related when they share at least half of the accounts of either.
    /// Each case goes to the related cluster that shares most with it (ties: the earlier
    /// cluster). A cluster that gets one case updates it; one that gets several updates the
    /// oldest and merges the others into it (their `merged_into` is set and their members
    /// leave; audit `merged` on both sides); one that gets none but is related to a case
    /// owned by another cluster is split off it (a new case; audit `split` on both sides);
    /// one related to nothing opens a new case (audit `opened`).
    ///
    /// **Updating** a case: the members become the cluster's (those no longer in it are kept
    /// as inactive), the input's `cluster_day` row and `cluster_link` rows are replaced, and
    /// score (the highest), last score, days, title and tags follow as for account cases;
    /// every changed field writes an audit entry (`updated`, or `new_evidence` on a case an
    /// analyst has decided, whose status is kept).
    ///
    /// Idempotent: recording the same observations again changes nothing and writes no audit.
    /// - Parameters:
    ///   - observations: flagged clusters, each with distinct member account ids.
    /// - Returns: counts, and the case id and subject of each observation in order.
    /// - Throws: `CaseStoreError`: `.unknownRun`; `.invalidInput` for a cluster without
    ///   members, a member twice, or a score that is not finite; `.sqlFailed` (nothing of this
    ///   call is then stored).
    public func recordClusters(runID: Int64, _ observations: [ClusterObservation], at: Date) throws -> ClusterRecordOutcome {
        let prepared = try observations.enumerated().map { try PreparedCluster($0.element, index: $0.offset) }
        let time = StorageFormat.time(at)
        let actor = "run:\(runID)"
        return try write("recording clusters of run \(runID)") { db in
            try requireRun(runID, db)
            var outcome = ClusterRecordOutcome()
            // The active members of every live cluster case.
            var membersOfCase: [Int64: Set<String>] = [:]
            var casesOfAccount: [String: [Int64]] = [:]
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT m.case_id, m.account_id FROM cluster_member m JOIN abuse_case c ON c.id = m.case_id
                    WHERE m.active = 1 AND c.kind = 'cluster' AND c.merged_into IS NULL
                    """)
            while let r = try rows.next() {
                let id: Int64 = r[0], account: String = r[1]
                membersOfCase[id, default: []].insert(account)
                casesOfAccount[account, default: []].append(id)
            }
            // Overlaps and who owns which case.
            var overlaps: [[Int64: Int]] = []
            var owner: [Int64: (cluster: Int, overlap: Int)] = [:]
            for (k, p) in prepared.enumerated() {
                var o: [Int64: Int] = [:]
                for m in p.memberIDs { for c in casesOfAccount[m] ?? [] { o[c, default: 0] += 1 } }
                o = o.filter { c, n in 2 * n >= membersOfCase[c]!.count || 2 * n >= p.memberIDs.count }
                overlaps.append(o)
                for (c, n) in o where owner[c].map({ n > $0.overlap }) ?? true { owner[c] = (k, n) }
            }
            for (k, p) in prepared.enumerated() {
                let owned = overlaps[k].keys.filter { owner[$0]?.cluster == k }.sorted()
                let id: Int64
                let subject: String
                if let target = owned.first {
                    (id, subject) = (target, try Self.subject(of: target, db))
                    switch try ClusterWriter(db: db, time: time, actor: actor, runID: runID).update(target, with: p) {
                    case true: outcome.updated += 1
                    case false: outcome.unchanged += 1
                    }
                    for other in owned.dropFirst() {
                        try ClusterWriter(db: db, time: time, actor: actor, runID: runID).merge(other, into: target)
                        outcome.merged += 1
                    }
                } else {
                    let writer = ClusterWriter(db: db, time: time, actor: actor, runID: runID)
                    (id, subject) = try writer.open(p)
                    outcome.opened += 1
                    // Related to a case another cluster took: split off it.
                    if let source = overlaps[k].sorted(by: { ($0.value, -$0.key) > ($1.value, -$1.key) }).first?.key {
                        try writer.split(id, from: source)
                        outcome.split += 1
                    }
                }
                outcome.caseIDs.append(id)
                outcome.subjects.append(subject)
            }
            return outcome
        }
    }

    static func subject(of id: Int64, _ db: Database) throws -> String {
        try String.fetchOne(db, sql: "SELECT subject FROM abuse_case WHERE id = ?", arguments: [id]) ?? ""
    }

    /// The cluster case detail of case `id` (members, days, links), for `caseDetail`.
    static func clusterDetail(id: Int64, mergedInto: Int64?, _ db: Database) throws -> ClusterDetail {
        let members = try Row.fetchAll(
            db,
            sql: """
                SELECT account_id, first_day, last_day, score, flagged, active FROM cluster_member
                WHERE case_id = ? ORDER BY active DESC, score DESC, account_id
                """, arguments: [id]
        ).map { r in
            ClusterMemberRecord(accountID: r[0], firstDay: r[1], lastDay: r[2], score: r[3], flagged: r[4], active: r[5])
        }
        let days = try Row.fetchAll(db, sql: "SELECT * FROM cluster_day WHERE case_id = ? ORDER BY day", arguments: [id]).map { r in
            let hits = try StorageFormat.decode([StoredHitJSON].self, r["hits"], table: "cluster_day", column: "hits")
            return ClusterDayRecord(
                day: r["day"], firstDay: r["first_day"], members: r["members"],
                features: try StorageFormat.features(r["features"], table: "cluster_day", column: "features"),
                score: r["score"], flagged: r["flagged"], bias: r["bias"], hits: hits.map(\.hit), lastRunID: r["last_run_id"])
        }
        let links = try Row.fetchAll(
            db,
            sql: """
                SELECT day, kind, value, bits, holders, accounts FROM cluster_link WHERE case_id = ?
                ORDER BY day, bits * (json_array_length(accounts) - 1) DESC, kind, value
                """, arguments: [id]
        ).map { r in
            ClusterLinkRecord(
                day: r[0], kind: r[1], value: r[2], bits: r[3], holders: r[4],
                accounts: try StorageFormat.decode([String].self, r[5], table: "cluster_link", column: "accounts"))
        }
        return ClusterDetail(members: members, days: days, links: links, mergedInto: mergedInto)
    }

    /// The live cluster cases (not merged) an account is an active member of, by id.
    static func clusterCases(ofAccount accountID: String, _ db: Database) throws -> [Int64] {
        try Int64.fetchAll(
            db,
            sql: """
                SELECT m.case_id FROM cluster_member m JOIN abuse_case c ON c.id = m.case_id
                WHERE m.account_id = ? AND m.active = 1 AND c.merged_into IS NULL ORDER BY m.case_id
                """, arguments: [accountID])
    }
}

/// One element of a stored `hits` column.
struct StoredHitJSON: Decodable {
    var explanation: String
    var feature_values: [String: FeatureValue]
    var rule_id: String
    var tags: [String]
    var title: String
    var weight: Double

    var hit: StoredRuleHit {
        StoredRuleHit(ruleID: rule_id, title: title, weight: weight, tags: tags, explanation: explanation, values: feature_values)
    }
}

/// An observation validated and turned into the text the store writes.
private struct PreparedCluster {
    var memberIDs: [String]
    var members: [ClusterObservation.Member]
    var day: String
    var firstDay: String
    var features: String
    var score: Double
    var flagged: Bool
    var bias: Double
    var hitsJSON: String
    var tags: [String]
    var title: String
    /// `[kind, value, bits, holders, accounts]` rows as one JSON array, and their count.
    var linksJSON: String
    var linkCount: Int
    var links: [ClusterObservation.Link]

    init(_ o: ClusterObservation, index: Int) throws {
        guard !o.members.isEmpty else { throw CaseStoreError(.invalidInput("clusters[\(index)]: a cluster needs members")) }
        members = o.members.map {
            ClusterObservation.Member(accountID: StorageFormat.text($0.accountID), score: $0.score, flagged: $0.flagged)
        }
        members.sort { StorageFormat.precedes($0.accountID, $1.accountID) }
        memberIDs = members.map(\.accountID)
        for (a, b) in zip(memberIDs, memberIDs.dropFirst()) where StorageFormat.same(a, b) {
            throw CaseStoreError(.invalidInput("clusters[\(index)]: an account is a member twice"))
        }
        let a = o.assessment
        guard a.score.isFinite, a.bias.isFinite, a.hits.allSatisfy(\.weight.isFinite), members.allSatisfy(\.score.isFinite),
            o.links.allSatisfy(\.bits.isFinite)
        else {
            throw CaseStoreError(.invalidInput("clusters[\(index)]: scores, bits and rule weights must be finite numbers"))
        }
        day = StorageFormat.day(o.lastDay)
        firstDay = StorageFormat.day(o.firstDay)
        features = StorageFormat.json(o.features)
        score = a.score
        flagged = a.flagged
        bias = a.bias
        var hits = a.hits.map { h in
            StorageFormat.HitText(
                ruleID: StorageFormat.text(h.ruleID), title: StorageFormat.text(h.title), weight: h.weight,
                tags: StorageFormat.json(uniqueSorted(h.tags.map(StorageFormat.text))), explanation: StorageFormat.text(h.explanation),
                values: StorageFormat.json(h.values))
        }
        hits.sort { StorageFormat.precedes($0.ruleID, $1.ruleID) }
        hitsJSON = StorageFormat.json(hits)
        tags = uniqueSorted(a.hits.flatMap(\.tags).map(StorageFormat.text))
        let heaviest = hits.max { x, y in x.weight != y.weight ? x.weight < y.weight : StorageFormat.precedes(y.ruleID, x.ruleID) }
        title = heaviest?.title ?? "Linked accounts"
        // Distinct (kind, value): the first (strongest) wins.
        var seen: Set<String> = []
        links = []
        for l in o.links {
            let value = StorageFormat.text(l.value)
            guard seen.insert(l.kind.name + "\u{0}" + value).inserted else { continue }
            // Bits to 1/1000: the text SQLite's JSON reader parses back to the same number.
            links.append(
                ClusterObservation.Link(
                    kind: l.kind, value: value, bits: (l.bits * 1000).rounded() / 1000, holders: l.holders,
                    accounts: l.accounts.map(StorageFormat.text)))
        }
        linkCount = links.count
        var w = JSONWriter()
        w.beginArray()
        for l in links {
            w.element()
            w.beginArray()
            w.element()
            w.string(l.kind.name)
            w.element()
            w.string(l.value)
            w.element()
            w.number(l.bits)
            w.element()
            w.integer(Int64(l.holders))
            w.element()
            w.string(StorageFormat.json(l.accounts))
            w.endArray()
        }
        w.endArray()
        linksJSON = w.out
    }

    /// The links as `ORDER BY kind, value` returns them, for comparing with stored rows.
    var sortedLinkRows: [String] {
        links.map { "\($0.kind.name)\u{0}\($0.value)\u{0}\($0.bits)\u{0}\($0.holders)\u{0}\(StorageFormat.json($0.accounts))" }
            .sorted(by: StorageFormat.precedes)
    }
}

/// The writes of one `recordClusters` transaction for one case.
private struct ClusterWriter {
    let db: Database
    let time: String
    let actor: String
    let runID: Int64

    private func audit(_ id: Int64, _ action: String, _ field: String?, _ old: String?, _ new: String?) throws {
        try run(
            "INSERT INTO audit (case_id, at, actor, action, field, old_value, new_value) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [id, time, actor, action, field, old, new])
    }

    /// Runs a statement, prepared once per connection (a run writes thousands of member rows).
    private func run(_ sql: String, _ arguments: StatementArguments) throws {
        try db.cachedStatement(sql: sql).execute(arguments: arguments)
    }

    /// A subject for a new case: `cluster-` and 12 hex digits of a hash of its members
    /// (with a suffix in the unlikely case that another cluster case has it).
    private func newSubject(_ p: PreparedCluster) throws -> String {
        let hash = stableHash(p.memberIDs.joined(separator: "\n"))
        let hex = String(hash >> 16, radix: 16)
        let base = "cluster-" + String(repeating: "0", count: max(0, 12 - hex.count)) + hex
        var subject = base
        var n = 2
        while try Bool.fetchOne(
            db, sql: "SELECT EXISTS (SELECT 1 FROM abuse_case WHERE kind = 'cluster' AND subject = ?)", arguments: [subject]) == true
        {
            subject = "\(base)-\(n)"
            n += 1
        }
        return subject
    }

    func open(_ p: PreparedCluster) throws -> (Int64, String) {
        let subject = try newSubject(p)
        try db.execute(
            sql: """
                INSERT INTO abuse_case (kind, subject, status, score, last_score, title, tags, first_day, last_day, created_at, updated_at)
                VALUES ('cluster', ?, 'open', ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [subject, p.score, p.score, p.title, StorageFormat.json(p.tags), p.firstDay, p.day, time, time])
        let id = db.lastInsertedRowID
        // One bound row per member (scores stay exact doubles, compared as stored on a rerun).
        for m in p.members {
            try run(
                """
                INSERT INTO cluster_member (case_id, account_id, first_day, last_day, score, flagged, active)
                VALUES (?, ?, ?, ?, ?, ?, 1)
                """, [id, m.accountID, p.firstDay, p.day, m.score, m.flagged])
        }
        try writeDay(id, p)
        try writeLinks(id, p)
        try audit(id, "opened", "status", nil, CaseStatus.open.rawValue)
        return (id, subject)
    }

    func split(_ id: Int64, from source: Int64) throws {
        try audit(id, "split", "split_from", nil, String(source))
        try audit(source, "split", "split_into", nil, String(id))
    }

    func merge(_ other: Int64, into target: Int64) throws {
        try run("UPDATE abuse_case SET merged_into = ?, updated_at = ? WHERE id = ?", [target, time, other])
        try run("UPDATE cluster_member SET active = 0 WHERE case_id = ?", [other])
        try audit(other, "merged", "merged_into", nil, String(target))
        try audit(target, "merged", "absorbed", nil, String(other))
    }

    private func writeDay(_ id: Int64, _ p: PreparedCluster) throws {
        try db.execute(
            sql: """
                INSERT INTO cluster_day (case_id, day, first_day, members, features, score, flagged, bias, hits, last_run_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (case_id, day) DO UPDATE SET
                    first_day = excluded.first_day, members = excluded.members, features = excluded.features,
                    score = excluded.score, flagged = excluded.flagged, bias = excluded.bias, hits = excluded.hits,
                    last_run_id = excluded.last_run_id
                """,
            arguments: [id, p.day, p.firstDay, p.members.count, p.features, p.score, p.flagged, p.bias, p.hitsJSON, runID])
    }

    private func writeLinks(_ id: Int64, _ p: PreparedCluster) throws {
        try run("DELETE FROM cluster_link WHERE case_id = ? AND day = ?", [id, p.day])
        // One statement for the input's rows, bound as one JSON array (values stay bound data).
        try db.execute(
            sql: """
                INSERT INTO cluster_link (case_id, day, kind, value, bits, holders, accounts)
                SELECT ?, ?, json_extract(j.value, '$[0]'), json_extract(j.value, '$[1]'), json_extract(j.value, '$[2]'),
                    json_extract(j.value, '$[3]'), json_extract(j.value, '$[4]')
                FROM json_each(?) AS j
                """, arguments: [id, p.day, p.linksJSON])
    }

    /// Updates case `id` with an observation; returns whether anything changed.
    func update(_ id: Int64, with p: PreparedCluster) throws -> Bool {
        guard
            let row = try Row.fetchOne(
                db, sql: "SELECT status, score, last_score, title, tags, first_day, last_day FROM abuse_case WHERE id = ?",
                arguments: [id])
        else { throw CaseStoreError(.unknownCase(id: id)) }
        let status = try CaseStore.enumValue(CaseStatus.self, row[0], table: "abuse_case", column: "status")
        let oldScore: Double = row[1], oldLastScore: Double = row[2]
        let oldTitle: String = row[3], oldTags: String = row[4], oldFirst: String = row[5], oldLast: String = row[6]
        let storedTags = try StorageFormat.decode([String].self, oldTags, table: "abuse_case", column: "tags")
        let score = max(oldScore, p.score)
        let title = p.score > oldScore ? p.title : oldTitle
        let firstDay = StorageFormat.precedes(p.firstDay, oldFirst) ? p.firstDay : oldFirst
        let lastDay = StorageFormat.precedes(oldLast, p.day) ? p.day : oldLast
        let lastScore = lastDay == p.day ? p.score : oldLastScore
        let newTags = StorageFormat.json(uniqueSorted(storedTags + p.tags))

        var changes: [(field: String, old: String, new: String)] = []
        if score != oldScore { changes.append(("score", "\(oldScore)", "\(score)")) }
        if lastScore != oldLastScore { changes.append(("last_score", "\(oldLastScore)", "\(lastScore)")) }
        if firstDay != oldFirst { changes.append(("first_day", oldFirst, firstDay)) }
        if lastDay != oldLast { changes.append(("last_day", oldLast, lastDay)) }
        if !StorageFormat.same(title, oldTitle) { changes.append(("title", oldTitle, title)) }
        if !StorageFormat.same(newTags, oldTags) { changes.append(("tags", oldTags, newTags)) }

        // Members: the cluster's become active; the others stay, inactive.
        var stored: [String: (first: String, last: String, score: Double, flagged: Bool, active: Bool)] = [:]
        for r in try Row.fetchAll(
            db, sql: "SELECT account_id, first_day, last_day, score, flagged, active FROM cluster_member WHERE case_id = ?",
            arguments: [id])
        {
            stored[r[0]] = (r[1], r[2], r[3], r[4], r[5])
        }
        let wasActive = stored.filter(\.value.active).count
        var added = 0, left = 0, memberRows = 0
        let inCluster = Set(p.memberIDs)
        for m in p.members {
            let old = stored[m.accountID]
            let first = old.map { StorageFormat.precedes(p.firstDay, $0.first) ? p.firstDay : $0.first } ?? p.firstDay
            let last = old.map { StorageFormat.precedes($0.last, p.day) ? p.day : $0.last } ?? p.day
            let latest = old.map { !StorageFormat.precedes(p.day, $0.last) } ?? true
            let score = latest ? m.score : old!.score
            let flagged = latest ? m.flagged : old!.flagged
            if let old, old.first == first, old.last == last, old.score == score, old.flagged == flagged, old.active { continue }
            if old?.active != true { added += 1 }
            memberRows += 1
            try run(
                """
                INSERT INTO cluster_member (case_id, account_id, first_day, last_day, score, flagged, active)
                VALUES (?, ?, ?, ?, ?, ?, 1)
                ON CONFLICT (case_id, account_id) DO UPDATE SET first_day = excluded.first_day,
                    last_day = excluded.last_day, score = excluded.score, flagged = excluded.flagged, active = 1
                """, [id, m.accountID, first, last, score, flagged])
        }
        for (account, old) in stored where old.active && !inCluster.contains(account) {
            left += 1
            try run("UPDATE cluster_member SET active = 0 WHERE case_id = ? AND account_id = ?", [id, account])
        }
        if added > 0 || left > 0 {
            changes.append(("members", "\(wasActive) accounts", "\(p.members.count) accounts (+\(added) -\(left))"))
        } else if memberRows > 0 {
            changes.append(("member_scores", "", "\(memberRows) accounts"))
        }

        // The input's verdict and evidence.
        let day = try Row.fetchOne(
            db, sql: "SELECT first_day, members, features, score, flagged, bias, hits FROM cluster_day WHERE case_id = ? AND day = ?",
            arguments: [id, p.day])
        let sameDay =
            day.map { d in
                StorageFormat.same(d[0], p.firstDay) && d[1] == p.members.count && StorageFormat.same(d[2], p.features)
                    && d[3] == p.score && d[4] == p.flagged && d[5] == p.bias && StorageFormat.same(d[6], p.hitsJSON)
            } ?? false
        if !sameDay {
            try writeDay(id, p)
            changes.append(("cluster_day:\(p.day)", day == nil ? "" : "changed", "score \(p.score)"))
        }
        let storedLinks = try Row.fetchAll(
            db, sql: "SELECT kind, value, bits, holders, accounts FROM cluster_link WHERE case_id = ? AND day = ?",
            arguments: [id, p.day]
        ).map { r -> String in
            let kind: String = r[0], value: String = r[1], bits: Double = r[2], holders: Int = r[3], accounts: String = r[4]
            return "\(kind)\u{0}\(value)\u{0}\(bits)\u{0}\(holders)\u{0}\(accounts)"
        }.sorted(by: StorageFormat.precedes)
        if !storedLinks.elementsEqual(p.sortedLinkRows, by: StorageFormat.same) {
            try writeLinks(id, p)
            changes.append(("links:\(p.day)", "\(storedLinks.count) rows", "\(p.linkCount) rows"))
        }
        guard !changes.isEmpty else { return false }
        try db.execute(
            sql: """
                UPDATE abuse_case SET score = ?, last_score = ?, title = ?, tags = ?, first_day = ?, last_day = ?, updated_at = ?
                WHERE id = ?
                """, arguments: [score, lastScore, title, newTags, firstDay, lastDay, time, id])
        let action = status.isDecided ? "new_evidence" : "updated"
        for c in changes { try audit(id, action, c.field, c.old, c.new) }
        return true
    }
}
