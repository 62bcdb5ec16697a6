import TrawlModel

/// The binary form of feature state, for checkpoints of a live run (`trawl tail`) and for
/// keeping sealed window buckets small in memory.
///
/// `AccountDayState(decoding: s.encoded()) == s` for every state: every field is written,
/// nothing is recomputed. The form starts with a version byte; a reader refuses versions it
/// does not know. Caches that are not part of a value's identity (the last key added to a
/// sketch or counter) are not written and start empty.
extension AccountDayState {
    /// The version of the binary form written by `encoded()`.
    public static let codingVersion: UInt8 = 2

    /// The state in binary form.
    /// - Complexity: O(size of the state).
    public func encoded() -> [UInt8] {
        var w = StateWriter()
        w.byte(Self.codingVersion)
        encode(to: &w)
        return w.bytes
    }

    /// Reads a state written by `encoded()`.
    /// - Throws: `FeatureStateError` when the bytes are damaged, have an unknown version or
    ///   hold more than the state can (e.g. a sketch past its size).
    public init(decoding bytes: [UInt8]) throws {
        var r = StateReader(bytes)
        let version = try r.byte()
        guard version == Self.codingVersion else { throw r.fail("unknown state version \(version)") }
        try self.init(from: &r)
        guard r.isAtEnd else { throw r.fail("trailing bytes") }
    }

    public func encode(to w: inout StateWriter) {
        w.int(requests)
        w.int(inputTokens)
        w.int(inputKnown)
        w.int(outputTokens)
        w.int(outputKnown)
        w.int(cacheReadTokens)
        w.int(cacheKnown)
        w.int(ratioInput)
        w.int(ratioOutput)
        for s in [ips, networks, userAgents, apiKeys, sessions, ja4s] { s.encode(to: &w) }
        topIPs.encode(to: &w) { w, ip in
            w.fixed64(ip.high)
            w.fixed64(ip.low)
        }
        topUserAgents.encode(to: &w) { w, ua in w.string(ua) }
        for h in 0..<24 { w.varint(UInt64(hourHistogram[h])) }
        // Active-minute words: a mask of the non-zero ones, then those.
        var mask: UInt32 = 0
        for i in 0..<23 where activeMinutes[i] != 0 { mask |= 1 << UInt32(i) }
        w.varint(UInt64(mask))
        for i in 0..<23 where activeMinutes[i] != 0 { w.fixed64(activeMinutes[i]) }
        busyMillis.encode(to: &w)
        w.int(latencyKnown)
        for i in 0..<5 { w.int(windowTokens[i]) }
        w.int(tokensKnown)
        w.int(rateLimitedKnown)
        w.int(rateLimited)
        w.int(turnsKnown)
        w.int(singleTurn)
        w.int(thinkingKnown)
        w.int(thinking)
        w.int(capKnown)
        w.int(atCap)
        w.bool(plan != nil)
        if let plan { w.string(plan) }
        w.int(planSeenAt)
        w.varint(UInt64(samples.count))
        for s in samples {
            w.int(s.ts)
            w.string(s.requestID)
            w.bool(s.sessionID != nil)
            if let session = s.sessionID { w.string(session) }
        }
        w.int(firstSeen)
        w.int(lastSeen)
        lifetimes.encode(to: &w)
        w.bool(geo != nil)
        if let geo { geo.encode(to: &w) }
        w.int(captured)
        w.int(tunneled)
        w.int(osChecked)
        w.int(osMismatch)
        w.int(stackKnown)
        w.int(stackMismatch)
        w.int(relayStack)
        w.int(temperatureKnown)
        w.varint(UInt64(temperatureTenths.count))
        for t in temperatureTenths { w.varint(UInt64(t)) }
        w.fixed64(orgHash)
        w.bool(prompts != nil)
        if let prompts { prompts.encode(to: &w) }
        w.varint(UInt64(models.count))
        for m in models {
            w.fixed64(m.model)
            w.int(m.first)
            for h in 0..<24 { w.varint(UInt64(m.hours[h])) }
        }
        topJA4s.encode(to: &w) { w, ja4 in w.fixed64(ja4) }
        link.encode(to: &w)
    }

    public init(from r: inout StateReader) throws {
        self.init()
        requests = try r.int()
        inputTokens = try r.int64()
        inputKnown = try r.int()
        outputTokens = try r.int64()
        outputKnown = try r.int()
        cacheReadTokens = try r.int64()
        cacheKnown = try r.int()
        ratioInput = try r.int64()
        ratioOutput = try r.int64()
        ips = try DistinctCountSketch(from: &r)
        networks = try DistinctCountSketch(from: &r)
        userAgents = try DistinctCountSketch(from: &r)
        apiKeys = try DistinctCountSketch(from: &r)
        sessions = try DistinctCountSketch(from: &r)
        ja4s = try DistinctCountSketch(from: &r)
        topIPs = try TopKCounter(from: &r) { r in IPAddress(high: try r.fixed64(), low: try r.fixed64()) }
        topUserAgents = try TopKCounter(from: &r) { r in try r.string() }
        for h in 0..<24 { hourHistogram[h] = try UInt32(exactly: r.varint()).orThrow(r.fail("hour count out of range")) }
        let mask = try r.varint()
        guard mask < 1 << 23 else { throw r.fail("bad active-minute mask") }
        for i in 0..<23 where mask & (1 << UInt64(i)) != 0 { activeMinutes[i] = try r.fixed64() }
        busyMillis = try MinuteLoad(from: &r)
        latencyKnown = try r.int()
        for i in 0..<5 { windowTokens[i] = try r.int64() }
        tokensKnown = try r.int()
        rateLimitedKnown = try r.int()
        rateLimited = try r.int()
        turnsKnown = try r.int()
        singleTurn = try r.int()
        thinkingKnown = try r.int()
        thinking = try r.int()
        capKnown = try r.int()
        atCap = try r.int()
        plan = try r.bool() ? try r.string() : nil
        planSeenAt = try r.int64()
        let sampleCount = try r.count(max: Self.samplesKept)
        for _ in 0..<sampleCount {
            let ts = try r.int64(), id = try r.string()
            samples.append(SampleRequest(ts: ts, requestID: id, sessionID: try r.bool() ? try r.string() : nil))
        }
        firstSeen = try r.int64()
        lastSeen = try r.int64()
        lifetimes = try AddressLifetimeSample(from: &r)
        geo = try r.bool() ? try GeoDayState(from: &r) : nil
        captured = try r.int()
        tunneled = try r.int()
        osChecked = try r.int()
        osMismatch = try r.int()
        stackKnown = try r.int()
        stackMismatch = try r.int()
        relayStack = try r.int()
        temperatureKnown = try r.int()
        let tenths = try r.count(max: 21)
        guard tenths == 0 || tenths == 21 else { throw r.fail("temperature histogram of \(tenths) slots") }
        for _ in 0..<tenths {
            temperatureTenths.append(try UInt32(exactly: r.varint()).orThrow(r.fail("temperature count out of range")))
        }
        orgHash = try r.fixed64()
        prompts = try r.bool() ? try PromptDayState(from: &r) : nil
        let modelCount = try r.count(max: 1 << 16)
        for _ in 0..<modelCount {
            var m = ModelUse(model: try r.fixed64(), first: try r.int64())
            for h in 0..<24 { m.hours[h] = try UInt32(exactly: r.varint()).orThrow(r.fail("model count out of range")) }
            guard models.last.map({ $0.model < m.model }) ?? true else { throw r.fail("models out of order") }
            models.append(m)
        }
        topJA4s = try TopKCounter(from: &r) { r in try r.fixed64() }
        link = try LinkDayState(from: &r)
    }
}

extension DistinctCountSketch {
    /// Sparse: its sorted hashes. Dense: the non-zero registers as (gap, value) pairs when
    /// fewer than half are set (a bucket's sketch just past the sparse limit is mostly
    /// zeros), else all 4096 registers.
    func encode(to w: inout StateWriter) {
        if registers.isEmpty {
            w.byte(0)
            w.varint(UInt64(sparse.count))
            for h in sparse { w.fixed64(h) }
            return
        }
        let set = registers.reduce(0) { $0 + ($1 == 0 ? 0 : 1) }
        if set * 2 < Self.registerCount {
            w.byte(1)
            w.varint(UInt64(set))
            var previous = -1
            for (i, v) in registers.enumerated() where v != 0 {
                w.varint(UInt64(i - previous - 1))
                w.byte(v)
                previous = i
            }
        } else {
            w.byte(2)
            w.raw(registers)
        }
    }

    init(from r: inout StateReader) throws {
        self.init()
        switch try r.byte() {
        case 0:
            let n = try r.count(max: Self.sparseLimit)
            for _ in 0..<n {
                let h = try r.fixed64()
                guard sparse.last.map({ $0 < h }) ?? true else { throw r.fail("sketch hashes out of order") }
                sparse.append(h)
            }
        case 1:
            registers = Array(repeating: 0, count: Self.registerCount)
            let n = try r.count(max: Self.registerCount)
            var i = -1
            for _ in 0..<n {
                i += 1 + (try r.count(max: Self.registerCount))
                guard i < Self.registerCount else { throw r.fail("sketch register past the end") }
                registers[i] = try r.byte()
            }
        case 2:
            registers = Array(try r.raw(Self.registerCount))
        default:
            throw r.fail("unknown sketch form")
        }
    }
}

extension TopKCounter {
    func encode(to w: inout StateWriter, key: (inout StateWriter, Key) -> Void) {
        w.varint(UInt64(capacity))
        w.varint(UInt64(keys.count))
        for (k, v) in zip(keys, values) {
            key(&w, k)
            w.int(v)
        }
    }

    init(from r: inout StateReader, key: (inout StateReader) throws -> Key) throws {
        let capacity = try r.count(max: 1 << 16)
        self.init(capacity: capacity)
        let n = try r.count(max: capacity)
        for _ in 0..<n {
            keys.append(try key(&r))
            values.append(try r.int())
        }
    }
}

extension MinuteLoad {
    func encode(to w: inout StateWriter) {
        if dense.isEmpty {
            w.byte(0)
            w.varint(UInt64(minutes.count))
            for (m, t) in zip(minutes, tenths) {
                w.varint(UInt64(m))
                w.varint(UInt64(t))
            }
        } else {
            w.byte(1)
            for t in dense { w.varint(UInt64(t)) }
        }
    }

    init(from r: inout StateReader) throws {
        self.init()
        switch try r.byte() {
        case 0:
            let n = try r.count(max: Self.sparseLimit)
            for _ in 0..<n {
                let m = try UInt16(r.count(max: 1439))
                guard minutes.last.map({ $0 < m }) ?? true else { throw r.fail("busy minutes out of order") }
                minutes.append(m)
                tenths.append(try UInt16(r.count(max: Int(UInt16.max))))
            }
        case 1:
            dense.reserveCapacity(1440)
            for _ in 0..<1440 { dense.append(try UInt16(r.count(max: Int(UInt16.max)))) }
        default:
            throw r.fail("unknown minute-load form")
        }
    }
}

extension AddressLifetimeSample {
    func encode(to w: inout StateWriter) {
        w.varint(UInt64(hashes.count))
        for i in hashes.indices {
            w.fixed64(hashes[i])
            w.int(first[i])
            w.int(last[i])
            w.fixed64(addresses[i].high)
            w.fixed64(addresses[i].low)
        }
    }

    init(from r: inout StateReader) throws {
        self.init()
        let n = try r.count(max: Self.capacity)
        for _ in 0..<n {
            let h = try r.fixed64()
            guard hashes.last.map({ $0 < h }) ?? true else { throw r.fail("lifetime hashes out of order") }
            hashes.append(h)
            first.append(try r.int64())
            last.append(try r.int64())
            addresses.append(IPAddress(high: try r.fixed64(), low: try r.fixed64()))
        }
    }
}

extension GeoDayState {
    func encode(to w: inout StateWriter) {
        w.int(known)
        countries.encode(to: &w)
        asnCount.encode(to: &w)
        asns.encode(to: &w) { w, asn in w.varint(UInt64(asn)) }
        w.int(asnKnown)
        w.int(anonymityKnown)
        w.int(residentialProxy)
        w.int(anonymousVPN)
        w.int(hosting)
        w.int(tor)
        w.int(allowlisted)
        w.int(localeChecked)
        w.int(localeMismatch)
        w.varint(UInt64(travel.slots.count))
        for s in travel.slots {
            w.int(Int64(s.index))
            for p in [s.first, s.last] {
                w.int(p.ts)
                w.float(p.latitude)
                w.float(p.longitude)
                w.float(p.radiusKm)
            }
        }
        countryRequests.encode(to: &w) { w, country in w.varint(UInt64(country)) }
    }

    init(from r: inout StateReader) throws {
        self.init()
        known = try r.int()
        countries = try DistinctCountSketch(from: &r)
        asnCount = try DistinctCountSketch(from: &r)
        asns = try TopKCounter(from: &r) { r in try UInt32(r.count(max: Int(UInt32.max))) }
        asnKnown = try r.int()
        anonymityKnown = try r.int()
        residentialProxy = try r.int()
        anonymousVPN = try r.int()
        hosting = try r.int()
        tor = try r.int()
        allowlisted = try r.int()
        localeChecked = try r.int()
        localeMismatch = try r.int()
        let n = try r.count(max: 1 << 20)
        for _ in 0..<n {
            guard let index = Int32(exactly: try r.int64()) else { throw r.fail("travel slot out of range") }
            var points: [TravelTrack.Point] = []
            for _ in 0..<2 {
                points.append(
                    TravelTrack.Point(ts: try r.int64(), latitude: try r.float(), longitude: try r.float(), radiusKm: try r.float()))
            }
            guard travel.slots.last.map({ $0.index < index }) ?? true else { throw r.fail("travel slots out of order") }
            travel.slots.append(TravelTrack.Slot(index: index, first: points[0], last: points[1]))
        }
        countryRequests = try TopKCounter(from: &r) { r in try UInt16(r.count(max: Int(UInt16.max))) }
    }
}

extension PromptDayState {
    func encode(to w: inout StateWriter) {
        w.int(textPrompts)
        w.int(hashPrompts)
        w.bool(lexiconsKnown)
        w.varint(UInt64(sample.count))
        for e in sample {
            w.fixed64(e.rank)
            w.fixed64(e.value)
        }
        w.int(systemPrompts)
        systemSketch.encode(to: &w)
        w.varint(UInt64(samples.count))
        for s in samples {
            w.int(s.ts)
            w.string(s.text)
        }
        w.int(sampleLimit)
    }

    init(from r: inout StateReader) throws {
        self.init()
        textPrompts = try r.int()
        hashPrompts = try r.int()
        lexiconsKnown = try r.bool()
        let n = try r.count(max: Self.sampleSize)
        for _ in 0..<n { sample.append(Entry(rank: try r.fixed64(), value: try r.fixed64())) }
        systemPrompts = try r.int()
        systemSketch = try DistinctCountSketch(from: &r)
        let kept = try r.count(max: 1 << 16)
        for _ in 0..<kept { samples.append(PromptSample(ts: try r.int64(), text: try r.string())) }
        sampleLimit = try r.int()
    }
}

extension Optional {
    /// The value, or `error` thrown.
    fileprivate func orThrow(_ error: @autoclosure () -> some Error) throws -> Wrapped {
        guard let self else { throw error() }
        return self
    }
}

extension BottomKSample {
    func encode(to w: inout StateWriter, value: (inout StateWriter, Value) -> Void) {
        w.varint(UInt64(entries.count))
        for e in entries {
            w.fixed64(e.hash)
            value(&w, e.value)
        }
    }

    init(capacity: Int, from r: inout StateReader, value: (inout StateReader) throws -> Value) throws {
        self.init(capacity: capacity)
        let n = try r.count(max: capacity)
        for _ in 0..<n {
            let h = try r.fixed64()
            guard entries.last.map({ $0.hash < h }) ?? true else { throw r.fail("sample hashes out of order") }
            entries.append(Entry(hash: h, value: try value(&r)))
        }
    }
}

extension LinkDayState {
    func encode(to w: inout StateWriter) {
        networks.encode(to: &w) { w, network in w.fixed64(network) }
        coactivity.encode(to: &w) { w, bucket in
            w.fixed64(bucket.network)
            w.int(Int64(bucket.hour))
        }
        sessions.encode(to: &w) { _, _ in }
        clients.encode(to: &w) { w, client in
            w.string(client.userAgent)
            w.string(client.ja4)
        }
    }

    init(from r: inout StateReader) throws {
        self.init()
        networks = try BottomKSample(capacity: Self.sampleSize, from: &r) { r in try r.fixed64() }
        coactivity = try BottomKSample(capacity: Self.sampleSize, from: &r) { r in
            let network = try r.fixed64()
            guard let hour = Int32(exactly: try r.int64()) else { throw r.fail("hour out of range") }
            return NetworkHour(network: network, hour: hour)
        }
        sessions = try BottomKSample(capacity: Self.sampleSize, from: &r) { _ in NoValue() }
        clients = try TopKCounter(from: &r) { r in ClientFingerprint(userAgent: try r.string(), ja4: try r.string()) }
    }
}
