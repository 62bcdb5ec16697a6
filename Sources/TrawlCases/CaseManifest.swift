import Crypto
import Foundation
import TrawlModel

/// `manifest.json` of an exported case folder: every other file of the folder with its
/// size and SHA-256, so a recipient can check that nothing was altered, added or removed
/// (`trawl cases verify`, or `sha256sum` by hand).
///
/// The manifest does not protect itself: send its SHA-256 (printed by the export as
/// `manifest_sha256`) by another channel, or sign it, when the folder travels through
/// hands that should not be able to change it unnoticed.
public struct CaseManifest: Sendable, Equatable, Codable {
    public static let fileName = "manifest.json"
    public static let formatName = "trawl.case-manifest"

    public var format = CaseManifest.formatName
    public var schemaVersion = 1
    public var caseID: Int64
    public var createdAt: String
    public var trawlVersion: String
    /// Whether the export masked free text (`--unredacted` not given).
    public var redacted: Bool
    public var algorithm = "sha256"
    /// By path.
    public var files: [Entry]

    public struct Entry: Sendable, Equatable, Codable {
        /// A file name in the folder (no `/`).
        public var path: String
        public var size: Int64
        /// 64 lowercase hex digits.
        public var sha256: String
    }

    enum CodingKeys: String, CodingKey {
        case format, schemaVersion = "schema_version", caseID = "case_id", createdAt = "created_at"
        case trawlVersion = "trawl_version", redacted, algorithm, files
    }

    /// A manifest of files given by name and content.
    init(caseID: Int64, createdAt: String, trawlVersion: String, redacted: Bool, files: [(name: String, bytes: Data)]) {
        self.caseID = caseID
        self.createdAt = createdAt
        self.trawlVersion = trawlVersion
        self.redacted = redacted
        self.files = files.sorted { $0.name < $1.name }.map {
            Entry(path: $0.name, size: Int64($0.bytes.count), sha256: Self.sha256($0.bytes))
        }
    }

    /// The manifest as written: sorted keys, indented, a final newline.
    func encoded() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        var data = (try? encoder.encode(self)) ?? Data()
        data.append(0x0A)
        return data
    }

    /// Lowercase hex SHA-256 of bytes.
    public static func sha256(_ bytes: Data) -> String { lowercaseHex(SHA256.hash(data: bytes)) }
}
