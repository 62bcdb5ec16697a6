import Foundation

/// The export stage of the benchmark: `trawl cases export` of 1,000 cases of a simulated
/// world (analysed with its GeoIP database and three prompt samples per flagged day, so
/// every section of the case files is filled), and `trawl cases verify` of the result.
struct ExportBench {
    let options: Options
    static let cases = 1000

    init(options: Options) { self.options = options }

    func measure() throws {
        let world = "\(options.dir)/export-world"
        let db = "\(world)/cases.sqlite"
        if !FileManager.default.fileExists(atPath: db) {
            try? FileManager.default.removeItem(atPath: world)
            say("simulating and analysing a 6,500-account world for \(Self.cases) cases in \(world) …")
            let sim = try run(
                options.trawl, ["simulate", "--out", world, "--seed", "5", "--accounts", "6500", "--request-scale", "0.1"])
            let analyze = try run(
                options.trawl,
                [
                    "analyze", "\(world)/logs", "--accounts", "\(world)/accounts.jsonl", "--geoip", "\(world)/geoip/world.mmdb",
                    "--db", db, "--keep-samples", "3",
                ])
            guard sim.status == 0, analyze.status == 0 else {
                say("simulate or analyze failed (status \(sim.status), \(analyze.status))")
                exit(70)
            }
        }
        let list = try run(
            options.trawl, ["cases", "list", "--db", db, "--sort", "id", "--limit", String(Self.cases), "--json"])
        let ids = String(decoding: list.out, as: UTF8.self).split(separator: "\n").compactMap { line -> String? in
            guard let obj = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], let id = obj["id"] as? Int
            else { return nil }
            return String(id)
        }
        guard ids.count == Self.cases else {
            say("the world has \(ids.count) cases, fewer than \(Self.cases)")
            exit(70)
        }
        // Each run into a new folder (re-creating thousands of just-deleted files costs ext4
        // more than writing them the first time); all removed at the end.
        let outs = (0..<max(1, options.runs)).map { "\(options.dir)/export-out-\($0)" }
        for o in outs { try? FileManager.default.removeItem(atPath: o) }
        defer { for o in outs.dropLast() { try? FileManager.default.removeItem(atPath: o) } }
        let out = outs.last!
        var best = Double.infinity
        for o in outs {
            let r = try run(options.trawl, ["cases", "export"] + ids + ["--db", db, "--out", o])
            guard r.status == 0 else {
                say("trawl cases export failed with status \(r.status)")
                exit(70)
            }
            best = min(best, r.seconds)
        }
        let verify = try run(options.trawl, ["cases", "verify", out])
        guard verify.status == 0 else {
            say("trawl cases verify failed with status \(verify.status)")
            exit(70)
        }
        var bytes = 0
        if let walker = FileManager.default.enumerator(atPath: out) {
            while let rel = walker.nextObject() as? String {
                bytes += ((try? FileManager.default.attributesOfItem(atPath: "\(out)/\(rel)")[.size]) as? NSNumber)?.intValue ?? 0
            }
        }
        say("")
        say(
            String(
                format: "trawl cases export: %d cases (json, html, csv, manifest) in %.2f s (%.0f cases/s, %.0f MB written, best of %d); "
                    + "trawl cases verify: %.2f s", Self.cases, best, Double(Self.cases) / best, Double(bytes) / 1e6, options.runs,
                verify.seconds))
        print(
            String(
                format: #"{"export_cases":%d,"export_s":%.3f,"export_bytes":%d,"verify_s":%.3f}"#, Self.cases, best, bytes, verify.seconds))
    }
}
