/// Stored feature state could not be read back: where in the bytes and why.
public struct FeatureStateError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Byte offset in the encoded state.
    public let offset: Int
    public let reason: String

    public init(offset: Int, reason: String) {
        self.offset = offset
        self.reason = reason
    }

    public var description: String { "feature state: byte \(offset): \(reason)" }
}
