import TrawlModel

/// The fields of the canonical access log (inputs.md §1).
public enum LogField: UInt8, CaseIterable, Sendable {
    case ts, accountID, clientIP, clientPort, requestID, apiKeyID, orgID, plan, sessionID, userAgent
    case acceptLanguage, clientTimezone, ja4, endpoint, model, status, stream, inputTokens, outputTokens
    case cacheReadTokens, maxTokens, temperature, thinking, turns, latencyMs, rateLimited, prompt
    case systemPrompt, promptSimhash

    /// The field's name in the log.
    public var name: String { staticName.description }

    /// The name as static bytes, for the decoder's key lookup.
    var staticName: StaticString {
        switch self {
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
}

/// Why a line was skipped. Each reason has a stable key used in summaries and the case store.
public enum BadLineReason: Hashable, Sendable, CustomStringConvertible {
    case invalidJSON
    case invalidUTF8
    case missingField(LogField)
    case invalidField(LogField)
    case lineTooLong
    case truncatedStream
    case corruptStream

    public var key: String {
        switch self {
        case .invalidJSON: "invalid_json"
        case .invalidUTF8: "invalid_utf8"
        case .missingField(let f): "missing_field.\(f.name)"
        case .invalidField(let f): "invalid_field.\(f.name)"
        case .lineTooLong: "line_too_long"
        case .truncatedStream: "truncated_stream"
        case .corruptStream: "corrupt_stream"
        }
    }

    public var description: String { key }
}

/// Where a line is: file, chunk and line within the chunk; resolved to an absolute line
/// number once every chunk's line count is known.
public struct LinePosition: Sendable, Comparable, Hashable {
    public var fileIndex: Int
    public var sequence: Int
    public var lineInChunk: Int

    public init(fileIndex: Int, sequence: Int, lineInChunk: Int) {
        self.fileIndex = fileIndex
        self.sequence = sequence
        self.lineInChunk = lineInChunk
    }

    public static func < (a: LinePosition, b: LinePosition) -> Bool {
        (a.fileIndex, a.sequence, a.lineInChunk) < (b.fileIndex, b.sequence, b.lineInChunk)
    }
}

/// One reported bad line.
public struct BadLineSample: Sendable {
    public var position: LinePosition
    public var reason: BadLineReason
    public var detail: String
}

/// Counts of skipped lines by reason, with the first few of each kept as samples.
///
/// Also counts values of optional fields that were ignored because they had the wrong
/// type (the line itself is kept; the field is unknown).
public struct BadLineTally: Sendable, Mergeable {
    public static let samplesPerReason = 5
    public private(set) var counts: [BadLineReason: Int] = [:]
    public private(set) var samples: [BadLineReason: [BadLineSample]] = [:]
    public private(set) var ignoredFields: [LogField: Int] = [:]

    public init() {}

    public var total: Int { counts.values.reduce(0, +) }

    public mutating func record(_ reason: BadLineReason, at position: LinePosition, detail: @autoclosure () -> String) {
        counts[reason, default: 0] += 1
        if samples[reason, default: []].count < Self.samplesPerReason {
            samples[reason, default: []].append(BadLineSample(position: position, reason: reason, detail: detail()))
        }
    }

    public mutating func ignored(_ field: LogField) { ignoredFields[field, default: 0] += 1 }

    /// Puts back ignored-field counts saved before a line that is then decoded again.
    mutating func restoreIgnored(_ saved: [LogField: Int]) { ignoredFields = saved }

    public mutating func merge(_ other: BadLineTally) {
        for (k, v) in other.counts { counts[k, default: 0] += v }
        for (k, v) in other.ignoredFields { ignoredFields[k, default: 0] += v }
        for (k, v) in other.samples {
            samples[k] = Array((samples[k, default: []] + v).sorted { $0.position < $1.position }.prefix(Self.samplesPerReason))
        }
    }

    /// Counts keyed by the reasons' stable keys.
    public var countsByKey: [String: Int] {
        var d: [String: Int] = [:]
        for (k, v) in counts { d[k.key] = v }
        return d
    }
}
