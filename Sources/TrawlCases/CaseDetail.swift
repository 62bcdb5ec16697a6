import Foundation

/// Everything about one case: the case, its subject's days with the rules that
/// fired, the evidence, the notes and the audit trail.
public struct CaseDetail: Sendable, Equatable, Codable {
    public var summary: CaseSummary
    /// Every stored day of the subject, flagged or not, oldest first.
    public var days: [AccountDayRecord]
    /// Evidence rows by day, kind and value.
    public var evidence: [CaseEvidence]
    /// Notes, oldest first.
    public var notes: [CaseNote]
    /// Every change to the case, oldest first.
    public var audit: [AuditEntry]
    /// For a cluster case: its members, its verdict per input and the values that link the
    /// members; `nil` for an account case.
    public var cluster: ClusterDetail?
    /// For an account case: the live cluster cases the account is a member of.
    public var clusterCases: [Int64]

    public init(
        summary: CaseSummary, days: [AccountDayRecord], evidence: [CaseEvidence], notes: [CaseNote], audit: [AuditEntry],
        cluster: ClusterDetail? = nil, clusterCases: [Int64] = []
    ) {
        self.summary = summary
        self.days = days
        self.evidence = evidence
        self.notes = notes
        self.audit = audit
        self.cluster = cluster
        self.clusterCases = clusterCases
    }
}

/// One thing an analyst can check behind a flagged day.
public struct CaseEvidence: Sendable, Equatable, Codable {
    /// `YYYY-MM-DD`, UTC.
    public var day: String
    public var kind: EvidenceKind
    public var value: String
    /// Requests that day with this value (1 for a request id).
    public var count: Int

    public init(day: String, kind: EvidenceKind, value: String, count: Int) {
        self.day = day
        self.kind = kind
        self.value = value
        self.count = count
    }
}

/// A note an analyst left on a case.
public struct CaseNote: Sendable, Equatable, Codable {
    public var id: Int64
    public var author: String
    public var text: String
    public var createdAt: Date

    public init(id: Int64, author: String, text: String, createdAt: Date) {
        self.id = id
        self.author = author
        self.text = text
        self.createdAt = createdAt
    }
}

/// One change to a case (or to the store), as written to the audit log.
///
/// Actions: `opened`; `updated` (a run changed an open or triaged case);
/// `new_evidence` (a run changed a confirmed, dismissed or enforced case, whose
/// status it kept); `status_changed`; `note_added`; for cluster cases `merged` (field
/// `merged_into` on the case merged away, `absorbed` on the one that took its accounts)
/// and `split` (field `split_from` on the new case, `split_into` on the one it left).
/// Changes to several fields write one entry per field.
public struct AuditEntry: Sendable, Equatable, Codable {
    public var id: Int64
    public var caseID: Int64?
    public var at: Date
    /// The analyst, or `run:<id>` for a run.
    public var actor: String
    public var action: String
    public var field: String?
    public var oldValue: String?
    public var newValue: String?

    public init(id: Int64, caseID: Int64?, at: Date, actor: String, action: String, field: String?, oldValue: String?, newValue: String?) {
        self.id = id
        self.caseID = caseID
        self.at = at
        self.actor = actor
        self.action = action
        self.field = field
        self.oldValue = oldValue
        self.newValue = newValue
    }
}
