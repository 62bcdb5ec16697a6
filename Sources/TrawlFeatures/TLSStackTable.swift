import Foundation
import TrawlModel
import Yams

/// TLS client stacks by JA4 fingerprint, and which stacks each kind of User-Agent may
/// legitimately speak with, read from `rules/tls_stacks.yaml`.
///
/// ```yaml
/// stacks:
///   - id: python                 # required, unique: the stack family
///     label: CPython ssl (OpenSSL)  # required
///     relay: true                # required: a server-side or script stack
///     fingerprints:              # required, at least one
///       - ja4: t13d1812h1_85036bcba153_b26ce05bbdd6   # the full JA4 …
///         source: "…"            # required: where the value comes from
///       - ja4_ab: t13d1812h1_85036bcba153             # … or its `a` and `b` sections
///         source: "…"
/// user_agents:                   # tried in order; the first that matches classifies
///   - id: firefox                # required, unique
///     contains: ["Firefox/"]     # required: any of these substrings (case-sensitive)
///     with: ["Mobile"]           # optional: and all of these
///     stacks: [firefox]          # required: stack ids such a client may have
///     interactive: true          # required: a browser, an app or a CLI with its own stack
///     source: "…"                # required
/// ```
/// A JA4 is looked up whole first, then by its first 23 characters (`a_b`: version, SNI
/// flag, counts, ALPN and the cipher hash); the SNI flag (`d`/`i`) is ignored, as the same
/// client connects by name or by address. Strict: unknown keys, missing keys, a stack id
/// no stack declares and a fingerprint listed under two stacks are errors with the file,
/// line and column.
public final class TLSStackTable: Sendable {
    public struct Stack: Sendable, Equatable {
        public var id: String
        public var label: String
        /// A server-side or script stack (a relay's), not a person's browser or app.
        public var relay: Bool
    }

    public struct UserAgentClass: Sendable, Equatable {
        public var id: String
        public var contains: [String]
        public var with: [String]
        /// Indices into `stacks`.
        public var stacks: [Int]
        public var interactive: Bool

        func matches(_ ua: some StringProtocol) -> Bool {
            contains.contains { ua.contains($0) } && with.allSatisfy { ua.contains($0) }
        }
    }

    /// What a request's TLS stack says about its User-Agent.
    public struct Verdict: Sendable, Equatable {
        /// The stack is not one the User-Agent's kind of client uses.
        public var mismatch: Bool
        /// A mismatch where a server-side stack speaks for an interactive client.
        public var relay: Bool

        public init(mismatch: Bool, relay: Bool) {
            self.mismatch = mismatch
            self.relay = relay
        }
    }

    public let stacks: [Stack]
    public let userAgents: [UserAgentClass]
    private let byJA4: [String: Int]
    private let byAB: [String: Int]

    public init(stacks: [Stack], userAgents: [UserAgentClass], ja4: [String: Int], ja4AB: [String: Int]) {
        self.stacks = stacks
        self.userAgents = userAgents
        var full: [String: Int] = [:]
        for (k, v) in ja4 { full[Self.normalized(k)] = v }
        var ab: [String: Int] = [:]
        for (k, v) in ja4AB { ab[Self.normalized(k)] = v }
        byJA4 = full
        byAB = ab
    }

    /// The SNI flag (4th character) set to `d`, so that `i` and `d` look the same.
    static func normalized(_ s: some StringProtocol) -> String {
        var chars = Array(s.utf8)
        if chars.count > 3 && chars[3] == UInt8(ascii: "i") { chars[3] = UInt8(ascii: "d") }
        return String(decoding: chars, as: UTF8.self)
    }

    /// The index in `stacks` of the stack a JA4 belongs to, or `nil` when the table does not know it.
    public func stack(ofJA4 ja4: some StringProtocol) -> Int? {
        let key = Self.normalized(ja4)
        if let i = byJA4[key] { return i }
        guard key.utf8.count >= 23 else { return nil }
        return byAB[String(key.prefix(23))]
    }

    /// The index in `userAgents` of the first class whose pattern matches, or `nil`.
    public func userAgentClass(of ua: some StringProtocol) -> Int? {
        userAgents.firstIndex { $0.matches(ua) }
    }

    /// Whether `stack` contradicts a User-Agent of class `userAgentClass` (none: no contradiction).
    public func verdict(stack: Int, userAgentClass: Int?) -> Verdict {
        guard let c = userAgentClass else { return Verdict(mismatch: false, relay: false) }
        let ua = userAgents[c]
        let mismatch = !ua.stacks.contains(stack)
        return Verdict(mismatch: mismatch, relay: mismatch && ua.interactive && stacks[stack].relay)
    }

    /// A problem in a table file.
    public struct LoadError: Error, CustomStringConvertible, Sendable {
        public let file: String
        public let line: Int?
        public let column: Int?
        public let reason: String
        public var description: String {
            guard let line else { return "\(file): \(reason)" }
            return "\(file):\(line):\(column ?? 1): \(reason)"
        }
    }

    /// Loads `tls_stacks.yaml` from a rules folder; `nil` when the folder has none.
    /// - Throws: `LoadError` with the line and column of the problem, or for an unreadable file.
    public static func load(rulesDirectory dir: String) throws(LoadError) -> TLSStackTable? {
        let path = (dir as NSString).appendingPathComponent("tls_stacks.yaml")
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        return try load(path: path)
    }

    /// Reads a table file.
    /// - Throws: `LoadError`.
    public static func load(path: String) throws(LoadError) -> TLSStackTable {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw LoadError(file: path, line: nil, column: nil, reason: "cannot read the file (missing, unreadable or not UTF-8)")
        }
        return try parse(yaml: text, file: path)
    }

    static let stackKeys = ["id", "label", "relay", "fingerprints", "description"]
    static let fingerprintKeys = ["ja4", "ja4_ab", "source"]
    static let userAgentKeys = ["id", "contains", "with", "stacks", "interactive", "source"]

    /// Reads a table from YAML text, reported under the name `file`.
    /// - Throws: `LoadError`.
    public static func parse(yaml: String, file: String = "<yaml>") throws(LoadError) -> TLSStackTable {
        let reader = YAMLTableReader { line, column, why in LoadError(file: file, line: line, column: column, reason: why) }
        func fail(_ node: Node?, _ why: String) -> LoadError { reader.fail(node, why) }
        let (root, top) = try reader.document(yaml, expected: "a mapping with `stacks` and `user_agents`")
        try reader.checkKeys(top, ["stacks", "user_agents"])
        let stackList = try reader.sequence(top, "stacks", in: root, of: "stacks")
        let uaList = try reader.sequence(top, "user_agents", in: root, of: "classes")
        func checkKeys(_ map: Node.Mapping, _ allowed: [String]) throws(LoadError) { try reader.checkKeys(map, allowed) }
        func text(_ map: Node.Mapping, _ item: Node, _ k: String) throws(LoadError) -> String { try reader.text(map, k, in: item) }
        func flag(_ map: Node.Mapping, _ item: Node, _ k: String) throws(LoadError) -> Bool { try reader.flag(map, k, in: item) }
        func strings(_ map: Node.Mapping, _ item: Node, _ k: String, required: Bool) throws(LoadError) -> [String] {
            try reader.strings(map, k, in: item, required: required, nonEmpty: true) ?? []
        }

        var stacks: [Stack] = []
        var stackIndex: [String: Int] = [:]
        var full: [String: Int] = [:]
        var ab: [String: Int] = [:]
        for item in stackList {
            guard let map = item.mapping else { throw fail(item, "expected a mapping (a stack)") }
            try checkKeys(map, stackKeys)
            let id = try text(map, item, "id")
            guard stackIndex[id] == nil else { throw fail(map["id"], "duplicate stack id `\(id)`") }
            let index = stacks.count
            stackIndex[id] = index
            stacks.append(Stack(id: id, label: try text(map, item, "label"), relay: try flag(map, item, "relay")))
            if let d = map["description"], d.scalar == nil { throw fail(d, "`description` must be text") }
            guard let prints = map["fingerprints"] else { throw fail(item, "missing key `fingerprints`") }
            guard let printList = prints.sequence, !printList.isEmpty else {
                throw fail(prints, "`fingerprints` must be a non-empty list")
            }
            for p in printList {
                guard let pm = p.mapping else { throw fail(p, "expected a mapping (`ja4` or `ja4_ab`, and `source`)") }
                try checkKeys(pm, fingerprintKeys)
                _ = try text(pm, p, "source")
                let hasFull = pm["ja4"] != nil, hasAB = pm["ja4_ab"] != nil
                guard hasFull != hasAB else { throw fail(p, "give exactly one of `ja4` and `ja4_ab`") }
                let key = hasFull ? "ja4" : "ja4_ab"
                let value = try text(pm, p, key)
                guard Self.isWellFormed(value, full: hasFull) else {
                    throw fail(
                        pm[key],
                        hasFull
                            ? "`ja4` must look like t13d1516h2_8daaf6152771_e5627efa2ab1"
                            : "`ja4_ab` must be a JA4's first two sections, like t13d1516h2_8daaf6152771")
                }
                let normalized = Self.normalized(value)
                if let other = hasFull ? full[normalized] : ab[normalized] {
                    let owner = stacks[other].id
                    throw fail(pm[key], "`\(value)` is already listed\(owner == id ? "" : " under stack `\(owner)`")")
                }
                if hasFull { full[normalized] = index } else { ab[normalized] = index }
            }
        }

        var classes: [UserAgentClass] = []
        var classIDs = Set<String>()
        for item in uaList {
            guard let map = item.mapping else { throw fail(item, "expected a mapping (a User-Agent class)") }
            try checkKeys(map, userAgentKeys)
            let id = try text(map, item, "id")
            guard classIDs.insert(id).inserted else { throw fail(map["id"], "duplicate User-Agent class id `\(id)`") }
            _ = try text(map, item, "source")
            let names = try strings(map, item, "stacks", required: true)
            var indices: [Int] = []
            for (k, name) in names.enumerated() {
                guard let i = stackIndex[name] else {
                    let known = stacks.map(\.id).joined(separator: ", ")
                    throw fail(map["stacks"]?.sequence?[k], "unknown stack `\(name)` (stacks: \(known))")
                }
                indices.append(i)
            }
            classes.append(
                UserAgentClass(
                    id: id, contains: try strings(map, item, "contains", required: true),
                    with: try strings(map, item, "with", required: false), stacks: indices,
                    interactive: try flag(map, item, "interactive")))
        }
        return TLSStackTable(stacks: stacks, userAgents: classes, ja4: full, ja4AB: ab)
    }

    /// `a_b_c` (10 + 12 + 12 characters) or `a_b` for `ja4_ab`, lower-case hex hashes.
    static func isWellFormed(_ s: String, full: Bool) -> Bool {
        let parts = s.split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count == (full ? 3 : 2), parts[0].utf8.count == 10, "tq".contains(parts[0].first!) else { return false }
        let hex = Set("0123456789abcdef")
        return parts.dropFirst().allSatisfy { $0.utf8.count == 12 && $0.allSatisfy(hex.contains) }
    }
}
