/// Why the linking stage refused its input.
///
/// Descriptions never carry account ids or artifact values.
public struct LinkError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable {
        /// A `LinkSettings` value is out of range (the text names it).
        case invalidSetting(String)
        /// The input holds more accounts than node ids can number.
        case tooManyAccounts(Int)
    }

    public let reason: Reason

    public init(_ reason: Reason) { self.reason = reason }

    public var description: String {
        switch reason {
        case .invalidSetting(let what): "link settings: \(what)"
        case .tooManyAccounts(let n): "linking: \(n) accounts is more than the 4,294,967,294 a graph can hold"
        }
    }
}
