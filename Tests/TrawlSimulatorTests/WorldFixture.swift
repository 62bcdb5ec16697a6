import CZlib
import Foundation
import TrawlModel
import TrawlSimulator

/// Small generated worlds shared by the tests, and readers for their files.
enum WorldFixture {
    /// A fresh temporary folder.
    static func temporaryFolder(_ name: String) -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("trawl-sim-\(name)-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.path
    }

    /// 240 accounts, 3 days from a Monday, 5% of full volume.
    static let smallSpec = WorldSpec(seed: 7, accounts: 240, days: 3, startDay: "2026-11-23", requestScale: 0.05)

    struct Generated: Sendable {
        let directory: String
        let summary: WorldSummary
    }

    static let small: Generated = generate(smallSpec, name: "small", shared: true)

    /// Writes a world; `shared` worlds go to a fixed folder that each test run overwrites.
    static func generate(_ spec: WorldSpec, name: String, shared: Bool = false) -> Generated {
        let dir: String
        if shared {
            dir = FileManager.default.temporaryDirectory.appendingPathComponent("trawl-sim-fixture-\(name)").path
            try? FileManager.default.removeItem(atPath: dir)
        } else {
            dir = temporaryFolder(name)
        }
        do {
            return Generated(directory: dir, summary: try WorldSimulator.write(spec, to: dir))
        } catch {
            fatalError("world generation failed: \(error)")
        }
    }

    static func remove(_ g: Generated) { try? FileManager.default.removeItem(atPath: g.directory) }

    /// The bytes of a file, gunzipped when it ends in `.gz`.
    static func contents(_ path: String) -> [UInt8] {
        if !path.hasSuffix(".gz") { return [UInt8](FileManager.default.contents(atPath: path) ?? Data()) }
        guard let gz = gzopen(path, "rb") else { return [] }
        defer { gzclose(gz) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { gzread(gz, $0.baseAddress, UInt32($0.count)) }
            if n <= 0 { break }
            out.append(contentsOf: chunk[0..<Int(n)])
        }
        return out
    }

    static func lines(_ bytes: [UInt8]) -> [ArraySlice<UInt8>] {
        bytes.split(separator: UInt8(ascii: "\n"))
    }

    static func json(_ line: ArraySlice<UInt8>) -> [String: Any]? {
        try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any]
    }

    /// The log files of a world (relative paths from the summary).
    static func logFiles(_ g: Generated) -> [String] { g.summary.files.filter { $0.hasPrefix("logs/") } }

    /// Every log line of a world as a parsed object, with its file.
    static func logRecords(_ g: Generated) -> [(file: String, object: [String: Any])] {
        var out: [(String, [String: Any])] = []
        for f in logFiles(g) {
            for line in lines(contents(g.directory + "/" + f)) {
                if let o = json(line) { out.append((f, o)) }
            }
        }
        return out
    }

    /// Milliseconds since the epoch of a `ts` value (string RFC 3339 or integer).
    static func timestamp(_ value: Any?) -> Int64? {
        if let s = value as? String { return TimestampParser.parse(s) }
        if let n = value as? Int { return Int64(n) }
        return nil
    }

    static func jsonl(_ path: String) -> [[String: Any]] {
        lines(contents(path)).compactMap(json)
    }

    static func labels(_ g: Generated) -> [String: [String: Any]] {
        var out: [String: [String: Any]] = [:]
        for o in jsonl(g.directory + "/labels.jsonl") { out[o["account_id"] as! String] = o }
        return out
    }
}
