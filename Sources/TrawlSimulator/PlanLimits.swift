/// Usage limits of each subscription plan, as the simulator enforces them.
///
/// A plan's window holds `input_tokens + output_tokens` (cache reads are free) over a
/// rolling 5-hour window that opens at the first request after the previous one closed.
/// Once the window is full, further requests get status 429 and `rate_limited: true`
/// until it closes. A plan absent from the table (`api`) has no window limit.
public enum PlanLimits {
    /// Tokens per 5-hour window, by plan name.
    public static let windowTokens: [String: Int] = [
        "free": 200_000,
        "pro": 2_000_000,
        "max_5x": 10_000_000,
        "max_20x": 40_000_000,
        "team": 10_000_000,
    ]

    /// The window length, in milliseconds.
    public static let windowMilliseconds: Int64 = 5 * 3_600_000
}

/// The largest `max_tokens` each model accepts.
public enum ModelCaps {
    /// Output-token cap, by model name.
    public static let outputCap: [String: Int] = [
        "claude-sonnet-4": 64_000,
        "claude-opus-4": 32_000,
        "claude-3-5-haiku": 8_192,
    ]
}

/// Subscription tiers, as generated.
enum Plan: Int, Sendable, CaseIterable {
    case free, pro, max5x, max20x, team, api

    var name: String {
        switch self {
        case .free: "free"
        case .pro: "pro"
        case .max5x: "max_5x"
        case .max20x: "max_20x"
        case .team: "team"
        case .api: "api"
        }
    }

    /// Window limit in tokens, 0 for none.
    var windowTokens: Int { PlanLimits.windowTokens[name] ?? 0 }

    static let nameBytes: [[UInt8]] = allCases.map(\.name.bytes)
}

/// Models, as generated.
enum Model: Int, Sendable, CaseIterable {
    case sonnet, opus, haiku

    var name: String {
        switch self {
        case .sonnet: "claude-sonnet-4"
        case .opus: "claude-opus-4"
        case .haiku: "claude-3-5-haiku"
        }
    }

    var outputCap: Int { ModelCaps.outputCap[name]! }

    /// Output speed, tokens per second.
    var tokensPerSecond: Double {
        switch self {
        case .sonnet: 70
        case .opus: 42
        case .haiku: 140
        }
    }

    static let nameBytes: [[UInt8]] = allCases.map(\.name.bytes)
    static let caps: [Int] = allCases.map(\.outputCap)
}
