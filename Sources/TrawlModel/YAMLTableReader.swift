import Yams

/// Reads the YAML data tables of the rules folder strictly (the CrowdSec habit): an unknown
/// key, a missing key or a value of the wrong kind is an error at the node's line and
/// column, never a silent default. Each module turns the position and reason into its own
/// error type through `failure`, so the messages read alike whichever table is wrong.
///
/// ```swift
/// let reader = YAMLTableReader { line, column, why in MyError(file: path, line: line, column: column, reason: why) }
/// let (root, top) = try reader.document(yaml, expected: "a mapping with the key `entries`")
/// try reader.checkKeys(top, ["entries"])
/// ```
public struct YAMLTableReader<Failure: Error> {
    /// Makes the module's error from a 1-based line and column (when known) and a reason.
    public let failure: (_ line: Int?, _ column: Int?, _ reason: String) -> Failure

    public init(failure: @escaping (_ line: Int?, _ column: Int?, _ reason: String) -> Failure) {
        self.failure = failure
    }

    /// The error for a node (its position, when it has one).
    public func fail(_ node: Node?, _ reason: String) -> Failure {
        failure(node?.mark?.line, node?.mark?.column, reason)
    }

    /// Parses a document whose top level must be a mapping.
    /// - Parameter expected: What the top level should be, for the message when it is not.
    /// - Throws: `Failure` at the syntax error's position ("not valid YAML: …"), or when
    ///   the document is empty or not a mapping.
    public func document(_ yaml: String, expected: String) throws(Failure) -> (root: Node, mapping: Node.Mapping) {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            switch error {
            case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
                throw failure(mark.line, mark.column, "not valid YAML: \(problem)")
            default:
                throw failure(nil, nil, "not valid YAML: \(error)")
            }
        } catch {
            throw failure(nil, nil, "not valid YAML: \(error)")
        }
        guard let root, let mapping = root.mapping else { throw fail(root, "expected \(expected)") }
        return (root, mapping)
    }

    /// Rejects any key of `map` not in `allowed`, at the key.
    public func checkKeys(_ map: Node.Mapping, _ allowed: [String]) throws(Failure) {
        for (key, _) in map where !allowed.contains(key.string ?? "") {
            let list = allowed.count == 1 ? "the only key is `\(allowed[0])`" : "keys: \(allowed.joined(separator: ", "))"
            throw fail(key, "unknown key `\(key.string ?? "?")` (\(list))")
        }
    }

    /// The node under `key` of the mapping `parent`; missing and required is an error at `parent`.
    public func value(_ map: Node.Mapping, _ key: String, in parent: Node, required: Bool) throws(Failure) -> Node? {
        guard let node = map[key] else {
            if required { throw fail(parent, "missing key `\(key)`") }
            return nil
        }
        return node
    }

    /// Non-empty text under `key`.
    public func text(_ map: Node.Mapping, _ key: String, in parent: Node, required: Bool) throws(Failure) -> String? {
        guard let node = try value(map, key, in: parent, required: required) else { return nil }
        guard let s = node.scalar?.string, !s.isEmpty else { throw fail(node, "`\(key)` must be text") }
        return s
    }

    /// Non-empty text under a key that must be there.
    public func text(_ map: Node.Mapping, _ key: String, in parent: Node) throws(Failure) -> String {
        // `required: true` either returns text or throws.
        try text(map, key, in: parent, required: true) ?? ""
    }

    /// `true` or `false` under a key that must be there.
    public func flag(_ map: Node.Mapping, _ key: String, in parent: Node) throws(Failure) -> Bool {
        let node = try value(map, key, in: parent, required: true)
        guard let b = node?.bool else { throw fail(node, "`\(key)` must be true or false") }
        return b
    }

    /// A whole number.
    public func integer(_ node: Node, _ key: String) throws(Failure) -> Int {
        guard let v = node.int else { throw fail(node, "`\(key)` must be a whole number") }
        return v
    }

    /// The items of a list under `key`.
    /// - Parameter what: What the list holds, for the message when it is not a list.
    public func sequence(_ map: Node.Mapping, _ key: String, in parent: Node, of what: String) throws(Failure) -> Node.Sequence {
        let node = try value(map, key, in: parent, required: true)
        guard let seq = node?.sequence else { throw fail(node ?? parent, "expected `\(key):` with a list of \(what)") }
        return seq
    }

    /// A list of texts under `key`.
    /// - Parameters:
    ///   - acceptingText: A single text stands for a list of one.
    ///   - nonEmpty: An empty list is an error.
    /// - Returns: `nil` when the key is absent and not required.
    public func strings(
        _ map: Node.Mapping, _ key: String, in parent: Node, required: Bool, acceptingText: Bool = false, nonEmpty: Bool = false
    ) throws(Failure) -> [String]? {
        guard let node = try value(map, key, in: parent, required: required) else { return nil }
        if acceptingText, let s = node.scalar?.string { return [s] }
        guard let seq = node.sequence, !(nonEmpty && seq.isEmpty) else {
            throw fail(node, "`\(key)` must be \(acceptingText ? "text or a list" : nonEmpty ? "a non-empty list" : "a list")")
        }
        var out: [String] = []
        for n in seq {
            guard let s = n.scalar?.string, !s.isEmpty else { throw fail(n, "`\(key)` entries must be text") }
            out.append(s)
        }
        return out
    }
}
