import TrawlModel

/// A request id kept as evidence, with its time and session (the earliest few are kept).
public struct SampleRequest: Sendable, Equatable, Comparable {
    public var ts: Timestamp
    public var requestID: String
    /// The request's `session_id`, when the log gave one.
    public var sessionID: String?
    public init(ts: Timestamp, requestID: String, sessionID: String? = nil) {
        self.ts = ts
        self.requestID = requestID
        self.sessionID = sessionID
    }
    /// By time, then request id, then session (strings compared only on a tie: samples are
    /// sorted whenever one enters).
    public static func < (a: SampleRequest, b: SampleRequest) -> Bool {
        if a.ts != b.ts { return a.ts < b.ts }
        if a.requestID != b.requestID { return a.requestID < b.requestID }
        return (a.sessionID ?? "") < (b.sessionID ?? "")
    }
}

/// Everything Trawl keeps about one account over one UTC day, as mergeable state.
///
/// Counts and sums add; sketches and summaries merge; so partial states built from any
/// split of the input (files, chunks, cores, machines) combine into the state of the
/// whole input. Derived features are computed from it by `FeatureExtractor`.
public struct AccountDayState: Sendable, Equatable, Mergeable {
    public static let samplesKept = 5
    public static let windowHours = 5

    public var requests = 0
    public var inputTokens: Int64 = 0, inputKnown = 0
    public var outputTokens: Int64 = 0, outputKnown = 0
    public var cacheReadTokens: Int64 = 0, cacheKnown = 0
    /// Token sums over requests reporting both input and output (for the ratio).
    public var ratioInput: Int64 = 0, ratioOutput: Int64 = 0
    public var ips = DistinctCountSketch()
    public var networks = DistinctCountSketch()
    public var userAgents = DistinctCountSketch()
    public var apiKeys = DistinctCountSketch()
    public var sessions = DistinctCountSketch()
    public var ja4s = DistinctCountSketch()
    public var topIPs = TopKCounter<IPAddress>(capacity: 32)
    public var topUserAgents = TopKCounter<String>(capacity: 16)
    /// Requests per JA4 fingerprint (the log's, or the joined capture's), by the JA4 text's
    /// stable hash: no string per account-day (`FeatureExtractor.ja4Names` names them).
    public var topJA4s = TopKCounter<UInt64>(capacity: 8)
    /// Requests per UTC hour of the day.
    public var hourHistogram = InlineCounts<24, UInt32>()
    /// One bit per UTC minute of the day with at least one request.
    public var activeMinutes = InlineCounts<23, UInt64>()
    /// Milliseconds of request time (overlap of [ts, ts+latency_ms]) per minute of the day.
    public var busyMillis = MinuteLoad()
    public var latencyKnown = 0
    /// Input + output tokens per 5-hour UTC window (00-05, 05-10, 10-15, 15-20, 20-24).
    public var windowTokens = InlineCounts<5, Int64>()
    public var tokensKnown = 0
    public var rateLimitedKnown = 0, rateLimited = 0
    public var turnsKnown = 0, singleTurn = 0
    public var thinkingKnown = 0, thinking = 0
    public var capKnown = 0, atCap = 0
    /// The most recent plan seen in the log, and when.
    public var plan: String?
    public var planSeenAt: Timestamp = .min
    public var samples: [SampleRequest] = []
    public var firstSeen: Timestamp = .max
    public var lastSeen: Timestamp = .min
    /// A sample of the day's distinct addresses with their first and last use.
    public var lifetimes = AddressLifetimeSample()
    /// Enrichment state; `nil` when the run had no GeoIP data for any of these requests.
    public var geo: GeoDayState?
    /// Requests joined to a captured connection, and those whose SYN showed a tunnel.
    public var captured = 0, tunneled = 0
    /// Joined requests whose User-Agent and SYN both name an OS, and those that disagree.
    public var osChecked = 0, osMismatch = 0
    /// Requests whose TLS stack the stack table knows (`rules/tls_stacks.yaml`), those whose
    /// stack contradicts their User-Agent, and those of the latter where a relay's stack
    /// speaks for an interactive client.
    public var stackKnown = 0, stackMismatch = 0, relayStack = 0
    /// Requests reporting `temperature`, and per tenth from 0.0 to 2.0 (clamped) how many
    /// asked for it: exact, so merges agree whatever the split (empty until one reports it).
    public var temperatureKnown = 0
    public var temperatureTenths: [UInt32] = []
    /// The smallest stable hash of the `org_id`s seen (0: none), to tell an organisation's
    /// own accounts apart from others when counting who shares a template.
    public var orgHash: UInt64 = 0
    /// Prompt state; `nil` when no request of the day had a prompt or prompt_simhash.
    public var prompts: PromptDayState?
    /// Requests per model and UTC hour, sorted by model (for new_model_rush_share).
    public var models: [ModelUse] = []
    /// What the linking stage compares between accounts: consistent samples of the day's
    /// networks, (network, hour) buckets and client sessions (see ``LinkDayState``).
    public var link = LinkDayState()

    public init() {}

    /// Adds one request. Hashes are the stable content hashes of the interned fields
    /// (`0`: field absent); `modelCap` is the output cap of the request's model when known.
    @inline(__always)
    public mutating func add(
        _ e: RequestEvent, dayStart: Timestamp, userAgentHash: UInt64, apiKeyHash: UInt64, sessionHash: UInt64,
        ja4Hash: UInt64, modelCap: Int64?
    ) {
        requests += 1
        if e.inputTokens >= 0 {
            inputTokens = saturatingAdd(inputTokens, e.inputTokens)
            inputKnown += 1
        }
        if e.outputTokens >= 0 {
            outputTokens = saturatingAdd(outputTokens, e.outputTokens)
            outputKnown += 1
        }
        if e.cacheReadTokens >= 0 {
            cacheReadTokens = saturatingAdd(cacheReadTokens, e.cacheReadTokens)
            cacheKnown += 1
        }
        if e.inputTokens >= 0 && e.outputTokens >= 0 {
            ratioInput = saturatingAdd(ratioInput, e.inputTokens)
            ratioOutput = saturatingAdd(ratioOutput, e.outputTokens)
        }
        let ipHash = e.clientIP.stableHash
        ips.insert(hash: ipHash)
        lifetimes.add(e.clientIP, hash: ipHash, at: e.ts)
        let networkKey = e.clientIP.networkKey
        let networkHash = mix64(networkKey)
        networks.insert(hash: networkHash)
        link.add(network: networkKey, hash: networkHash, at: e.ts)
        if userAgentHash != 0 { userAgents.insert(hash: userAgentHash) }
        if apiKeyHash != 0 { apiKeys.insert(hash: apiKeyHash) }
        if sessionHash != 0 {
            sessions.insert(hash: sessionHash)
            link.sessions.add(hash: sessionHash, NoValue())
        }
        if ja4Hash != 0 {
            ja4s.insert(hash: ja4Hash)
            topJA4s.add(ja4Hash)
        }
        topIPs.add(e.clientIP)

        let offset = max(0, min(e.ts - dayStart, TimestampParser.millisPerDay - 1))
        let minute = Int(offset / 60_000)
        hourHistogram[minute / 60] &+= 1
        activeMinutes[minute >> 6] |= 1 << UInt64(minute & 63)
        if e.latencyMs >= 0 {
            latencyKnown += 1
            var t = offset
            let end = min(offset + e.latencyMs, TimestampParser.millisPerDay)
            while t < end {
                let m = t / 60_000
                let edge = min(end, (m + 1) * 60_000)
                busyMillis.add(minute: Int(m), millis: UInt32(edge - t))
                t = edge
            }
        }
        if e.inputTokens >= 0 || e.outputTokens >= 0 {
            tokensKnown += 1
            windowTokens[minute / (60 * Self.windowHours)] = saturatingAdd(
                windowTokens[minute / (60 * Self.windowHours)], max(0, e.inputTokens) + max(0, e.outputTokens))
        }
        if e.flags.contains(.rateLimitedKnown) {
            rateLimitedKnown += 1
            if e.flags.contains(.rateLimited) { rateLimited += 1 }
        }
        if e.turns >= 0 {
            turnsKnown += 1
            if e.turns == 1 { singleTurn += 1 }
        }
        if e.flags.contains(.thinkingKnown) {
            thinkingKnown += 1
            if e.flags.contains(.thinking) { thinking += 1 }
        }
        if let cap = modelCap, e.maxTokens >= 0 {
            capKnown += 1
            if e.maxTokens >= cap { atCap += 1 }
        }
        if !e.temperature.isNaN {
            temperatureKnown += 1
            if temperatureTenths.isEmpty { temperatureTenths = Array(repeating: 0, count: 21) }
            temperatureTenths[Int(max(0, min(20, (e.temperature * 10).rounded())))] &+= 1
        }
        if e.ts < firstSeen { firstSeen = e.ts }
        if e.ts > lastSeen { lastSeen = e.ts }
    }

    /// Notes a request's model (its stable hash) at `ts`, in UTC hour `hour` of the day.
    @inline(__always) public mutating func noteModel(hash: UInt64, ts: Timestamp, hour: Int) {
        let i = modelIndex(hash, first: ts)
        if ts < models[i].first { models[i].first = ts }
        models[i].hours[max(0, min(23, hour))] &+= 1
    }

    /// The position of a model, inserted (first used at `first`) when absent.
    @inline(__always) private mutating func modelIndex(_ hash: UInt64, first: Timestamp) -> Int {
        var i = 0
        while i < models.count && models[i].model < hash { i += 1 }
        if i == models.count || models[i].model != hash { models.insert(ModelUse(model: hash, first: first), at: i) }
        return i
    }

    /// Notes the organisation a request named (the smallest hash wins, whatever the order).
    @inline(__always) public mutating func noteOrg(hash: UInt64) {
        if orgHash == 0 || hash < orgHash { orgHash = hash }
    }

    /// Adds what enrichment knows of one request's address (see `GeoDayState.add`).
    @inline(__always) public mutating func addGeo(_ facts: AddressFacts, ts: Timestamp, localeMismatch: Bool?) {
        if geo == nil { geo = GeoDayState() }
        geo!.add(facts, ts: ts, localeMismatch: localeMismatch)
    }

    /// Notes the captured connection a request came over.
    @inline(__always) public mutating func noteConnection(_ c: CapturedConnection, claimedOS: OSFamily) {
        captured += 1
        if c.tunnel { tunneled += 1 }
        if c.synOS != .unknown && claimedOS != .unknown {
            osChecked += 1
            if !c.synOS.fits(claimed: claimedOS) { osMismatch += 1 }
        }
    }

    /// Notes a request whose TLS stack the stack table knows, with what it says of the User-Agent.
    @inline(__always) public mutating func noteStack(_ v: TLSStackTable.Verdict) {
        stackKnown += 1
        if v.mismatch { stackMismatch += 1 }
        if v.relay { relayStack += 1 }
    }

    /// Whether a request at `ts` would enter the evidence sample.
    @inline(__always) public func wantsSample(at ts: Timestamp) -> Bool {
        samples.count < Self.samplesKept || ts <= samples[samples.count - 1].ts
    }

    public mutating func addSample(_ sample: SampleRequest) {
        // Full and no earlier than the latest kept: it would be dropped again.
        if samples.count >= Self.samplesKept && !(sample < samples[samples.count - 1]) { return }
        guard !samples.contains(sample) else { return }
        samples.append(sample)
        samples.sort()
        if samples.count > Self.samplesKept { samples.removeLast(samples.count - Self.samplesKept) }
    }

    public mutating func notePlan(_ name: String, at ts: Timestamp) {
        if ts > planSeenAt || (ts == planSeenAt && name > (plan ?? "")) {
            plan = name
            planSeenAt = ts
        }
    }

    public mutating func merge(_ o: AccountDayState) {
        requests += o.requests
        inputTokens = saturatingAdd(inputTokens, o.inputTokens)
        inputKnown += o.inputKnown
        outputTokens = saturatingAdd(outputTokens, o.outputTokens)
        outputKnown += o.outputKnown
        cacheReadTokens = saturatingAdd(cacheReadTokens, o.cacheReadTokens)
        cacheKnown += o.cacheKnown
        ratioInput = saturatingAdd(ratioInput, o.ratioInput)
        ratioOutput = saturatingAdd(ratioOutput, o.ratioOutput)
        ips.merge(o.ips)
        networks.merge(o.networks)
        userAgents.merge(o.userAgents)
        apiKeys.merge(o.apiKeys)
        sessions.merge(o.sessions)
        ja4s.merge(o.ja4s)
        topIPs.merge(o.topIPs)
        topUserAgents.merge(o.topUserAgents)
        topJA4s.merge(o.topJA4s)
        for h in 0..<24 { hourHistogram[h] &+= o.hourHistogram[h] }
        for w in 0..<23 { activeMinutes[w] |= o.activeMinutes[w] }
        busyMillis.merge(o.busyMillis)
        latencyKnown += o.latencyKnown
        for w in 0..<5 { windowTokens[w] = saturatingAdd(windowTokens[w], o.windowTokens[w]) }
        tokensKnown += o.tokensKnown
        rateLimitedKnown += o.rateLimitedKnown
        rateLimited += o.rateLimited
        turnsKnown += o.turnsKnown
        singleTurn += o.singleTurn
        thinkingKnown += o.thinkingKnown
        thinking += o.thinking
        capKnown += o.capKnown
        atCap += o.atCap
        if let p = o.plan { notePlan(p, at: o.planSeenAt) }
        for s in o.samples { addSample(s) }
        firstSeen = min(firstSeen, o.firstSeen)
        lastSeen = max(lastSeen, o.lastSeen)
        lifetimes.merge(o.lifetimes)
        captured += o.captured
        tunneled += o.tunneled
        osChecked += o.osChecked
        osMismatch += o.osMismatch
        stackKnown += o.stackKnown
        stackMismatch += o.stackMismatch
        relayStack += o.relayStack
        temperatureKnown += o.temperatureKnown
        if !o.temperatureTenths.isEmpty {
            if temperatureTenths.isEmpty { temperatureTenths = Array(repeating: 0, count: 21) }
            for i in 0..<21 { temperatureTenths[i] &+= o.temperatureTenths[i] }
        }
        if o.orgHash != 0 { noteOrg(hash: o.orgHash) }
        for m in o.models {
            let i = modelIndex(m.model, first: m.first)
            models[i].first = min(models[i].first, m.first)
            for h in 0..<24 { models[i].hours[h] &+= m.hours[h] }
        }
        if let p = o.prompts {
            if prompts == nil { prompts = p } else { prompts!.merge(p) }
        }
        link.merge(o.link)
        if let g = o.geo {
            if geo == nil { geo = g } else { geo!.merge(g) }
        }
    }
}

/// One model's use by an account over a UTC day: its first request and requests per hour.
public struct ModelUse: Sendable, Equatable {
    /// Stable hash of the model's name.
    public var model: UInt64
    public var first: Timestamp
    public var hours = InlineCounts<24, UInt32>()
    public init(model: UInt64, first: Timestamp) {
        self.model = model
        self.first = first
    }
}

/// Token sums saturate instead of trapping: adversarial logs cannot stop a run, and
/// saturating addition of non-negative values stays associative, so merges still agree.
@inline(__always) func saturatingAdd(_ a: Int64, _ b: Int64) -> Int64 {
    let (sum, over) = a.addingReportingOverflow(b)
    return over ? .max : sum
}
