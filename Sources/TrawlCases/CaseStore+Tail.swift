import Foundation
import GRDB
import TrawlFeatures
import TrawlModel

/// A live run's checkpoint: where every followed stream stands and the window state built
/// from exactly the lines before those positions (see the `tail` migration).
public struct TailCheckpoint: Sendable, Equatable {
    /// Every stream, open or remembered; `saveTailCheckpoint` replaces the stored ones.
    public var streams: [StreamPosition]
    /// Buckets changed since the previous checkpoint (inserted or replaced).
    public var buckets: [WindowBucketRecord]
    /// Per window (span in ms), the first bucket still held: stored buckets before it are deleted.
    public var keepFrom: [WindowStart]
    /// The latest request time applied (`Timestamp.min`: none yet).
    public var watermark: Timestamp
    /// The run that wrote it.
    public var runID: Int64?
    /// The windows' spans, in ms (a restart with other windows starts the new ones empty).
    public var windowSpans: [Int64]

    public init(
        streams: [StreamPosition], buckets: [WindowBucketRecord], keepFrom: [WindowStart], watermark: Timestamp,
        runID: Int64?, windowSpans: [Int64]
    ) {
        self.streams = streams
        self.buckets = buckets
        self.keepFrom = keepFrom
        self.watermark = watermark
        self.runID = runID
        self.windowSpans = windowSpans
    }
}

/// The highest alert band an account or cluster reached in a live run.
public struct TailAlertLevel: Sendable, Equatable {
    public var band: Int
    public var score: Double
    public init(band: Int, score: Double) {
        self.band = band
        self.score = score
    }
}

extension CaseStore {
    /// Stores a checkpoint in one transaction: the streams (replacing the stored ones),
    /// the changed buckets, the deletion of buckets out of their window, and the meta
    /// values. A reader sees the previous checkpoint or this one, never a mix.
    ///
    /// - Throws: `CaseStoreError` (`.sqlFailed`) when the write fails; nothing is then stored.
    /// - Complexity: one statement per stream and per changed bucket, one per window to delete.
    public func saveTailCheckpoint(_ c: TailCheckpoint, at: Date) throws {
        try write("saving the live run's checkpoint") { db in
            try db.execute(sql: "DELETE FROM tail_stream")
            let stream = try db.cachedStatement(
                sql: """
                    INSERT INTO tail_stream (path, device, inode, head_length, head_hash, consumed, finished, last_read)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            for s in c.streams {
                try stream.execute(arguments: [
                    StorageFormat.text(s.path), Int64(bitPattern: s.device), Int64(bitPattern: s.inode), s.headLength,
                    Int64(bitPattern: s.headHash), s.offset, s.finished,
                    StorageFormat.time(Date(timeIntervalSince1970: Double(s.lastRead) / 1000)),
                ])
            }
            let bucket = try db.cachedStatement(
                sql: """
                    INSERT INTO tail_bucket (account_id, span_ms, bucket, state) VALUES (?, ?, ?, ?)
                    ON CONFLICT (account_id, span_ms, bucket) DO UPDATE SET state = excluded.state
                    """)
            for b in c.buckets {
                try bucket.execute(arguments: [StorageFormat.text(b.accountID), b.spanMillis, b.bucket, Data(b.state)])
            }
            for k in c.keepFrom {
                try db.execute(sql: "DELETE FROM tail_bucket WHERE span_ms = ? AND bucket < ?", arguments: [k.spanMillis, k.bucket])
            }
            // Windows no longer configured are dropped whole.
            if !c.windowSpans.isEmpty {
                try db.execute(
                    sql: "DELETE FROM tail_bucket WHERE span_ms NOT IN (\(c.windowSpans.map { _ in "?" }.joined(separator: ", ")))",
                    arguments: StatementArguments(c.windowSpans))
            }
            let meta = try db.cachedStatement(
                sql: "INSERT INTO tail_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
            try meta.execute(arguments: ["watermark", String(c.watermark)])
            try meta.execute(arguments: ["windows", c.windowSpans.map(String.init).joined(separator: ",")])
            try meta.execute(arguments: ["saved_at", StorageFormat.time(at)])
            if let run = c.runID { try meta.execute(arguments: ["run_id", String(run)]) }
        }
    }

    /// The stored checkpoint with every bucket, or `nil` when no live run has saved one.
    ///
    /// - Throws: `CaseStoreError` (`.corruptValue` for a meta value that is not a number).
    public func loadTailCheckpoint() throws -> TailCheckpoint? {
        try read("reading the live run's checkpoint") { db in
            var meta: [String: String] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT key, value FROM tail_meta") { meta[row[0]] = row[1] }
            guard let mark = meta["watermark"] else { return nil }
            guard let watermark = Int64(mark) else { throw CaseStoreError(.corruptValue(table: "tail_meta", column: "value")) }
            let streams = try Self.tailStreams(db)
            var buckets: [WindowBucketRecord] = []
            let rows = try Row.fetchCursor(
                db, sql: "SELECT account_id, span_ms, bucket, state FROM tail_bucket ORDER BY account_id, span_ms, bucket")
            while let r = try rows.next() {
                let state: Data = r[3]
                buckets.append(WindowBucketRecord(accountID: r[0], spanMillis: r[1], bucket: r[2], state: [UInt8](state)))
            }
            let spans = (meta["windows"] ?? "").split(separator: ",").compactMap { Int64($0) }
            return TailCheckpoint(
                streams: streams, buckets: buckets, keepFrom: [], watermark: watermark, runID: meta["run_id"].flatMap { Int64($0) },
                windowSpans: spans)
        }
    }

    /// The stored checkpoint's streams alone (cheap: no buckets are read).
    public func tailStreams() throws -> [StreamPosition] {
        try read("reading the live run's positions") { db in try Self.tailStreams(db) }
    }

    static func tailStreams(_ db: Database) throws -> [StreamPosition] {
        try Row.fetchAll(db, sql: "SELECT * FROM tail_stream ORDER BY id").map { r in
            let lastRead = try Self.storedTime(r["last_read"], table: "tail_stream", column: "last_read")
            return StreamPosition(
                path: r["path"], device: UInt64(bitPattern: r["device"]), inode: UInt64(bitPattern: r["inode"]),
                headLength: r["head_length"], headHash: UInt64(bitPattern: r["head_hash"]), offset: r["consumed"],
                finished: r["finished"], lastRead: Int64((lastRead.timeIntervalSince1970 * 1000).rounded()))
        }
    }

    /// The highest alert band reached by each account (`kind` `account`) or cluster.
    public func tailAlertLevels(kind: CaseKind) throws -> [String: TailAlertLevel] {
        try read("reading alert levels") { db in
            var out: [String: TailAlertLevel] = [:]
            for r in try Row.fetchAll(db, sql: "SELECT subject, band, score FROM tail_alert WHERE kind = ?", arguments: [kind.rawValue]) {
                out[r[0]] = TailAlertLevel(band: r[1], score: r[2])
            }
            return out
        }
    }

    /// Records the alert band an account or cluster reached (or lowers it when re-armed).
    public func saveTailAlertLevel(kind: CaseKind, subject: String, level: TailAlertLevel?, at: Date) throws {
        try write("saving an alert level") { db in
            if let level {
                try db.execute(
                    sql: """
                        INSERT INTO tail_alert (kind, subject, band, score, at) VALUES (?, ?, ?, ?, ?)
                        ON CONFLICT (kind, subject) DO UPDATE SET band = excluded.band, score = excluded.score, at = excluded.at
                        """,
                    arguments: [kind.rawValue, StorageFormat.text(subject), level.band, level.score, StorageFormat.time(at)])
            } else {
                try db.execute(
                    sql: "DELETE FROM tail_alert WHERE kind = ? AND subject = ?", arguments: [kind.rawValue, StorageFormat.text(subject)])
            }
        }
    }

    /// The id of the case of an account or cluster, or `nil` when it has none.
    public func caseID(kind: CaseKind, subject: String) throws -> Int64? {
        try read("looking up a case") { db in
            try Int64.fetchOne(
                db, sql: "SELECT id FROM abuse_case WHERE kind = ? AND subject = ?",
                arguments: [kind.rawValue, StorageFormat.text(subject)])
        }
    }
}
