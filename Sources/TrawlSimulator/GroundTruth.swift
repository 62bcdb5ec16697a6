import Foundation

/// The labels of a generated world, read back from `labels.jsonl` (for evaluations).
public struct GroundTruth: Sendable, Equatable {
    /// One account's truth.
    public struct Label: Sendable, Equatable, Codable {
        /// `benign`, `pooled`, `proxy_rotation` or `distillation`.
        public var label: String
        /// Operator cluster (`op-N`), `nil` for benign accounts.
        public var `operator`: String?
        /// The generating population (`Population.rawValue`); empty when the file has none.
        public var population: String

        public init(label: String, operator: String?, population: String) {
            self.label = label
            self.operator = `operator`
            self.population = population
        }
    }

    /// Labels by account id.
    public var labels: [String: Label]

    public init(labels: [String: Label]) { self.labels = labels }

    /// Reads `labels.jsonl`, or the `labels.jsonl` inside a world folder.
    /// - Throws: `SimulatorError` with the file and line of the first malformed line, or `.io`
    ///   when the file cannot be read.
    public static func load(path: String) throws -> GroundTruth {
        var isDirectory: ObjCBool = false
        var file = path
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            file = (path as NSString).appendingPathComponent("labels.jsonl")
        }
        guard let data = FileManager.default.contents(atPath: file) else {
            throw SimulatorError(path: file, reason: .io("cannot read file"))
        }
        var labels: [String: Label] = [:]
        var lineNumber = 0
        for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            if line.allSatisfy({ $0 == 32 || $0 == 9 || $0 == 13 }) { continue }
            guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else {
                throw SimulatorError(path: file, line: lineNumber, reason: .malformedLabel("not a JSON object"))
            }
            guard let account = object["account_id"] as? String, !account.isEmpty else {
                throw SimulatorError(path: file, line: lineNumber, reason: .malformedLabel("missing account_id"))
            }
            guard let label = object["label"] as? String else {
                throw SimulatorError(path: file, line: lineNumber, reason: .malformedLabel("missing label"))
            }
            let op = object["operator"] as? String
            labels[account] = Label(label: label, operator: op, population: object["population"] as? String ?? "")
        }
        return GroundTruth(labels: labels)
    }

    /// Accounts per operator cluster.
    public var operators: [String: [String]] {
        var out: [String: [String]] = [:]
        for (account, l) in labels { if let op = l.operator { out[op, default: []].append(account) } }
        for k in out.keys { out[k]!.sort() }
        return out
    }
}
