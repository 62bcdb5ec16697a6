/// What `WorldSimulator.write` produced.
public struct WorldSummary: Sendable, Codable, Equatable {
    /// Every file written, relative to the world folder, in writing order.
    public var files: [String]
    /// Log lines written (all days, all parts).
    public var lines: Int
    /// Bytes on disk of every file listed (compressed size for gzip logs).
    public var bytes: Int
    /// Accounts per population name (`Population.rawValue`).
    public var accountsByPopulation: [String: Int]
    /// Abusive operator clusters (`op-N` in `labels.jsonl`).
    public var operators: Int

    public init(files: [String], lines: Int, bytes: Int, accountsByPopulation: [String: Int], operators: Int) {
        self.files = files
        self.lines = lines
        self.bytes = bytes
        self.accountsByPopulation = accountsByPopulation
        self.operators = operators
    }
}
