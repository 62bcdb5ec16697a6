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
    /// The snapshot of one case for export; `nil` when no case has this id. A cluster case's
    /// members are its accounts as last found, each with its stored days; its links are the
    /// pairs of members that share a value, with every value they share (from the input that
    /// last found the cluster), strongest first.
    ///
    /// - Throws: `CaseStoreError`: `.sqlFailed` or `.corruptValue` when reading fails.
    public func snapshot(caseID: Int64) throws -> CaseSnapshot? {
        try read("reading case \(caseID) for export") { db in
            guard let detail = try Self.caseDetail(id: caseID, db) else { return nil }
            guard detail.summary.kind != .account, let cluster = detail.cluster else {
                let member = CaseSnapshot.Member(accountID: detail.summary.subject, days: detail.days)
                let runIDs = Array(Set(detail.days.map(\.lastRunID))).sorted()
                return CaseSnapshot(
                    detail: detail, clusterID: nil, members: [member], links: [], runs: try Self.runRecords(db, ids: runIDs))
            }
            let active = cluster.members.filter(\.active)
            let accounts = (active.isEmpty ? cluster.members : active).map(\.accountID).sorted()
            var members: [CaseSnapshot.Member] = []
            for account in accounts {
                members.append(CaseSnapshot.Member(accountID: account, days: try Self.accountDays(db, accountID: account, day: nil)))
            }
            let runIDs = Array(Set(members.flatMap { $0.days.map(\.lastRunID) })).sorted()
            return CaseSnapshot(
                detail: detail, clusterID: detail.summary.subject, members: members,
                links: Self.pairLinks(cluster.links, members: Set(accounts)), runs: try Self.runRecords(db, ids: runIDs))
        }
    }

    /// Pairs of members from the values they share (of the latest input that found the
    /// cluster): each pair's weight is the sum of the bits of its shared values. A value held
    /// by many members links every pair of them, so pairs are capped at the 2,000 strongest.
    ///
    /// A value of `h` members makes h(h-1)/2 pairs (32,640 for a payment card on 256
    /// accounts), so the weights are summed first under integer pair keys, and only the
    /// pairs that can be among the strongest 2,000 get their shared values and names.
    static let linksKept = 2000

    static func pairLinks(_ records: [ClusterLinkRecord], members: Set<String>) -> [CaseFile.Link] {
        guard let latest = records.map(\.day).max() else { return [] }
        // Members by index in string order, so index order is the order pairs are named in.
        let names = members.sorted()
        let indexOf = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
        let n = names.count
        var current: [(record: ClusterLinkRecord, holders: [Int])] = []
        for r in records where r.day == latest {
            let holders = r.accounts.compactMap { indexOf[$0] }.sorted()
            if holders.count >= 2 { current.append((r, holders)) }
        }
        // Weights in record order (the order the sum was always taken in).
        var weights: [Int: Double] = [:]
        for (r, holders) in current {
            for i in 0..<(holders.count - 1) {
                for j in (i + 1)..<holders.count { weights[holders[i] * n + holders[j], default: 0] += r.bits }
            }
        }
        // The pairs at or above the 2,000th weight (ties included: names break them below).
        var candidates = Array(weights)
        if candidates.count > linksKept {
            candidates.sort { $0.value > $1.value }
            let floor = candidates[linksKept - 1].value
            candidates = candidates.filter { $0.value >= floor }
        }
        let holderSets = current.map { Set($0.holders) }
        let links = candidates.map { key, weight in
            let (a, b) = (key / n, key % n)
            var shared: [CaseFile.SharedArtifact] = []
            for (k, (r, _)) in current.enumerated() where holderSets[k].contains(a) && holderSets[k].contains(b) {
                shared.append(CaseFile.SharedArtifact(kind: r.kind, value: r.value, weight: r.bits, accountsSharing: max(2, r.holders)))
            }
            return CaseFile.Link(
                accounts: [names[a], names[b]], weight: weight,
                shared: shared.sorted { ($0.weight, $0.kind, $0.value) > ($1.weight, $1.kind, $1.value) })
        }
        return Array(links.sorted { ($0.weight, $1.accounts.joined()) > ($1.weight, $0.accounts.joined()) }.prefix(linksKept))
    }
}
