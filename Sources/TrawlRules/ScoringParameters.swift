/// How rule weights become a score: `score = logistic(bias + Σ weights)`, flagged at `threshold`.
///
/// Set in `rules/scoring.yaml` as `scoring: {bias: -4.0, threshold: 0.5}`; both keys are
/// optional. The bias is the log-odds of abuse before any rule fires (-4 ≈ 1.8 %).
public struct ScoringParameters: Sendable, Equatable, Codable {
    public var bias: Double
    /// Scores at or above this are flagged; between 0 and 1.
    public var threshold: Double

    public init(bias: Double = -4, threshold: Double = 0.5) {
        self.bias = bias
        self.threshold = threshold
    }
}
