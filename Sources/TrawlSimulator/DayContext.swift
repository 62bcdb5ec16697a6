import TrawlModel

/// Plan-window usage carried from one day to the next.
///
/// The window before the current one is kept too: lines that spill past midnight are
/// limited with their own day, so the next day's first requests can predate the current
/// window and belong to the previous one.
struct AccountState: Sendable {
    var windowStart: Int64 = .min
    var windowUsed = 0
    var previousStart: Int64 = .min
    var previousUsed = 0

    /// Charges `tokens` at `ts` against the plan window; false when the window is full.
    mutating func admit(_ ts: Int64, tokens: Int, limit: Int) -> Bool {
        let length = PlanLimits.windowMilliseconds
        if windowStart != .min && ts < windowStart && previousStart != .min && ts >= previousStart && ts < previousStart + length {
            if previousUsed >= limit { return false }
            previousUsed += tokens
            return true
        }
        if windowStart == .min || ts >= windowStart + length {
            previousStart = windowStart
            previousUsed = windowUsed
            windowStart = ts
            windowUsed = 0
        }
        if windowUsed >= limit { return false }
        windowUsed += tokens
        return true
    }
}

/// One day of the world, as every generator sees it.
struct DayContext: Sendable {
    /// Day of the world, from 0.
    let index: Int
    /// First millisecond of the day (UTC).
    let start: Int64
    /// 0 = Sunday.
    let weekday: Int
    let scale: Double
    var end: Int64 { start + TimestampParser.millisPerDay }
    var isWeekend: Bool { weekday == 0 || weekday == 6 }
}
