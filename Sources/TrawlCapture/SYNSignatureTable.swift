import Foundation
import TrawlModel
import Yams

/// The OS-family guesses for TCP SYN signatures, read from `rules/tcp_signatures.yaml`.
///
/// Entries are tried in file order; the first whose every given condition holds wins.
/// ```yaml
/// signatures:
///   - id: linux-modern                  # required, unique
///     label: Linux (kernel 4.x and later)  # required
///     family: linux                     # required: linux, linux_server, windows, macos_ios, android, …
///     description: "…"                  # optional
///     ittl: 64                          # required: guessed initial TTL (32, 64, 128 or 255)
///     layout: "mss,sok,ts,nop,ws"       # required: option layout(s), quoted (a YAML list splits at commas)
///     window: [mss*44, 64240]           # optional: windows, `mss*N` or a number
///     wscale: [7, 8]                    # optional: window scales (`none`: no option)
///     mss: [1200, 1460]                 # optional: inclusive MSS range
///     quirks: [df]                      # optional: quirks that must all be present
///     ip_version: 4                     # optional
/// ```
/// Strict: unknown keys, missing required keys and values of the wrong type are errors
/// with the file, line and column.
public struct SYNSignatureTable: Sendable {
    public struct Entry: Sendable, Equatable {
        public var id: String
        public var label: String
        public var family: String
        public var description: String?
        public var initialTTL: Int
        public var layouts: [String]
        /// Windows as written: `mss*N` or a decimal number.
        public var windows: [String]?
        /// Window scales; `-1` stands for "no window-scale option".
        public var windowScales: [Int]?
        public var mssRange: ClosedRange<Int>?
        public var quirks: [String]
        public var ipVersion: Int?

        func matches(_ s: SYNSignature) -> Bool {
            guard s.initialTTL == initialTTL, layouts.contains(s.optionLayout) else { return false }
            if let v = ipVersion, v != s.ipVersion { return false }
            if let range = mssRange {
                guard let mss = s.mss, range.contains(mss) else { return false }
            }
            if let scales = windowScales, !scales.contains(s.windowScale ?? -1) { return false }
            if let windows {
                let multiple = s.mss.flatMap { m in m > 0 && s.window >= m && s.window % m == 0 ? "mss*\(s.window / m)" : nil }
                guard windows.contains(String(s.window)) || (multiple.map(windows.contains) ?? false) else { return false }
            }
            return quirks.allSatisfy(s.quirks.contains)
        }
    }

    public var entries: [Entry]

    public init(entries: [Entry]) { self.entries = entries }

    /// The first entry that matches, as a guess.
    public func match(_ s: SYNSignature) -> OSGuess? {
        entries.first { $0.matches(s) }.map { OSGuess(id: $0.id, label: $0.label, family: $0.family) }
    }

    static let keys = ["id", "label", "family", "description", "ittl", "layout", "window", "wscale", "mss", "quirks", "ip_version"]

    /// Reads a table file.
    /// - Throws: `CaptureError` (`noSuchFile`, `unreadable`, or `invalidSignatureTable`
    ///   at the offending line and column).
    public static func load(path: String) throws(CaptureError) -> SYNSignatureTable {
        guard FileManager.default.fileExists(atPath: path) else { throw CaptureError(file: path, reason: .noSuchFile) }
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw CaptureError(file: path, reason: .unreadable("not UTF-8 text, or not readable"))
        }
        return try parse(yaml: text, file: path)
    }

    /// Reads a table from YAML text, reported under the name `file`.
    public static func parse(yaml: String, file: String = "<yaml>") throws(CaptureError) -> SYNSignatureTable {
        let reader = YAMLTableReader { line, column, why in
            CaptureError(file: file, line: line, column: column, reason: .invalidSignatureTable(why))
        }
        func fail(_ node: Node?, _ why: String) -> CaptureError { reader.fail(node, why) }
        let (root, top) = try reader.document(yaml, expected: "a mapping with the key `signatures`")
        try reader.checkKeys(top, ["signatures"])
        var entries: [Entry] = []
        var ids = Set<String>()
        for item in try reader.sequence(top, "signatures", in: root, of: "entries") {
            guard let map = item.mapping else { throw fail(item, "expected a mapping (an entry)") }
            try reader.checkKeys(map, keys)
            func text(_ k: String, required: Bool) throws(CaptureError) -> String? {
                try reader.text(map, k, in: item, required: required)
            }
            func strings(_ k: String) throws(CaptureError) -> [String]? {
                try reader.strings(map, k, in: item, required: false, acceptingText: true)
            }
            let id = try reader.text(map, "id", in: item)
            guard ids.insert(id).inserted else { throw fail(map["id"], "duplicate id `\(id)`") }
            guard let ttlNode = map["ittl"] else { throw fail(item, "missing key `ittl`") }
            let ittl = try reader.integer(ttlNode, "ittl")
            guard [32, 64, 128, 255].contains(ittl) else { throw fail(ttlNode, "`ittl` must be 32, 64, 128 or 255") }
            guard let layouts = try strings("layout"), !layouts.isEmpty else { throw fail(item, "missing key `layout`") }
            let windows = try strings("window")
            for w in windows ?? [] where Int(w) == nil && !(w.hasPrefix("mss*") && Int(w.dropFirst(4)) != nil) {
                throw fail(map["window"], "window `\(w)` must be a number or mss*N")
            }
            var scales: [Int]?
            if let node = map["wscale"] {
                let items = node.sequence ?? [node]
                var out: [Int] = []
                for n in items {
                    if n.scalar?.string == "none" { out.append(-1) } else { out.append(try reader.integer(n, "wscale")) }
                }
                scales = out
            }
            var mssRange: ClosedRange<Int>?
            if let node = map["mss"] {
                guard let seq = node.sequence, seq.count == 2 else { throw fail(node, "`mss` must be [low, high]") }
                let low = try reader.integer(seq[0], "mss"), high = try reader.integer(seq[1], "mss")
                guard low <= high else { throw fail(node, "`mss` low is above high") }
                mssRange = low...high
            }
            var version: Int?
            if let node = map["ip_version"] {
                version = try reader.integer(node, "ip_version")
                guard version == 4 || version == 6 else { throw fail(node, "`ip_version` must be 4 or 6") }
            }
            entries.append(
                Entry(
                    id: id, label: try reader.text(map, "label", in: item), family: try reader.text(map, "family", in: item),
                    description: try text("description", required: false), initialTTL: ittl, layouts: layouts, windows: windows,
                    windowScales: scales, mssRange: mssRange, quirks: try strings("quirks") ?? [], ipVersion: version))
        }
        return SYNSignatureTable(entries: entries)
    }
}
