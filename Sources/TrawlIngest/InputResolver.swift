import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// One input to read: a file path, or standard input (`-`).
public struct InputFile: Sendable, Hashable {
    public let path: String
    public var isStandardInput: Bool { path == "-" }
    public init(path: String) { self.path = path }
}

/// Expands the paths given on the command line into the files to read.
///
/// A file is read whatever its name; a folder is walked recursively for log files
/// (`*.jsonl`, `*.ndjson`, `*.json`, `*.log`, each optionally `.gz`/`.zst`), skipping
/// hidden entries; a pattern with `*`, `?` or `[` is expanded with glob(3); `-` is
/// standard input. Files are returned sorted within each argument, so runs are repeatable.
public enum InputResolver {
    static let logSuffixes = [".jsonl", ".ndjson", ".json", ".log"]
    static let compressionSuffixes = ["", ".gz", ".zst", ".zstd"]

    /// - Throws: `IngestError` naming the first argument that is missing or yields nothing.
    public static func resolve(_ arguments: [String]) throws -> [InputFile] {
        var out: [InputFile] = []
        var seen = Set<String>()
        for arg in arguments {
            var found: [String] = []
            if arg == "-" {
                found = ["-"]
            } else if arg.contains(where: { "*?[".contains($0) }) && !FileManager.default.fileExists(atPath: arg) {
                found = try glob(arg).flatMap { try expand($0, explicit: false) }
                if found.isEmpty { throw IngestError(file: arg, reason: .noInputFiles) }
            } else {
                found = try expand(arg, explicit: true)
            }
            for path in found where seen.insert(path).inserted {
                out.append(InputFile(path: path))
            }
        }
        return out
    }

    static func isLogName(_ name: String) -> Bool {
        for c in compressionSuffixes {
            for s in logSuffixes where name.hasSuffix(s + c) { return true }
        }
        return false
    }

    static func expand(_ path: String, explicit: Bool) throws -> [String] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw IngestError(file: path, reason: .noSuchInput)
        }
        if !isDir.boolValue { return [path] }
        guard let walker = FileManager.default.enumerator(atPath: path) else {
            throw IngestError(file: path, reason: .unreadable("cannot list the folder"))
        }
        var files: [String] = []
        while let rel = walker.nextObject() as? String {
            let name = (rel as NSString).lastPathComponent
            if name.hasPrefix(".") {
                walker.skipDescendants()
                continue
            }
            let full = (path as NSString).appendingPathComponent(rel)
            var sub: ObjCBool = false
            if FileManager.default.fileExists(atPath: full, isDirectory: &sub), !sub.boolValue, isLogName(name) {
                files.append(full)
            }
        }
        if files.isEmpty && explicit { throw IngestError(file: path, reason: .noInputFiles) }
        return files.sorted()
    }

    static func glob(_ pattern: String) throws -> [String] {
        var g = glob_t()
        defer { globfree(&g) }
        let rc = Glibc.glob(pattern, 0, nil, &g)
        if rc == GLOB_NOMATCH { return [] }
        guard rc == 0 else { throw IngestError(file: pattern, reason: .unreadable("glob failed (\(rc))")) }
        var out: [String] = []
        for i in 0..<Int(g.gl_pathc) {
            if let p = g.gl_pathv[i] { out.append(String(cString: p)) }
        }
        return out.sorted()
    }
}
