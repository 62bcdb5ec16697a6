import TrawlModel

/// When each model first appeared in the whole input, for `new_model_rush_share`: built
/// after the merge from every account-day's ``ModelUse``, read by ``FeatureExtractor``.
///
/// A model is *new* when its first request comes at least ``newAfterMillis`` after the
/// input's first request: a model already in use when the logs begin has no launch to rush to.
public struct ModelLaunchIndex: Sendable {
    public static let newAfterMillis: Int64 = 24 * 3_600_000
    public static let windowMillis: Int64 = 24 * 3_600_000
    private var first: [UInt64: Timestamp] = [:]
    private var inputStart: Timestamp = .max

    public init() {}

    /// Notes one account-day's models and first request.
    public mutating func add(_ state: AccountDayState) { add(firstSeen: state.firstSeen, models: state.models) }

    /// Notes models and the first request of some state (without copying the state).
    public mutating func add(firstSeen: Timestamp, models: [ModelUse]) {
        inputStart = min(inputStart, firstSeen)
        for m in models { first[m.model] = min(first[m.model] ?? .max, m.first) }
    }

    public mutating func merge(_ other: ModelLaunchIndex) {
        inputStart = min(inputStart, other.inputStart)
        for (m, t) in other.first { first[m] = min(first[m] ?? .max, t) }
    }

    /// Whether any model is new in this input.
    public var hasNewModels: Bool { first.values.contains { $0 >= inputStart + Self.newAfterMillis } }

    /// The share of the account-day's requests (with a model) that went to a new model
    /// within 24 hours of its first appearance, to the hour; `nil` when no model is new in
    /// the input or no request named a model.
    public func rushShare(_ state: AccountDayState, day: Int32) -> Double? {
        guard hasNewModels else { return nil }
        let dayStart = Int64(day) * TimestampParser.millisPerDay
        var total: UInt64 = 0, rushed: UInt64 = 0
        for m in state.models {
            let launch = first[m.model] ?? .max
            let isNew = launch != .max && launch >= inputStart + Self.newAfterMillis
            for h in 0..<24 {
                let n = UInt64(m.hours[h])
                total += n
                let hourStart = dayStart + Int64(h) * 3_600_000
                if isNew && hourStart + 3_600_000 > launch && hourStart < launch + Self.windowMillis { rushed += n }
            }
        }
        return total > 0 ? Double(rushed) / Double(total) : nil
    }
}
