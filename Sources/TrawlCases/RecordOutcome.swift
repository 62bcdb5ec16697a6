/// What one call to `CaseStore.record(runID:results:at:)` changed.
///
/// Case counts are per case, not per day: an account flagged on three new days opens
/// one case. A second call with the same results reports every touched case as
/// unchanged and every account day as unchanged.
public struct RecordOutcome: Sendable, Equatable, Codable {
    /// Cases created by this call.
    public var opened: Int
    /// Existing cases this call changed (score, days, title, tags or evidence).
    public var updated: Int
    /// Existing cases with flagged days in this call that already held exactly this.
    public var unchanged: Int
    /// Account days inserted or changed (features, evidence, score or rule hits).
    public var accountDaysWritten: Int
    /// Account days that already held exactly these results.
    public var accountDaysUnchanged: Int

    public init(opened: Int = 0, updated: Int = 0, unchanged: Int = 0, accountDaysWritten: Int = 0, accountDaysUnchanged: Int = 0) {
        self.opened = opened
        self.updated = updated
        self.unchanged = unchanged
        self.accountDaysWritten = accountDaysWritten
        self.accountDaysUnchanged = accountDaysUnchanged
    }
}
