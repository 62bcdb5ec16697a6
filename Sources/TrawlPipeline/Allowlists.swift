import Foundation
import TrawlGeo
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
    public struct Entry: Sendable, Decodable {
        public var name: String
        public var database: String
        public var description: String?
    }

    public var entries: [Entry] = []
    public var databases: [GeoDatabase] = []

    public init() {}

    private struct File: Decodable {
        var allowlists: [Entry]?
    }

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
        do {
            result.entries = try YAMLDecoder().decode(File.self, from: text).allowlists ?? []
        } catch {
            throw PipelineError(.badData, "\(path): \(error)")
        }
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
}
