import TrawlModel

/// Which accounts have which templates among their top templates, over the whole input:
/// built after the merge, read by ``FeatureExtractor`` for `template_sharing_accounts`.
///
/// An account's accounts of the same organisation (same `org_id`) count as one holder, so
/// a team sharing a prompt library is one holder of its templates; an account without
/// `org_id` is its own holder. Per template key, the holders are counted up to
/// ``holderCap`` (the count a rule needs is small; a key shared by every account, such as
/// a common opening, stays bounded in memory).
public struct TemplateSharingIndex: Sendable {
    public static let holderCap = 64
    /// Per template key: distinct holders (org hash, else account hash), up to `holderCap`.
    private var holders: [UInt64: [UInt64]] = [:]

    public init() {}

    public var isEmpty: Bool { holders.isEmpty }

    /// The holder an account counts as.
    static func holder(accountID: String, orgHash: UInt64) -> UInt64 { orgHash != 0 ? orgHash : stableHash(accountID) | 1 }

    /// Notes one account-day's top templates.
    public mutating func add(_ state: PromptDayState, accountID: String, orgHash: UInt64) {
        let h = Self.holder(accountID: accountID, orgHash: orgHash)
        for key in state.analysis.keys {
            var list = holders[key, default: []]
            if list.count < Self.holderCap && !list.contains(h) {
                list.append(h)
                holders[key] = list
            }
        }
    }

    /// Folds another index (of other accounts) into this one.
    public mutating func merge(_ other: TemplateSharingIndex) {
        for (key, list) in other.holders {
            var mine = holders[key, default: []]
            for h in list where mine.count < Self.holderCap && !mine.contains(h) { mine.append(h) }
            holders[key] = mine
        }
    }

    /// The most other holders any of the given top-template keys has.
    public func otherAccounts(sharing keys: [UInt64], accountID: String, orgHash: UInt64) -> Int {
        let h = Self.holder(accountID: accountID, orgHash: orgHash)
        var best = 0
        for key in keys {
            // The account is a holder of its own top templates; past the cap, "at least".
            let list = holders[key] ?? []
            best = max(best, list.count >= Self.holderCap ? Self.holderCap - 1 : list.count - (list.contains(h) ? 1 : 0))
        }
        return best
    }
}
