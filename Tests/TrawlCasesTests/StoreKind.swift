import Foundation
import Testing

@testable import TrawlCases

/// The two kinds of store every store test runs on.
enum StoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    /// `CaseStore.inMemory()`: a `DatabaseQueue`.
    case memory
    /// `CaseStore(path:)` on a temporary file: a WAL `DatabasePool`.
    case file

    var testDescription: String { rawValue }

    /// Runs `body` on a new, empty store of this kind; a file store's folder is removed afterwards.
    func withStore<T>(_ body: (CaseStore) throws -> T) throws -> T {
        switch self {
        case .memory:
            return try body(CaseStore.inMemory())
        case .file:
            let folder = try temporaryFolder()
            defer { try? FileManager.default.removeItem(at: folder) }
            return try body(CaseStore(path: folder.appendingPathComponent("cases.sqlite").path))
        }
    }
}

/// A new empty folder under the system's temporary folder.
func temporaryFolder() throws -> URL {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("trawl-cases-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    return folder
}
