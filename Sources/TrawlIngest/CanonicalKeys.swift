#if canImport(Glibc)
    import Glibc
#endif

/// Maps a key's bytes to a canonical field without building a `String`.
enum CanonicalKeys {
    static let table: [(StaticString, LogField)] = LogField.allCases.map { field in
        (staticName(field), field)
    }

    static func staticName(_ f: LogField) -> StaticString {
        switch f {
        case .ts: "ts"
        case .accountID: "account_id"
        case .clientIP: "client_ip"
        case .clientPort: "client_port"
        case .requestID: "request_id"
        case .apiKeyID: "api_key_id"
        case .orgID: "org_id"
        case .plan: "plan"
        case .sessionID: "session_id"
        case .userAgent: "user_agent"
        case .acceptLanguage: "accept_language"
        case .clientTimezone: "client_timezone"
        case .ja4: "ja4"
        case .endpoint: "endpoint"
        case .model: "model"
        case .status: "status"
        case .stream: "stream"
        case .inputTokens: "input_tokens"
        case .outputTokens: "output_tokens"
        case .cacheReadTokens: "cache_read_tokens"
        case .maxTokens: "max_tokens"
        case .temperature: "temperature"
        case .thinking: "thinking"
        case .turns: "turns"
        case .latencyMs: "latency_ms"
        case .rateLimited: "rate_limited"
        case .prompt: "prompt"
        case .systemPrompt: "system_prompt"
        case .promptSimhash: "prompt_simhash"
        }
    }

    /// Candidates bucketed by key length, so a lookup compares against one or two names.
    static let byLength: [[(StaticString, LogField)]] = {
        var buckets = Array(repeating: [(StaticString, LogField)](), count: 32)
        for entry in table { buckets[entry.0.utf8CodeUnitCount].append(entry) }
        return buckets
    }()

    @inline(__always) static func lookup(_ p: UnsafePointer<UInt8>, _ len: Int) -> LogField? {
        guard len < 32 else { return nil }
        for (name, field) in byLength[len] where memcmp(name.utf8Start, p, len) == 0 { return field }
        return nil
    }
}
