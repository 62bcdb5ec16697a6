import Foundation
import Synchronization
import TrawlModel
import TrawlRules

#if canImport(Glibc)
    import Glibc
#endif

/// A file an export can write beside `manifest.json`.
public enum CaseExportFormat: String, Sendable, CaseIterable, Codable {
    /// `case.json`, for enforcement systems (`CaseFile`, schema in `CaseFileSchema`).
    case json
    /// `report.html`, for people (`CaseReportRenderer`).
    case html
    /// `accounts.csv`, for bulk tools (`AccountsCSVWriter`).
    case csv

    /// The file's name in a case folder.
    public var fileName: String {
        switch self {
        case .json: "case.json"
        case .html: "report.html"
        case .csv: "accounts.csv"
        }
    }
}

/// What one export writes and how.
public struct CaseExportOptions: Sendable {
    /// The files to write (in this order in `export.formats`); `manifest.json` always.
    public var formats: [CaseExportFormat] = CaseExportFormat.allCases
    /// Masking of free text (on unless `--unredacted`).
    public var redaction = ExportRedaction(isOn: true)
    /// The rules folder's rule set, for rule descriptions and references (`nil`: none).
    public var rules: RuleSet?
    /// That folder's digest (`RulesDigest`).
    public var rulesVersion: String?
    /// The time written into every file of the export.
    public var exportedAt = Date()

    public init() {}
}

/// One exported case folder.
public struct CaseExportResult: Sendable, Equatable, Encodable {
    public var caseID: Int64
    /// The case folder (`DIR/case-<id>`).
    public var folder: String
    /// The files written, `manifest.json` last.
    public var files: [String]
    /// SHA-256 of `manifest.json`: send it by another channel to make the folder tamper-evident.
    public var manifestSHA256: String
    public var redacted: Bool

    enum CodingKeys: String, CodingKey {
        case caseID = "case_id", folder, files, manifestSHA256 = "manifest_sha256", redacted
    }
}

/// Writes case folders: `DIR/case-<id>/` with `case.json`, `report.html`, `accounts.csv`
/// (as asked) and `manifest.json`.
///
/// A folder is written under a temporary name in `DIR` and renamed into place, so a
/// reader never sees half a folder; exporting a case again replaces its folder. Files are
/// not synced to disk (a sync per file took most of the time of a large export, and a
/// `sync(2)` waits for every other writer of the machine): the kernel writes them soon
/// after; run `sync` when they must survive a power cut at once.
public struct CaseExporter: Sendable {
    public let store: CaseStore
    public let options: CaseExportOptions

    public init(store: CaseStore, options: CaseExportOptions) {
        self.store = store
        self.options = options
    }

    /// The folder of a case in an export directory.
    public static func folderName(caseID: Int64) -> String { "case-\(caseID)" }

    /// Exports one case into `directory` (created when missing).
    ///
    /// - Throws: `CaseStoreError`: `.unknownCase`; `.invalidInput` for a case that cannot
    ///   be exported; `.cannotWrite` when a file or folder cannot be written; read errors.
    public func export(caseID: Int64, into directory: String) throws -> CaseExportResult {
        guard let snapshot = try store.snapshot(caseID: caseID) else { throw CaseStoreError(.unknownCase(id: caseID)) }
        let file = CaseFile(
            snapshot: snapshot, rules: options.rules, rulesVersion: options.rulesVersion, redaction: options.redaction,
            formats: options.formats, exportedAt: options.exportedAt)
        var contents: [(name: String, bytes: Data)] = []
        for format in options.formats {
            switch format {
            case .json: contents.append((format.fileName, try Self.json(file)))
            case .html: contents.append((format.fileName, Data(CaseReportRenderer.render(file).utf8)))
            case .csv: contents.append((format.fileName, Data(AccountsCSVWriter.csv(file).utf8)))
            }
        }
        let manifest = CaseManifest(
            caseID: caseID, createdAt: file.export.exportedAt, trawlVersion: TrawlVersion.current,
            redacted: options.redaction.isOn, files: contents
        ).encoded()
        contents.append((CaseManifest.fileName, manifest))
        let folder = try Self.writeFolder(Self.folderName(caseID: caseID), contents: contents, in: directory)
        return CaseExportResult(
            caseID: caseID, folder: folder, files: contents.map(\.name), manifestSHA256: CaseManifest.sha256(manifest),
            redacted: options.redaction.isOn)
    }

    /// Exports cases on all cores. Each case succeeds or fails on its own; results come in
    /// the order of `caseIDs`.
    ///
    /// - Parameter progress: Called (from any thread) after each case with the number done.
    public func export(
        caseIDs: [Int64], into directory: String, progress: (@Sendable (Int) -> Void)? = nil
    ) -> [Result<CaseExportResult, CaseStoreError>] {
        do { try Self.makeDirectory(directory) } catch let e as CaseStoreError {
            return caseIDs.map { _ in .failure(e) }
        } catch {
            return caseIDs.map { _ in .failure(CaseStoreError(.cannotWrite(path: directory, reason: "\(error)"))) }
        }
        let done = Atomic<Int>(0)
        return concurrentMap(count: caseIDs.count) { i in
            let result: Result<CaseExportResult, CaseStoreError>
            do {
                result = .success(try export(caseID: caseIDs[i], into: directory))
            } catch let e as CaseStoreError {
                result = .failure(e)
            } catch {
                result = .failure(CaseStoreError(.invalidInput("case \(caseIDs[i]): \(error)")))
            }
            progress?(done.add(1, ordering: .relaxed).newValue)
            return result
        }
    }

    /// `case.json`'s bytes: sorted keys, indented, a final newline.
    static func json(_ file: CaseFile) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        var data: Data
        do { data = try encoder.encode(file) } catch {
            throw CaseStoreError(.invalidInput("case \(file.case.id): cannot encode the case file: \(error)"))
        }
        data.append(0x0A)
        return data
    }

    /// Writes bytes to a new file (without `fsync`; see the type's documentation).
    static func writeFile(_ bytes: Data, to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw CaseStoreError(.cannotWrite(path: path, reason: String(cString: strerror(errno)))) }
        defer { close(fd) }
        try bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { throw CaseStoreError(.cannotWrite(path: path, reason: String(cString: strerror(errno)))) }
                offset += n
            }
        }
    }

    static func makeDirectory(_ path: String) throws {
        do { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) } catch {
            throw CaseStoreError(.cannotWrite(path: path, reason: error.localizedDescription))
        }
    }

    /// Writes `contents` into `directory/name` through a temporary folder renamed into
    /// place (replacing an earlier folder of that name); returns the folder's path.
    static func writeFolder(_ name: String, contents: [(name: String, bytes: Data)], in directory: String) throws -> String {
        try makeDirectory(directory)
        let root = URL(fileURLWithPath: directory)
        let final = root.appendingPathComponent(name)
        let token = UUID().uuidString
        let temporary = root.appendingPathComponent(".\(name).partial-\(token)")
        let fm = FileManager.default
        do {
            try fm.createDirectory(at: temporary, withIntermediateDirectories: false)
        } catch {
            throw CaseStoreError(.cannotWrite(path: temporary.path, reason: error.localizedDescription))
        }
        do {
            for (file, bytes) in contents { try writeFile(bytes, to: temporary.appendingPathComponent(file).path) }
            var old: URL?
            if fm.fileExists(atPath: final.path) {
                let aside = root.appendingPathComponent(".\(name).old-\(token)")
                do { try fm.moveItem(at: final, to: aside) } catch {
                    throw CaseStoreError(.cannotWrite(path: final.path, reason: error.localizedDescription))
                }
                old = aside
            }
            do { try fm.moveItem(at: temporary, to: final) } catch {
                throw CaseStoreError(.cannotWrite(path: final.path, reason: error.localizedDescription))
            }
            if let old { try? fm.removeItem(at: old) }
        } catch {
            try? fm.removeItem(at: temporary)
            throw error
        }
        return final.path
    }
}
