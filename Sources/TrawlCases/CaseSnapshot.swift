import Foundation
import GRDB

/// Everything a case file is made from, read in one transaction: the case with its
/// notes and audit trail, each member account's stored days, the links between members,
/// and the runs that last wrote those days (with their input files).
public struct CaseSnapshot: Sendable, Equatable {
    public var detail: CaseDetail
    /// The cluster's key; `nil` for an account case.
    public var clusterID: String?
    /// The member accounts with their stored days, oldest first; the subject alone for an
    /// account case.
    public var members: [Member]
    /// Links between members, strongest first (none for an account case).
    public var links: [CaseFile.Link]
    /// The runs named by the members' days (`lastRunID`), oldest first.
    public var runs: [RunRecord]

    public struct Member: Sendable, Equatable {
        public var accountID: String
        public var days: [AccountDayRecord]

        public init(accountID: String, days: [AccountDayRecord]) {
            self.accountID = accountID
            self.days = days
        }
    }

    public init(detail: CaseDetail, clusterID: String?, members: [Member], links: [CaseFile.Link], runs: [RunRecord]) {
        self.detail = detail
        self.clusterID = clusterID
        self.members = members
        self.links = links
        self.runs = runs
    }
}

extension CaseStore {
    /// The snapshot of one case for export; `nil` when no case has this id.
    ///
    /// - Throws: `CaseStoreError`: `.invalidInput` for a cluster case (this version stores
    ///   no cluster members to export); `.sqlFailed` or `.corruptValue` when reading fails.
    public func snapshot(caseID: Int64) throws -> CaseSnapshot? {
        try read("reading case \(caseID) for export") { db in
            guard let detail = try Self.caseDetail(id: caseID, db) else { return nil }
            guard detail.summary.kind == .account else {
                throw CaseStoreError(
                    .invalidInput("case \(caseID) is a cluster case; this version of trawl stores no cluster members to export"))
            }
            let member = CaseSnapshot.Member(accountID: detail.summary.subject, days: detail.days)
            let runIDs = Array(Set(detail.days.map(\.lastRunID))).sorted()
            return CaseSnapshot(
                detail: detail, clusterID: nil, members: [member], links: [], runs: try Self.runRecords(db, ids: runIDs))
        }
    }
}
