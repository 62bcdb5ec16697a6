import Foundation

/// One case as listed: identity, status, scores, title, tags and the days it spans.
public struct CaseSummary: Sendable, Equatable, Codable {
    /// Stable across runs: a subject found again updates this case.
    public var id: Int64
    public var kind: CaseKind
    /// The account id for account cases; `cluster-…` for cluster cases.
    public var subject: String
    public var status: CaseStatus
    /// The highest day score ever recorded for the case (0-1).
    public var score: Double
    /// The score of the case's latest day (`lastDay`).
    public var lastScore: Double
    /// The title of the heaviest rule on the highest-scoring day.
    public var title: String
    /// Tags of every rule that fired on a flagged day, sorted.
    public var tags: [String]
    /// First and last flagged day, `YYYY-MM-DD`.
    public var firstDay: String
    public var lastDay: String
    public var createdAt: Date
    public var updatedAt: Date
    /// For a cluster case: its active member accounts; `nil` for an account case.
    public var members: Int?
    /// For a cluster case merged into another: that case.
    public var mergedInto: Int64?

    public init(
        id: Int64, kind: CaseKind, subject: String, status: CaseStatus, score: Double, lastScore: Double,
        title: String, tags: [String], firstDay: String, lastDay: String, createdAt: Date, updatedAt: Date,
        members: Int? = nil, mergedInto: Int64? = nil
    ) {
        self.members = members
        self.mergedInto = mergedInto
        self.id = id
        self.kind = kind
        self.subject = subject
        self.status = status
        self.score = score
        self.lastScore = lastScore
        self.title = title
        self.tags = tags
        self.firstDay = firstDay
        self.lastDay = lastDay
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}
