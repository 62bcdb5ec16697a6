import TrawlModel

/// One request as generated, before it is rendered to a log line.
///
/// Plain values only (indices into the world's tables), so the per-account scratch array
/// of requests can be sorted and rendered without allocation.
struct Request {
    var ts: Int64 = 0
    var ip = IPAddress(high: 0, low: 0)
    var port: Int32 = -1
    var key: Int16 = -1
    var client: Int16 = 0
    var lang: Int16 = -1
    var zone: Int16 = -1
    var system: Int16 = -1
    var model: Model = .sonnet
    var stream = true
    var thinking = false
    var rateLimited = false
    var status: Int16 = 200
    var turns: Int16 = 1
    /// Hundredths; -1 = not sent.
    var temperature: Int16 = -1
    /// 0 = no session.
    var session: UInt64 = 0
    var inputTokens: Int = 0
    var outputTokens: Int = 0
    /// -1 = not reported.
    var cacheRead: Int = -1
    /// -1 = not sent.
    var maxTokens: Int = -1
    var latency: Int = 0
    var promptGroup: PromptGroup = .chat
    /// -1 = drawn from the seed.
    var promptTemplate: Int16 = -1
    var promptSeed: UInt64 = 0
}
