/// Where a case stands in the analyst's workflow.
///
/// ```
/// open ──▶ triaged ──▶ confirmed ──▶ enforced
///   │  ◀──    │            │
///   └──▶ dismissed ◀───────┘
/// ```
/// `allowedNext` is the whole transition table.
public enum CaseStatus: String, Sendable, Codable, CaseIterable, Comparable {
    /// Opened by a run; nobody has looked at it yet.
    case open
    /// An analyst has looked and is investigating.
    case triaged
    /// An analyst judged it abuse.
    case confirmed
    /// An analyst judged it not abuse (or not worth acting on).
    case dismissed
    /// Action was taken against the subject. Final.
    case enforced

    /// The statuses an analyst may move a case to from this one.
    public var allowedNext: [CaseStatus] {
        switch self {
        case .open: [.triaged, .confirmed, .dismissed]
        case .triaged: [.open, .confirmed, .dismissed]
        case .confirmed: [.triaged, .dismissed, .enforced]
        case .dismissed: [.open, .triaged]
        case .enforced: []
        }
    }

    /// Whether the lifecycle allows moving from this status to `next`.
    public func canChange(to next: CaseStatus) -> Bool { allowedNext.contains(next) }

    /// Whether this status is an analyst's decision that new evidence must not undo
    /// (confirmed, dismissed, enforced).
    public var isDecided: Bool {
        switch self {
        case .open, .triaged: false
        case .confirmed, .dismissed, .enforced: true
        }
    }

    /// Lifecycle order: open, triaged, confirmed, dismissed, enforced.
    public static func < (a: CaseStatus, b: CaseStatus) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// What a case is about.
public enum CaseKind: String, Sendable, Codable, CaseIterable {
    /// One account; the subject is its account id.
    case account
    /// A cluster of linked accounts (a reseller network); the subject is `cluster-…`.
    case cluster
}

/// What a row of case evidence points back to.
public enum EvidenceKind: String, Sendable, Codable, CaseIterable {
    /// A request id from the access log; count is 1.
    case requestID = "request_id"
    /// A client address, with the requests it made that day.
    case ip
    /// A User-Agent string, with the requests that sent it that day.
    case userAgent = "user_agent"
}
