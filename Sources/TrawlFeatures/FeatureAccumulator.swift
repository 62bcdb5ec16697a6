import Foundation
import TrawlModel

/// Looks client addresses up in enrichment data (GeoIP, ASN, anonymity databases).
///
/// Asked on every cache miss of a decoding worker: an implementation caches per network
/// and must be safe to call from several workers at once. A class, so that passing it
/// around the per-request loop copies one reference, not an existential box.
public protocol AddressEnricher: AnyObject, Sendable {
    func facts(for address: IPAddress) -> AddressFacts
    /// The facts and the prefix length of the network they hold for: every address that
    /// shares that many leading bits (counted in its own family) gets the same facts.
    func factsWithExtent(for address: IPAddress) -> (facts: AddressFacts, prefixLength: Int)
    /// Whether allowlists are loaded (so that "not allowlisted" is known).
    var hasAllowlists: Bool { get }
}

extension AddressEnricher {
    public var hasAllowlists: Bool { false }
    /// Without knowledge of networks, the facts hold for the address alone.
    public func factsWithExtent(for address: IPAddress) -> (facts: AddressFacts, prefixLength: Int) {
        (facts(for: address), address.isIPv4 ? 32 : 128)
    }
}

/// Identifies one account's state for one UTC day.
public struct AccountDayKey: Hashable, Sendable, Comparable {
    public var accountID: String
    public var day: Int32
    public init(accountID: String, day: Int32) {
        self.accountID = accountID
        self.day = day
    }
    public static func < (a: AccountDayKey, b: AccountDayKey) -> Bool { (a.accountID, a.day) < (b.accountID, b.day) }
}

/// Builds per-account, per-day state from the events one decoding worker produces.
///
/// Works on the worker's interned ids (no strings per event); `export` turns its state
/// into `AccountDayState`s keyed by account id, ready to merge with other workers'.
public struct FeatureAccumulator: Sendable {
    private struct Working: Sendable {
        var state = AccountDayState()
        var userAgents = TopKCounter<UInt32>(capacity: 16)
        /// (User-Agent id << 32 | JA4 id) pairs, for `LinkDayState.clients`.
        var clients = TopKCounter<UInt64>(capacity: LinkDayState.clientCapacity)
        var planID: UInt32 = 0
        var planSeenAt: Timestamp = .min
    }

    private var index = SlotTable()
    private var working: [Working] = []
    /// Output cap by interned model id: -2 not looked up yet, -1 no cap known.
    private var capByModel: [Int64] = []
    public let plans: PlanCatalog
    public let enricher: (any AddressEnricher)?
    /// Captured connections to join requests to (`analyze --pcap`), or `nil`.
    public let connections: (any ConnectionLookup)?
    /// This worker's recent answers from `enricher`, in front of its shared caches.
    /// (9 MB, so only made when there is an enricher.)
    private var addressCache: RecentAddressCache?
    /// The OS family each interned User-Agent names (`nil`: not parsed yet).
    private var osByUserAgent: [OSFamily?] = []
    /// TLS stacks and User-Agent classes (`rules/tls_stacks.yaml`), or `nil`.
    public let stacks: TLSStackTable?
    /// Stack index by interned ja4 and class index by interned User-Agent: -2 not looked
    /// up yet, -1 not in the table.
    private var stackByJA4: [Int16] = []
    private var classByUserAgent: [Int16] = []
    /// Accept-Language region by interned value (`nil`: not parsed yet).
    private var regionByLanguage: [(region: UInt16, english: Bool)?] = []
    /// UTC offsets in minutes (`nil`: not a known zone) by zone and day: `0 << 63 | interned
    /// client_timezone << 32 | day` for clients, `1 << 63 | TimeZoneNames id << 32 | day` for
    /// addresses. Taken at the start of the UTC day, so the answer does not depend on which
    /// request of the day came first.
    private var offsets: [UInt64: Int16?] = [:]
    /// Prompt analysis (skeletons, template keys, lexicons); `nil` turns the prompt features off.
    private var prompts: PromptAnalyzer?
    /// Prompt texts kept per account-day as evidence (`analyze --keep-samples`).
    public let keepSamples: Int
    /// The span of time one state covers: a UTC day (batch), or a shorter period that divides
    /// a day (a live run's bucket, e.g. 5 minutes). Drained keys then hold the period's
    /// number (`ts / periodMillis`) in `day`; day-relative parts of the state (hours, minutes,
    /// plan windows) still count from the start of the request's UTC day.
    public var periodMillis: Int64 = TimestampParser.millisPerDay {
        didSet { precondition(periodMillis > 0 && TimestampParser.millisPerDay % periodMillis == 0, "a period divides a day") }
    }
    /// Live runs: each account's periods begin at its own phase within the period
    /// (`WindowSpec.phase`), so a drained key's period `p` covers
    /// `[p * periodMillis + phase, (p + 1) * periodMillis + phase)`. Off: on the epoch's grid.
    public var staggered = false
    /// The text of every JA4 the log named, by stable hash (for `AccountDayState.topJA4s`).
    public private(set) var ja4Names: [UInt64: String] = [:]
    /// Whether an interned JA4 is in `ja4Names` yet, by interned id.
    private var ja4Named: [Bool] = []

    public init(
        plans: PlanCatalog, enricher: (any AddressEnricher)? = nil, connections: (any ConnectionLookup)? = nil,
        stacks: TLSStackTable? = nil, prompts: PromptAnalyzer? = nil, keepSamples: Int = 0
    ) {
        self.plans = plans
        self.enricher = enricher
        self.connections = connections
        self.stacks = stacks
        self.prompts = prompts
        self.keepSamples = keepSamples
        if enricher != nil { addressCache = RecentAddressCache() }
    }

    public var accountDays: Int { working.count }

    /// Adds a batch of events decoded with `interner`.
    public mutating func add(_ batch: [RequestEvent], arena: [UInt8], interner: StringInterner) {
        let enricher = self.enricher  // one copy of the existential per batch, not per request
        let connections = self.connections
        for e in batch {
            let day = TimestampParser.day(of: e.ts)
            let period: Int32
            if periodMillis == TimestampParser.millisPerDay {
                period = day
            } else if staggered {
                let phase = WindowSpec.phase(accountHash: interner.hash(e.account), periodMillis: periodMillis)
                period = Self.period(of: e.ts &- phase, periodMillis)
            } else {
                period = Self.period(of: e.ts, periodMillis)
            }
            let key = UInt64(e.account) << 32 | UInt64(UInt32(bitPattern: period))
            let slot = index.slot(for: key, next: working.count)
            if slot == working.count { working.append(Working()) }
            var cap: Int64? = nil
            if e.model != 0 {
                let m = Int(e.model)
                if m >= capByModel.count { capByModel.append(contentsOf: repeatElement(-2, count: m + 1 - capByModel.count)) }
                if capByModel[m] == -2 { capByModel[m] = plans.outputCaps[interner.string(e.model)] ?? -1 }
                if capByModel[m] >= 0 { cap = capByModel[m] }
            }
            let dayStart = Int64(day) * TimestampParser.millisPerDay
            var ja4Hash = e.ja4 == 0 ? 0 : interner.hash(e.ja4)
            var stack: Int16 = -1
            if let stacks, e.ja4 != 0 { stack = Self.cached(&stackByJA4, e.ja4) { stacks.stack(ofJA4: interner.string($0)) } }
            if let connections, e.clientPort >= 0,
                let c = connections.connection(client: e.clientIP, port: e.clientPort, at: e.ts)
            {
                // The log's own ja4 wins; the capture fills it in where the log has none.
                if ja4Hash == 0 {
                    ja4Hash = c.ja4Hash
                    stack = c.stack
                }
                var claimed = OSFamily.unknown
                if e.userAgent != 0 {
                    let i = Int(e.userAgent)
                    if i >= osByUserAgent.count {
                        osByUserAgent.append(contentsOf: repeatElement(nil, count: i + 1 - osByUserAgent.count))
                    }
                    if osByUserAgent[i] == nil { osByUserAgent[i] = OSFamily.fromUserAgent(interner.string(e.userAgent)) }
                    claimed = osByUserAgent[i]!
                }
                working[slot].state.noteConnection(c, claimedOS: claimed)
            }
            if let stacks, stack >= 0 {
                let uaClass: Int16 =
                    e.userAgent == 0 ? -1 : Self.cached(&classByUserAgent, e.userAgent) { stacks.userAgentClass(of: interner.string($0)) }
                working[slot].state.noteStack(stacks.verdict(stack: Int(stack), userAgentClass: uaClass < 0 ? nil : Int(uaClass)))
            }
            working[slot].state.add(
                e, dayStart: dayStart,
                userAgentHash: e.userAgent == 0 ? 0 : interner.hash(e.userAgent),
                apiKeyHash: e.apiKeyHash,
                sessionHash: e.sessionHash,
                ja4Hash: ja4Hash,
                modelCap: cap)
            if e.userAgent != 0 {
                working[slot].userAgents.add(e.userAgent)
                working[slot].clients.add(UInt64(e.userAgent) << 32 | UInt64(e.ja4))
            }
            if e.ja4 != 0 { nameJA4(e.ja4, interner) }
            if e.org != 0 { working[slot].state.noteOrg(hash: interner.hash(e.org)) }
            if e.model != 0 {
                let hour = Int(max(0, min(e.ts - dayStart, TimestampParser.millisPerDay - 1)) / 3_600_000)
                working[slot].state.noteModel(hash: interner.hash(e.model), ts: e.ts, hour: hour)
            }
            if prompts != nil && (e.promptLength > 0 || e.systemPromptLength > 0 || e.flags.contains(.simhashKnown)) {
                addPrompt(e, slot: slot, arena: arena)
            }
            if let enricher {
                let facts = addressCache!.facts(for: e.clientIP) { enricher.factsWithExtent(for: $0) }
                let mismatch = localeMismatch(e, day: day, facts, interner: interner)
                if facts.isKnown || mismatch != nil { working[slot].state.addGeo(facts, ts: e.ts, localeMismatch: mismatch) }
            }
            // The latest plan wins; on a tie, the larger name, as `AccountDayState.notePlan`
            // decides, so the result does not depend on which worker saw which line.
            if e.plan != 0 && e.plan != working[slot].planID
                && (e.ts > working[slot].planSeenAt
                    || (e.ts == working[slot].planSeenAt && interner.string(e.plan) > interner.string(working[slot].planID)))
            {
                working[slot].planID = e.plan
                working[slot].planSeenAt = e.ts
            }
            if e.requestIDLength > 0 && working[slot].state.wantsSample(at: e.ts) {
                let start = Int(e.requestIDOffset)
                let id = arena.withUnsafeBufferPointer {
                    String(decoding: UnsafeBufferPointer(rebasing: $0[start..<(start + Int(e.requestIDLength))]), as: UTF8.self)
                }
                let session =
                    e.sessionIDLength == 0
                    ? nil
                    : arena.withUnsafeBufferPointer {
                        let start = Int(e.sessionIDOffset)
                        return String(
                            decoding: UnsafeBufferPointer(rebasing: $0[start..<(start + Int(e.sessionIDLength))]), as: UTF8.self)
                    }
                working[slot].state.addSample(SampleRequest(ts: e.ts, requestID: id, sessionID: session))
            }
        }
    }

    /// The number of the period of `millis` that holds `ts` (periods start at the epoch).
    @inline(__always) public static func period(of ts: Timestamp, _ millis: Int64) -> Int32 {
        Int32(truncatingIfNeeded: ts >= 0 ? ts / millis : (ts - millis + 1) / millis)
    }

    /// Adds a request's prompt text (or, without text, its prompt_simhash) to its state.
    /// The prompt is analysed only when it enters the account-day's sample.
    private mutating func addPrompt(_ e: RequestEvent, slot: Int, arena: [UInt8]) {
        if case .none = working[slot].state.prompts { working[slot].state.prompts = PromptDayState() }
        let keepSamples = keepSamples
        // The state is changed in place: taking it out and putting it back copied it, which
        // retained every array of the state on each prompt.
        arena.withUnsafeBytes { a in
            Self.addPrompt(e, to: &working[slot].state.prompts!, arena: a, analyzer: &prompts!, keepSamples: keepSamples)
        }
    }

    private static func addPrompt(
        _ e: RequestEvent, to p: inout PromptDayState, arena a: UnsafeRawBufferPointer, analyzer: inout PromptAnalyzer,
        keepSamples: Int
    ) {
        if p.sampleLimit == 0 && keepSamples > 0 { p.sampleLimit = keepSamples }
        p.lexiconsKnown = analyzer.hasLexicons
        let system =
            e.systemPromptLength == 0
            ? nil
            : UnsafeRawBufferPointer(rebasing: a[Int(e.systemPromptOffset)..<(Int(e.systemPromptOffset) + Int(e.systemPromptLength))])
        let systemHash = system.map { stableHash($0) | 1 } ?? 0
        if systemHash != 0 { p.addSystemPrompt(hash: systemHash) }
        if e.promptLength > 0 {
            let prompt = UnsafeRawBufferPointer(rebasing: a[Int(e.promptOffset)..<(Int(e.promptOffset) + Int(e.promptLength))])
            p.textPrompts += 1
            let contentHash = stableHash(prompt)
            let rank = PromptDayState.textRank(contentHash: contentHash, ts: e.ts)
            if p.admits(rank: rank) {
                let o = analyzer.analyze(prompt: prompt, contentHash: contentHash, system: system, systemHash: systemHash)
                p.addSampled(o, rank: rank)
            }
            if keepSamples > 0 && p.wantsSample(at: e.ts) {
                p.addSample(PromptSample(ts: e.ts, text: String(decoding: prompt, as: UTF8.self)))
            }
        } else if e.flags.contains(.simhashKnown) {
            p.addSimHash(e.promptSimhash, ts: e.ts)
        }
    }

    /// The JA4 names noted since the last call, which it forgets (a live run hands them to
    /// its extractor at each tick; each id is still noted once).
    public mutating func takeJA4Names() -> [UInt64: String] {
        defer { ja4Names = [:] }
        return ja4Names
    }

    /// Notes the text of an interned JA4 under its stable hash, once per id.
    @inline(__always) private mutating func nameJA4(_ id: UInt32, _ interner: StringInterner) {
        let i = Int(id)
        if i >= ja4Named.count { ja4Named.append(contentsOf: repeatElement(false, count: i + 1 - ja4Named.count)) }
        if !ja4Named[i] {
            ja4Named[i] = true
            ja4Names[interner.hash(id)] = interner.string(id)
        }
    }

    /// The table index cached for an interned id (-1: none), looked up once per id.
    @inline(__always) private static func cached(_ cache: inout [Int16], _ id: UInt32, _ lookup: (UInt32) -> Int?) -> Int16 {
        let i = Int(id)
        if i >= cache.count { cache.append(contentsOf: repeatElement(-2, count: i + 1 - cache.count)) }
        if cache[i] == -2 { cache[i] = lookup(id).map { Int16($0) } ?? -1 }
        return cache[i]
    }

    /// Whether the request's Accept-Language and client_timezone disagree with its address.
    private mutating func localeMismatch(
        _ e: RequestEvent, day eventDay: Int32, _ facts: AddressFacts, interner: StringInterner
    ) -> Bool? {
        guard facts.isKnown else { return nil }
        var region: UInt16 = 0
        var english = false
        if e.acceptLanguage != 0 {
            let i = Int(e.acceptLanguage)
            if i >= regionByLanguage.count {
                regionByLanguage.append(contentsOf: repeatElement(nil, count: i + 1 - regionByLanguage.count))
            }
            if regionByLanguage[i] == nil { regionByLanguage[i] = LocaleCheck.languageRegion(interner.string(e.acceptLanguage)) }
            (region, english) = regionByLanguage[i]!
        }
        let day = UInt64(UInt32(bitPattern: eventDay))
        var clientOffset: Int16?
        if e.clientTimezone != 0 {
            let key = UInt64(e.clientTimezone) << 32 | day
            if let known = offsets[key] {
                clientOffset = known
            } else {
                clientOffset = utcOffsetMinutes(zone: interner.string(e.clientTimezone), day: Int32(bitPattern: UInt32(day)))
                offsets[key] = clientOffset
            }
        }
        var addressOffset: Int16?
        if facts.timeZone != 0 {
            let key = 1 << 63 | UInt64(UInt32(bitPattern: facts.timeZone)) << 32 | day
            if let known = offsets[key] {
                addressOffset = known
            } else {
                addressOffset = utcOffsetMinutes(
                    zone: TimeZoneNames.shared.name(facts.timeZone), day: Int32(bitPattern: UInt32(day)))
                offsets[key] = addressOffset
            }
        }
        return LocaleCheck.mismatch(
            languageRegion: region, languageIsEnglish: english, clientOffsetMinutes: clientOffset,
            addressOffsetMinutes: addressOffset, address: facts)
    }

    /// Moves the accumulated state out, split into `partitions` parts by account
    /// (`partition(accountID)` names each account's part), leaving the accumulator empty.
    ///
    /// States are moved, not copied: a copy would retain and later release every sketch
    /// and array each state holds, for every account-day of the run.
    public mutating func drain(
        interner: StringInterner, partitions: Int, partition: (String) -> Int
    ) -> [AccountDayPartition] {
        var parts = (0..<partitions).map { _ in AccountDayPartition() }
        for p in parts.indices { parts[p].reserveCapacity(working.count / partitions + 1) }
        var keyBySlot = [UInt64](repeating: 0, count: working.count)
        for (key, slot) in index.entries { keyBySlot[slot] = key }
        var accounts: [UInt32: (name: String, part: Int)] = [:]
        var clientNames: [UInt64: ClientFingerprint] = [:]
        while var w = working.popLast() {
            let key = keyBySlot[working.count]
            let accountID = UInt32(key >> 32)
            let account: (name: String, part: Int)
            if let known = accounts[accountID] {
                account = known
            } else {
                let name = interner.string(accountID)
                account = (name, partition(name))
                accounts[accountID] = account
            }
            w.state.topUserAgents = w.userAgents.mapKeys { interner.string($0) }
            // One string per distinct client, shared by every state that names it.
            w.state.link.clients = w.clients.mapKeys { pair in
                if let known = clientNames[pair] { return known }
                let made = ClientFingerprint(
                    userAgent: interner.string(UInt32(pair >> 32)), ja4: interner.string(UInt32(truncatingIfNeeded: pair)))
                clientNames[pair] = made
                return made
            }
            if w.planID != 0 { w.state.notePlan(interner.string(w.planID), at: w.planSeenAt) }
            let day = Int32(bitPattern: UInt32(truncatingIfNeeded: key))
            // Swapped out, not copied: a copy retained every array and sketch of the state
            // (an empty state allocates nothing).
            var state = AccountDayState()
            swap(&state, &w.state)
            parts[account.part].append(AccountDayKey(accountID: account.name, day: day), state)
        }
        index = SlotTable()
        return parts
    }

    /// The accumulated state keyed by account id and day, with interned ids resolved
    /// (a copy: `drain` on a copy of the accumulator, in one part).
    public func export(interner: StringInterner) -> [AccountDayKey: AccountDayState] {
        var copy = self
        let part = copy.drain(interner: interner, partitions: 1) { _ in 0 }[0]
        return Dictionary(uniqueKeysWithValues: zip(part.keys, part.states))
    }
}

/// The UTC offset in minutes of an IANA time zone at the start of a UTC day; `nil` for an
/// unknown zone.
public func utcOffsetMinutes(zone: String, day: Int32) -> Int16? {
    guard let tz = TimeZone(identifier: zone) else { return nil }
    return Int16(tz.secondsFromGMT(for: Date(timeIntervalSince1970: Double(day) * 86_400)) / 60)
}

/// What a packet capture saw of the TCP connection that carried a request.
public struct CapturedConnection: Sendable, Equatable {
    /// The stable hash of the connection's JA4 text (as the interner hashes strings); 0: no ClientHello seen.
    public var ja4Hash: UInt64
    /// The SYN's MSS showed tunnel, VPN or PPPoE overhead.
    public var tunnel: Bool
    /// The operating system the SYN's TCP stack looks like.
    public var synOS: OSFamily
    /// The index of the JA4's stack in the run's `TLSStackTable`; -1: unknown or no ClientHello.
    public var stack: Int16

    public init(ja4Hash: UInt64, tunnel: Bool, synOS: OSFamily = .unknown, stack: Int16 = -1) {
        self.ja4Hash = ja4Hash
        self.tunnel = tunnel
        self.synOS = synOS
        self.stack = stack
    }
}

/// An operating-system family, as a User-Agent claims it or a TCP SYN shows it.
public enum OSFamily: UInt8, Sendable {
    case unknown, linux, linuxServer, windows, apple, android

    /// The family a User-Agent names; `unknown` for clients that name none (CLIs, SDKs).
    public static func fromUserAgent(_ ua: some StringProtocol) -> OSFamily {
        if ua.contains("Android") { return .android }
        if ua.contains("Windows NT") { return .windows }
        if ua.contains("iPhone") || ua.contains("iPad") || ua.contains("Macintosh") || ua.contains("Mac OS X")
            || ua.contains("CFNetwork") || ua.contains("Darwin/")
        {
            return .apple
        }
        if ua.contains("X11; Linux") || ua.contains("Linux x86_64") { return .linux }
        return .unknown
    }

    /// The family of a SYN-signature table entry (`rules/tcp_signatures.yaml`).
    public static func fromSYNFamily(_ family: String) -> OSFamily {
        switch family {
        case "linux": .linux
        case "linux_server": .linuxServer
        case "windows": .windows
        case "macos_ios": .apple
        case "android": .android
        default: .unknown
        }
    }

    /// Whether a SYN of this family can come from a device whose User-Agent names `claimed`.
    /// Android's SYN often matches the desktop Linux entries; a Linux desktop's may look like
    /// a server's. A server's SYN under a Windows, Apple or Android User-Agent is a relay's.
    public func fits(claimed: OSFamily) -> Bool {
        switch (claimed, self) {
        case (.linux, .linux), (.linux, .linuxServer), (.android, .android), (.android, .linux),
            (.windows, .windows), (.apple, .apple):
            true
        default: false
        }
    }
}

/// Finds the captured connection a request came over: same client address and port,
/// the request's time within a window after the connection's first packet.
public protocol ConnectionLookup: AnyObject, Sendable {
    func connection(client: IPAddress, port: Int32, at ts: Timestamp) -> CapturedConnection?
}

/// Small direct-mapped caches of enrichment answers, private to one worker: by address,
/// and by /24 and /16 (IPv4) or /48 and /32 (IPv6) network for answers that hold for the
/// whole network.
///
/// Requests of one account come in bursts from the same few addresses, and rotating
/// proxies draw fresh addresses from the same networks, so most requests are answered
/// here without a lock or a full hash; a miss asks the enricher (whose caches are shared)
/// and fills the slot of the coarsest level the answer holds for. Bounded (3 × 2^16
/// slots, 9 MB) whatever the number of addresses.
struct RecentAddressCache: Sendable {
    private struct Level: Sendable {
        static let bits = 16
        var keys = [IPAddress](repeating: IPAddress(high: 0, low: 0), count: 1 << bits)
        var values = [AddressFacts](repeating: AddressFacts(), count: 1 << bits)
        var filled = [Bool](repeating: false, count: 1 << bits)

        @inline(__always) static func slot(_ a: IPAddress) -> Int {
            // Both halves mixed: the IPv6 network keys have low == 0, IPv4 keys high == 0.
            Int(truncatingIfNeeded: mix64(a.high &* 0x9E37_79B9_7F4A_7C15 ^ a.low) >> UInt64(64 - bits))
        }

        @inline(__always) func get(_ key: IPAddress) -> AddressFacts? {
            let i = Self.slot(key)
            return filled[i] && keys[i] == key ? values[i] : nil
        }

        @inline(__always) mutating func set(_ key: IPAddress, _ f: AddressFacts) {
            let i = Self.slot(key)
            keys[i] = key
            values[i] = f
            filled[i] = true
        }
    }

    private var exact = Level()
    private var fine = Level()
    private var coarse = Level()

    /// The network of the fine (/24, /48) and coarse (/16, /32) levels around an address.
    @inline(__always) private static func fine(_ a: IPAddress) -> IPAddress {
        a.isIPv4 ? IPAddress(high: 0, low: a.low & ~0xFF) : IPAddress(high: a.high & ~0xFFFF, low: 0)
    }
    @inline(__always) private static func coarse(_ a: IPAddress) -> IPAddress {
        a.isIPv4 ? IPAddress(high: 0, low: a.low & ~0xFFFF) : IPAddress(high: a.high & ~0xFFFF_FFFF, low: 0)
    }

    @inline(__always) mutating func facts(
        for address: IPAddress, miss: (IPAddress) -> (facts: AddressFacts, prefixLength: Int)
    ) -> AddressFacts {
        if let f = exact.get(address) { return f }
        let fineKey = Self.fine(address), coarseKey = Self.coarse(address)
        let f: AddressFacts
        if let known = fine.get(fineKey) ?? coarse.get(coarseKey) {
            f = known
        } else {
            let answer = miss(address)
            f = answer.facts
            let v4 = address.isIPv4
            if answer.prefixLength <= (v4 ? 16 : 32) {
                coarse.set(coarseKey, f)
            } else if answer.prefixLength <= (v4 ? 24 : 48) {
                fine.set(fineKey, f)
            }
        }
        exact.set(address, f)
        return f
    }
}

/// Maps (account id, day) keys to slots: open addressing with linear probing.
///
/// Hand-written because it is looked up for every request; Swift's `Dictionary` hashes
/// with SipHash, several times the cost of one multiply-shift here.
struct SlotTable: Sendable {
    private var keys: [UInt64] = Array(repeating: 0, count: 1024)
    private var slots: [Int32] = Array(repeating: -1, count: 1024)
    private var count = 0

    /// The slot of `key`; when absent, `key` gets slot `next`.
    @inline(__always) mutating func slot(for key: UInt64, next: Int) -> Int {
        let mask = keys.count - 1
        var i = Int(truncatingIfNeeded: mix64(key)) & mask
        while slots[i] >= 0 {
            if keys[i] == key { return Int(slots[i]) }
            i = (i + 1) & mask
        }
        keys[i] = key
        slots[i] = Int32(next)
        count += 1
        if count * 2 > keys.count { grow() }
        return next
    }

    private mutating func grow() {
        let old = entries
        keys = Array(repeating: 0, count: keys.count * 2)
        slots = Array(repeating: -1, count: slots.count * 2)
        let mask = keys.count - 1
        for (key, slot) in old {
            var i = Int(truncatingIfNeeded: mix64(key)) & mask
            while slots[i] >= 0 { i = (i + 1) & mask }
            keys[i] = key
            slots[i] = Int32(slot)
        }
    }

    var entries: [(UInt64, Int)] {
        var out: [(UInt64, Int)] = []
        out.reserveCapacity(count)
        for i in keys.indices where slots[i] >= 0 { out.append((keys[i], Int(slots[i]))) }
        return out
    }
}
