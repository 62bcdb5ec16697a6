import Foundation
import GRDB

/// The SQLite file that holds runs, per-day features and rule hits, and cases with
/// their evidence, notes and audit trail.
///
/// A file store uses a WAL-mode `DatabasePool`: one writer, concurrent readers, and
/// other processes (`trawl cases update` during a run) wait up to 10 s for the write
/// lock. Foreign keys are enforced. Opening migrates the schema forward; a file
/// written by a newer Trawl is refused rather than touched.
///
/// Every method is synchronous and thread-safe; each write is one transaction.
public final class CaseStore: Sendable {
    /// The connection: a `DatabasePool` for files, a `DatabaseQueue` in memory.
    let writer: any DatabaseWriter
    /// The file, or `nil` in memory.
    let path: String?

    /// Opens (creating if needed) the store at `path` and migrates it to the current schema.
    ///
    /// - Throws: `CaseStoreError` with `.cannotOpen` when the file cannot be opened or
    ///   is not an SQLite database, `.newerSchema` when a newer Trawl wrote it,
    ///   `.migrationFailed` when a migration fails.
    /// - Parameter cacheMiB: SQLite's page cache per connection. A batch run's transaction
    ///   spills to the WAL when it is full: 16 MiB recorded 55,000 account days as fast as
    ///   64 MiB did (2.0-2.4 s both), with 48 MiB less resident at the run's peak; a
    ///   long-lived process that writes little at a time (`trawl tail`) takes less still.
    public convenience init(path: String, cacheMiB: Int = defaultCacheMiB) throws {
        let pool: DatabasePool
        do {
            pool = try DatabasePool(path: path, configuration: Self.configuration(cacheMiB: cacheMiB))
        } catch let error as DatabaseError {
            throw CaseStoreError(.cannotOpen(path: path), underlying: error)
        }
        try self.init(writer: pool, path: path)
    }

    /// A fresh store in memory, for tests and dry runs.
    ///
    /// - Throws: `CaseStoreError` if SQLite cannot create the database.
    public static func inMemory() throws -> CaseStore {
        let queue: DatabaseQueue
        do {
            queue = try DatabaseQueue(configuration: configuration())
        } catch let error as DatabaseError {
            throw CaseStoreError(.cannotOpen(path: ":memory:"), underlying: error)
        }
        return try CaseStore(writer: queue, path: nil)
    }

    /// Wraps an open connection and migrates it.
    ///
    /// - Throws: `CaseStoreError` (`.newerSchema`, `.migrationFailed`, `.cannotOpen`).
    init(writer: any DatabaseWriter, path: String?) throws {
        self.writer = writer
        self.path = path
        try Self.migrate(writer, path: path)
    }

    /// SQLite's page cache per connection unless a caller asks for another (see `init(path:cacheMiB:)`).
    public static let defaultCacheMiB = 16

    static func configuration(cacheMiB: Int = defaultCacheMiB) -> Configuration {
        var config = Configuration()
        config.foreignKeysEnabled = true
        config.busyMode = .timeout(10)
        config.label = "trawl.cases"
        config.prepareDatabase { db in
            // WAL with synchronous=NORMAL never corrupts the file; a power cut can lose
            // only the last transactions, which a re-run of the same input restores.
            // It saves an fsync per commit, and a batch run commits tens of MB at once.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            try db.execute(sql: "PRAGMA cache_size = -\(max(1, cacheMiB) * 1024)")
            // 16 KiB pages for new files (no effect on an existing one): an account day is
            // 1-3 KB of JSON, and on 4 KiB pages a third of each page went unused; the
            // batch store wrote 8% fewer bytes and took 15-25% less time.
            try db.execute(sql: "PRAGMA page_size = 16384")
            // Statement journals (kept while an upsert runs inside the batch transaction)
            // and temporary tables in memory: on disk they were written and read back
            // page by page for every statement.
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
        }
        return config
    }

    /// Refuses a database with unknown migrations, then applies the missing ones.
    private static func migrate(_ writer: any DatabaseWriter, path: String?) throws {
        let migrator = Self.migrator
        let applied: Set<String>
        do {
            applied = try writer.read { db in try migrator.appliedIdentifiers(db) }
        } catch let error as DatabaseError {
            throw CaseStoreError(.cannotOpen(path: path ?? ":memory:"), underlying: error)
        }
        let unknown = applied.subtracting(migrator.migrations)
        if !unknown.isEmpty {
            throw CaseStoreError(.newerSchema(unknownMigrations: unknown.sorted()))
        }
        do {
            try migrator.migrate(writer)
        } catch let error as DatabaseError {
            throw CaseStoreError(.migrationFailed, underlying: error)
        }
    }

    // MARK: Access for the store's own extensions

    /// Runs `body` in one write transaction, naming `operation` in any error.
    func write<T>(_ operation: String, _ body: (Database) throws -> T) throws -> T {
        try CaseStoreError.wrapping(operation) { try writer.write(body) }
    }

    /// Runs `body` on a read-only snapshot, naming `operation` in any error.
    func read<T>(_ operation: String, _ body: (Database) throws -> T) throws -> T {
        try CaseStoreError.wrapping(operation) { try writer.read(body) }
    }
}
