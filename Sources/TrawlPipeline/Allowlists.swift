import Foundation
import TrawlGeo
import TrawlModel
import Yams

/// Networks a team vouches for (corporate egress, partner NATs), named in
/// `rules/allowlists.yaml` as MaxMind-format databases, usually built with `trawl intel build`:
///
/// ```yaml
/// allowlists:
///   - name: corporate_egress
///     database: allowlists/corporate-egress.mmdb   # relative to the rules folder
///     description: Egress NATs of customers with an enterprise agreement
/// ```
///
/// An address found in any of them is allowlisted (the `allowlisted_share` feature).
public struct Allowlists: Sendable {
    public struct Entry: Sendable {
        public var name: String
        public var database: String
        public var description: String?
    }

    public var entries: [Entry] = []
    public var databases: [GeoDatabase] = []

    public init() {}

    /// Loads `allowlists.yaml` from a rules folder and opens its databases; no file, no allowlists.
    /// - Throws: `PipelineError`: a file that cannot be read (74), YAML that does not parse
    ///   (65), a database that is missing (66) or that libmaxminddb refuses (65), each
    ///   naming the file and entry.
    public static func load(rulesDirectory: String) throws -> Allowlists {
        let path = (rulesDirectory as NSString).appendingPathComponent("allowlists.yaml")
        // No file, no allowlists; a file that cannot be read stops the run rather than
        // silently dropping the networks it vouches for.
        guard FileManager.default.fileExists(atPath: path) else { return Allowlists() }
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw PipelineError(.io, "\(path): cannot read the allowlists: \(error.localizedDescription)")
        }
        var result = Allowlists()
        result.entries = try entries(yaml: text, file: path)
        for entry in result.entries {
            let database =
                entry.database.hasPrefix("/") ? entry.database : (rulesDirectory as NSString).appendingPathComponent(entry.database)
            do {
                result.databases.append(try GeoDatabase(path: database))
            } catch {
                throw PipelineError(
                    error.reason == .noSuchFile ? .missingInput : .badData, "\(path): allowlist \(entry.name): \(error.description)")
            }
        }
        return result
    }

    /// The entries of an allowlists file: `allowlists:` with a list of {name, database,
    /// description}; unknown keys and missing names or databases are errors at their line.
    static func entries(yaml: String, file: String) throws(PipelineError) -> [Entry] {
        let reader = YAMLTableReader { line, column, why in
            PipelineError(.badData, "\(file)\(line.map { ":\($0)" } ?? "")\(column.map { ":\($0)" } ?? ""): \(why)")
        }
        let (root, top) = try reader.document(yaml, expected: "a mapping with the key `allowlists`")
        try reader.checkKeys(top, ["allowlists"])
        guard top["allowlists"] != nil else { return [] }
        var out: [Entry] = []
        for item in try reader.sequence(top, "allowlists", in: root, of: "allowlists") {
            guard let map = item.mapping else { throw reader.fail(item, "expected a mapping (name, database, description)") }
            try reader.checkKeys(map, ["name", "database", "description"])
            out.append(
                Entry(
                    name: try reader.text(map, "name", in: item), database: try reader.text(map, "database", in: item),
                    description: try reader.text(map, "description", in: item, required: false)))
        }
        return out
    }
}
