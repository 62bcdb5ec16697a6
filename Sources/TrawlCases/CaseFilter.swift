/// The order of a case list.
public enum CaseSort: String, Sendable, Codable, CaseIterable {
    /// Highest score first.
    case score
    /// Oldest case first.
    case id
    /// Most recently changed first.
    case updated
    /// Most recent last flagged day first.
    case lastDay = "last_day"
}

/// Which cases `CaseStore.listCases(_:)` returns, in which order. Ties break by id.
public struct CaseFilter: Sendable, Equatable, Codable {
    /// Only cases in these statuses; empty: any status.
    public var statuses: Set<CaseStatus>
    /// Only cases of this kind; `nil`: any kind.
    public var kind: CaseKind?
    /// Only cases whose score is at least this.
    public var minimumScore: Double?
    /// Only cases carrying this tag (exact match).
    public var tag: String?
    /// Only cases whose subject contains this text (case-sensitive).
    public var subjectContains: String?
    public var sort: CaseSort
    /// At most this many cases; `nil`: all.
    public var limit: Int?
    /// Skip this many cases first.
    public var offset: Int

    public init(
        statuses: Set<CaseStatus> = [], kind: CaseKind? = nil, minimumScore: Double? = nil, tag: String? = nil,
        subjectContains: String? = nil, sort: CaseSort = .score, limit: Int? = nil, offset: Int = 0
    ) {
        self.statuses = statuses
        self.kind = kind
        self.minimumScore = minimumScore
        self.tag = tag
        self.subjectContains = subjectContains
        self.sort = sort
        self.limit = limit
        self.offset = offset
    }
}
