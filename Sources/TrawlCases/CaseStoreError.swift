import GRDB

/// Why a case store operation (or a case export or verification) failed, with the SQLite
/// error behind it when there is one.
///
/// Descriptions name case ids, run ids, statuses, days and file paths, never account
/// ids, addresses or user agents; SQL in an underlying error never carries argument
/// values (every value is bound, and GRDB hides bound values unless asked).
public struct CaseStoreError: Error, CustomStringConvertible, Sendable {
    /// What went wrong, in terms an analyst or the calling code can act on.
    public enum Reason: Sendable, Equatable {
        /// The file could not be opened or is not an SQLite database.
        case cannotOpen(path: String)
        /// The file was written by a newer Trawl: it holds migrations this build does not know.
        case newerSchema(unknownMigrations: [String])
        /// Applying a schema migration failed.
        case migrationFailed
        /// No case has this id.
        case unknownCase(id: Int64)
        /// No run has this id.
        case unknownRun(id: Int64)
        /// The lifecycle does not allow this status change.
        case invalidTransition(caseID: Int64, from: CaseStatus, to: CaseStatus, allowed: [CaseStatus])
        /// The caller passed something the store cannot record (the text says what).
        case invalidInput(String)
        /// A stored JSON column could not be decoded.
        case corruptValue(table: String, column: String)
        /// SQLite refused a statement while doing the named operation.
        case sqlFailed(operation: String)
        /// An export could not write a file or folder (the reason is the system's).
        case cannotWrite(path: String, reason: String)
        /// A file to verify could not be read (the reason is the system's).
        case cannotRead(path: String, reason: String)
        /// No folder or file at this path.
        case noSuchPath(String)
        /// Neither this folder nor any folder in it holds a `manifest.json`.
        case noManifest(path: String)
    }

    /// What went wrong.
    public let reason: Reason
    /// The SQLite error behind a failure to open, migrate or run a statement.
    public let underlying: DatabaseError?

    public init(_ reason: Reason, underlying: DatabaseError? = nil) {
        self.reason = reason
        self.underlying = underlying
    }

    public var description: String {
        var text = "case store: "
        switch reason {
        case .cannotOpen(let path):
            text += "cannot open \(path)"
        case .newerSchema(let unknown):
            text +=
                "the database was written by a newer version of trawl "
                + "(unknown migrations: \(unknown.joined(separator: ", "))); upgrade trawl to open it"
        case .migrationFailed:
            text += "migrating the database schema failed"
        case .unknownCase(let id):
            text += "no case with id \(id)"
        case .unknownRun(let id):
            text += "no run with id \(id)"
        case .invalidTransition(let caseID, let from, let to, let allowed):
            let next = allowed.isEmpty ? "none" : allowed.map(\.rawValue).joined(separator: ", ")
            text +=
                "case \(caseID): cannot change status from \(from.rawValue) to \(to.rawValue); "
                + "allowed from \(from.rawValue): \(next)"
        case .invalidInput(let what):
            text += what
        case .corruptValue(let table, let column):
            text += "cannot decode \(table).\(column): the stored value is not the expected JSON"
        case .sqlFailed(let operation):
            text += "\(operation) failed"
        case .cannotWrite(let path, let reason):
            text = "export: cannot write \(path): \(reason)"
        case .cannotRead(let path, let reason):
            text = "verify: cannot read \(path): \(reason)"
        case .noSuchPath(let path):
            text = "\(path): no such file or folder"
        case .noManifest(let path):
            text = "verify: \(path): no manifest.json here or in its folders; give an exported case folder or the export folder"
        }
        if let underlying {
            text += ": \(underlying)"
        }
        return text
    }
}

extension CaseStoreError {
    /// Runs `body`, turning any GRDB error into a `CaseStoreError` naming `operation`.
    ///
    /// A `CaseStoreError` thrown inside `body` passes through unchanged.
    static func wrapping<T>(_ operation: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as CaseStoreError {
            throw error
        } catch let error as DatabaseError {
            throw CaseStoreError(.sqlFailed(operation: operation), underlying: error)
        } catch {
            throw CaseStoreError(.sqlFailed(operation: "\(operation) (\(error))"))
        }
    }
}
