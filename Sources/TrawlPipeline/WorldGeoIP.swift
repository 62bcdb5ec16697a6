import Foundation
import TrawlGeo

/// The GeoIP database of a simulated world: its `networks.csv` intel list compiled with
/// the same writer as `trawl intel build`, so demos, tests and benchmarks run with
/// realistic geography.
public enum WorldGeoIP {
    /// Where a world keeps its database, relative to the world folder.
    public static let relativePath = "geoip/world.mmdb"

    /// Compiles `world/networks.csv` into `world/geoip/world.mmdb`; returns the database path.
    /// - Throws: `GeoError` when the list is missing, has a bad row, or cannot be written.
    @discardableResult
    public static func build(world: String) throws(GeoError) -> String {
        let path = (world as NSString).appendingPathComponent(relativePath)
        try compile(intelList: (world as NSString).appendingPathComponent("networks.csv"), to: path)
        return path
    }

    /// Compiles one intel list (CSV, as `trawl intel build` reads) into a database at `path`,
    /// creating its folder. The build epoch is fixed, so the same list gives the same bytes.
    /// - Throws: `GeoError`: the list's first bad row, or a file that cannot be read or written.
    public static func compile(intelList: String, to path: String) throws(GeoError) {
        let list = try IntelListDecoder.decode(contentsOf: intelList)
        if let problem = list.problems.first { throw problem }
        var writer = MaxMindWriter(
            databaseType: OwnIntel.databaseType, descriptions: ["en": "Trawl simulated world address plan"], languages: ["en"],
            buildEpoch: 1)
        for entry in list.entries { writer.insert(entry.network, entry.record) }
        do {
            try FileManager.default.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        } catch {
            throw GeoError(file: path, reason: .unwritable(error.localizedDescription))
        }
        try writer.write(to: path)
    }

    /// The world's database when it has one.
    public static func existing(world: String) -> String? {
        let path = (world as NSString).appendingPathComponent(relativePath)
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }
}
