import Foundation

/// What verification found in one exported case folder.
public struct ManifestCheck: Sendable, Equatable, Encodable {
    /// The folder checked.
    public var folder: String
    /// The manifest's case id (`nil` when the manifest cannot be read).
    public var caseID: Int64?
    /// Files the manifest lists.
    public var filesListed: Int
    /// Everything that does not match, by file name; empty when the folder is intact.
    public var problems: [Problem]

    /// Whether every listed file is present and unchanged and no other file was added.
    public var ok: Bool { problems.isEmpty }

    public struct Problem: Sendable, Equatable, Encodable {
        public enum Kind: String, Sendable, Encodable {
            /// The file's size or SHA-256 differs from the manifest's.
            case changed
            /// The manifest lists the file; the folder does not have it.
            case missing
            /// The folder has a file the manifest does not list.
            case unlisted
            /// The manifest names a path outside the folder (with `/` or `..`); not read.
            case unsafePath = "unsafe_path"
            /// `manifest.json` is not a Trawl case manifest.
            case invalidManifest = "invalid_manifest"
        }
        public var file: String
        public var kind: Kind
        /// What differs, for a person.
        public var detail: String
    }

    enum CodingKeys: String, CodingKey {
        case folder, caseID = "case_id", filesListed = "files_listed", ok, problems
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(folder, forKey: .folder)
        try c.encode(caseID, forKey: .caseID)
        try c.encode(filesListed, forKey: .filesListed)
        try c.encode(ok, forKey: .ok)
        try c.encode(problems, forKey: .problems)
    }
}

extension CaseManifest {
    /// Checks the case folders at `path`: the folder itself when it holds a
    /// `manifest.json`, else every folder directly in it that does (an export folder),
    /// in name order.
    ///
    /// - Throws: `CaseStoreError`: `.noSuchPath` when nothing is at `path`; `.noManifest`
    ///   when no folder there holds a manifest; `.cannotRead` when a file cannot be read.
    public static func verify(path: String) throws -> [ManifestCheck] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw CaseStoreError(.noSuchPath(path))
        }
        guard isDirectory.boolValue else { throw CaseStoreError(.noManifest(path: path)) }
        let root = URL(fileURLWithPath: path)
        if FileManager.default.fileExists(atPath: root.appendingPathComponent(fileName).path) {
            return [try verify(folder: path)]
        }
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: path) } catch {
            throw CaseStoreError(.cannotRead(path: path, reason: error.localizedDescription))
        }
        var checks: [ManifestCheck] = []
        for name in names.sorted() where !name.hasPrefix(".") {
            let folder = root.appendingPathComponent(name).path
            if FileManager.default.fileExists(atPath: (folder as NSString).appendingPathComponent(fileName)) {
                checks.append(try verify(folder: folder))
            }
        }
        if checks.isEmpty { throw CaseStoreError(.noManifest(path: path)) }
        return checks
    }

    /// Checks one case folder against its manifest.
    /// - Throws: `CaseStoreError.cannotRead` when a file cannot be read.
    public static func verify(folder: String) throws -> ManifestCheck {
        let root = URL(fileURLWithPath: folder)
        func read(_ name: String) throws -> Data {
            let url = root.appendingPathComponent(name)
            do { return try Data(contentsOf: url) } catch {
                throw CaseStoreError(.cannotRead(path: url.path, reason: error.localizedDescription))
            }
        }
        var check = ManifestCheck(folder: folder, caseID: nil, filesListed: 0, problems: [])
        let manifest: CaseManifest
        do {
            manifest = try JSONDecoder().decode(CaseManifest.self, from: try read(fileName))
            guard manifest.format == formatName, manifest.algorithm == "sha256" else { throw CocoaError(.coderInvalidValue) }
        } catch let e as CaseStoreError {
            throw e
        } catch {
            check.problems.append(
                .init(file: fileName, kind: .invalidManifest, detail: "not a Trawl case manifest (format \(formatName), sha256)"))
            return check
        }
        check.caseID = manifest.caseID
        check.filesListed = manifest.files.count
        var listed: Set<String> = [fileName]
        for entry in manifest.files {
            listed.insert(entry.path)
            guard !entry.path.isEmpty, !entry.path.contains("/"), entry.path != ".", entry.path != ".." else {
                check.problems.append(.init(file: entry.path, kind: .unsafePath, detail: "names a path outside the folder"))
                continue
            }
            guard FileManager.default.fileExists(atPath: root.appendingPathComponent(entry.path).path) else {
                check.problems.append(.init(file: entry.path, kind: .missing, detail: "listed in the manifest, not in the folder"))
                continue
            }
            let bytes = try read(entry.path)
            let digest = sha256(bytes)
            if Int64(bytes.count) != entry.size || digest != entry.sha256 {
                check.problems.append(
                    .init(
                        file: entry.path, kind: .changed,
                        detail: "\(bytes.count) bytes, sha256 \(digest); the manifest says \(entry.size) bytes, sha256 \(entry.sha256)"))
            }
        }
        let present: [String]
        do { present = try FileManager.default.contentsOfDirectory(atPath: folder) } catch {
            throw CaseStoreError(.cannotRead(path: folder, reason: error.localizedDescription))
        }
        for name in present.sorted() where !listed.contains(name) {
            check.problems.append(.init(file: name, kind: .unlisted, detail: "in the folder, not in the manifest"))
        }
        return check
    }
}
