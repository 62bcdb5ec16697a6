/// One API request from the access log, with repeated strings interned.
///
/// Interned fields hold ids from the `StringInterner` that decoded the batch
/// (`0` means the field was absent or `null`). Numeric fields use `-1` (or NaN)
/// for "not known"; a missing field is never read as zero.
public struct RequestEvent: Sendable, Equatable {
    public var ts: Timestamp = 0
    public var account: UInt32 = 0
    public var clientIP = IPAddress(high: 0, low: 0)
    public var clientPort: Int32 = -1
    /// Byte range of `request_id` in the batch's text arena (`requestIDLength == 0`: absent).
    public var requestIDOffset: UInt32 = 0
    public var requestIDLength: UInt32 = 0
    /// Byte ranges of the unescaped UTF-8 text of `prompt` and `system_prompt` in the batch's
    /// arena (length 0: absent, empty, or not kept: see `CanonicalLogDecoder.keepPromptText`).
    public var promptOffset: UInt32 = 0
    public var promptLength: UInt32 = 0
    public var systemPromptOffset: UInt32 = 0
    public var systemPromptLength: UInt32 = 0
    /// Stable hash of `api_key_id` (`0`: absent). Keys and sessions are only ever counted,
    /// and a day has millions of distinct sessions, so they are hashed, not interned.
    public var apiKeyHash: UInt64 = 0
    public var org: UInt32 = 0
    public var plan: UInt32 = 0
    /// Stable hash of `session_id` (`0`: absent).
    public var sessionHash: UInt64 = 0
    /// Byte range of `session_id` in the batch's text arena (`sessionIDLength == 0`: absent),
    /// for the few requests an account-day keeps as evidence.
    public var sessionIDOffset: UInt32 = 0
    public var sessionIDLength: UInt32 = 0
    public var userAgent: UInt32 = 0
    public var acceptLanguage: UInt32 = 0
    public var clientTimezone: UInt32 = 0
    public var ja4: UInt32 = 0
    public var endpoint: UInt32 = 0
    public var model: UInt32 = 0
    public var status: Int32 = -1
    public var inputTokens: Int64 = -1
    public var outputTokens: Int64 = -1
    public var cacheReadTokens: Int64 = -1
    public var maxTokens: Int64 = -1
    public var latencyMs: Int64 = -1
    public var turns: Int32 = -1
    public var temperature: Float = .nan
    public var promptSimhash: UInt64 = 0
    public var flags: Flags = []

    public init() {}

    /// Rewrites every interned field through `map` (old id → new id; `map[0] == 0`), for an
    /// event decoded with another worker's `StringInterner`. Every interned field is listed
    /// here: a field added to the event and not here would keep the other interner's id.
    @inline(__always) public mutating func remapInterned(_ map: UnsafeBufferPointer<UInt32>) {
        account = map[Int(account)]
        org = map[Int(org)]
        plan = map[Int(plan)]
        userAgent = map[Int(userAgent)]
        acceptLanguage = map[Int(acceptLanguage)]
        clientTimezone = map[Int(clientTimezone)]
        ja4 = map[Int(ja4)]
        endpoint = map[Int(endpoint)]
        model = map[Int(model)]
    }

    /// Presence and value bits of the boolean and optional fields.
    public struct Flags: OptionSet, Sendable, Equatable {
        public let rawValue: UInt16
        public init(rawValue: UInt16) { self.rawValue = rawValue }
        public static let streamKnown = Flags(rawValue: 1 << 0)
        public static let stream = Flags(rawValue: 1 << 1)
        public static let thinkingKnown = Flags(rawValue: 1 << 2)
        public static let thinking = Flags(rawValue: 1 << 3)
        public static let rateLimitedKnown = Flags(rawValue: 1 << 4)
        public static let rateLimited = Flags(rawValue: 1 << 5)
        public static let simhashKnown = Flags(rawValue: 1 << 6)
        public static let hasPrompt = Flags(rawValue: 1 << 7)
        public static let hasSystemPrompt = Flags(rawValue: 1 << 8)
    }
}

/// An account from the registry (inputs.md §2). Absent fields are `nil`.
public struct AccountRecord: Sendable, Equatable, Codable {
    public var accountID: String
    public var createdAt: Timestamp?
    public var plan: String?
    public var signupIP: IPAddress?
    public var signupUserAgent: String?
    public var emailDomain: String?
    public var phoneCountry: String?
    public var paymentFingerprint: String?
    public var cardCountry: String?
    public var billingCountry: String?
    public var kycStatus: String?

    public init(accountID: String) { self.accountID = accountID }
}

extension IPAddress: Codable {
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let ip = IPAddress(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not an IP address"))
        }
        self = ip
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}
