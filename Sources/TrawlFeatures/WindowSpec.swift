import TrawlModel

/// The shape of one sliding window of a live run: how far back it reaches and how finely
/// it is cut into buckets.
///
/// A window of span S is cut into buckets of S/12 (spans up to 6 h: 5-minute buckets for
/// 1 h) or S/24 (longer spans: 1-hour buckets for 24 h). At event time `t` it holds the
/// bucket that contains `t` and the buckets before it, as many as fit in the span: so it
/// reaches back between S − one bucket and S. Buckets are aligned to the epoch, so every
/// window's buckets fall inside one UTC day.
public struct WindowSpec: Sendable, Hashable, CustomStringConvertible {
    public let spanMillis: Int64
    public let bucketMillis: Int64

    /// Spans up to this are cut into 12 buckets, longer ones into 24.
    public static let fineLimitMillis: Int64 = 6 * 3_600_000

    /// A window of `spanMillis`, or `nil` when its buckets would not be whole seconds that
    /// divide a day (e.g. 7 minutes: 35-second buckets do not tile a day).
    public init?(spanMillis: Int64) {
        guard spanMillis > 0, spanMillis <= 7 * TimestampParser.millisPerDay else { return nil }
        let count: Int64 = spanMillis <= Self.fineLimitMillis ? 12 : 24
        guard spanMillis % count == 0 else { return nil }
        let bucket = spanMillis / count
        guard bucket % 1000 == 0, TimestampParser.millisPerDay % bucket == 0 else { return nil }
        self.spanMillis = spanMillis
        bucketMillis = bucket
    }

    /// The number of buckets the window holds.
    public var bucketCount: Int { Int(spanMillis / bucketMillis) }

    /// The bucket that holds `ts`.
    @inline(__always) public func bucket(of ts: Timestamp) -> Int64 {
        ts >= 0 ? ts / bucketMillis : (ts - bucketMillis + 1) / bucketMillis
    }

    /// The oldest bucket in the window when the newest event is at `watermark`.
    @inline(__always) public func firstBucket(at watermark: Timestamp) -> Int64 {
        bucket(of: watermark) - Int64(bucketCount) + 1
    }

    /// Where an account's buckets begin within the finest bucket (`periodMillis`), in
    /// milliseconds from the epoch's grid, when a live run staggers them: a stable function of
    /// the account id's stable hash, spread evenly over `0..<periodMillis`, so that accounts'
    /// buckets do not all end at the same moment (and their windows are not all slid and
    /// rebuilt in one tick).
    @inline(__always) public static func phase(accountHash: UInt64, periodMillis: Int64) -> Int64 {
        Int64(mix64(accountHash ^ 0x5A17_0F5E_7A11_C0DE) % UInt64(periodMillis))
    }

    /// `phase(accountHash:periodMillis:)` of an account id.
    public static func phase(account: String, periodMillis: Int64) -> Int64 {
        phase(accountHash: stableHash(account), periodMillis: periodMillis)
    }

    /// `1h`, `24h`, `30m`, `90s`: the span in the largest unit that divides it.
    public var description: String {
        if spanMillis % 3_600_000 == 0 { return "\(spanMillis / 3_600_000)h" }
        if spanMillis % 60_000 == 0 { return "\(spanMillis / 60_000)m" }
        return "\(spanMillis / 1000)s"
    }

    /// A span written as a number and a unit: `90s`, `30m`, `1h`, `24h`, `2d`.
    public static func parse(_ text: String) -> WindowSpec? {
        let t = text.trimmingCharacters(in: " ")
        guard let unit = t.last, let n = Int64(t.dropLast()), n > 0 else { return nil }
        let scale: Int64
        switch unit {
        case "s": scale = 1000
        case "m": scale = 60_000
        case "h": scale = 3_600_000
        case "d": scale = TimestampParser.millisPerDay
        default: return nil
        }
        let (millis, over) = n.multipliedReportingOverflow(by: scale)
        return over ? nil : WindowSpec(spanMillis: millis)
    }

    /// Windows from a comma-separated list (`1h,24h`), sorted by span.
    /// - Returns: the windows, or the reason the list cannot be used.
    public static func parseList(_ text: String) -> Result<[WindowSpec], ListProblem> {
        var specs: [WindowSpec] = []
        for part in text.split(separator: ",") {
            guard let spec = parse(String(part)) else { return .failure(ListProblem(text: String(part), reason: .badSpan)) }
            if !specs.contains(spec) { specs.append(spec) }
        }
        guard !specs.isEmpty else { return .failure(ListProblem(text: text, reason: .empty)) }
        specs.sort { $0.spanMillis < $1.spanMillis }
        let finest = specs.map(\.bucketMillis).min()!
        for s in specs where s.bucketMillis % finest != 0 {
            return .failure(ListProblem(text: s.description, reason: .bucketsDoNotNest))
        }
        return .success(specs)
    }
}

extension WindowSpec {
    /// Why a list of windows was refused (`--window`).
    public struct ListProblem: Error, CustomStringConvertible, Sendable, Equatable {
        public enum Reason: Sendable, Equatable { case badSpan, empty, bucketsDoNotNest }
        public let text: String
        public let reason: Reason

        public var description: String {
            switch reason {
            case .badSpan:
                "window `\(text)`: give a span such as 30m, 1h or 24h (up to 7d) whose buckets (span/12 up to 6h, span/24 beyond) are whole seconds that divide a day"
            case .empty: "no window given"
            case .bucketsDoNotNest:
                "window `\(text)`: its buckets are not a whole number of the finest window's buckets"
            }
        }
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: Character) -> Substring {
        var s = self
        while s.first == set { s = s.dropFirst() }
        while s.last == set { s = s.dropLast() }
        return s
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: Character) -> Substring { Substring(self).trimmingCharacters(in: set) }
}
