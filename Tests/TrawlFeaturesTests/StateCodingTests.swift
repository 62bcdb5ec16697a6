import Testing
import TrawlFeatures
import TrawlIngest
import TrawlModel

/// The binary form of feature state reads back equal, whatever the state holds.
@Suite struct StateCodingTests {
    /// States with every part filled: counts, sketches sparse and dense, top-k past capacity,
    /// dense minute load, samples, geo with travel, prompts with kept texts, models.
    static func richStates() -> [AccountDayState] {
        var out: [AccountDayState] = []
        // From the decoder and accumulator, as a run builds them (prompts, temperatures, orgs).
        out += PromptFeatureTests.accumulate(PromptFeatureTests.lines()[...], keepSamples: 3).values
        let (events, interner) = AccountDayStateTests.events(4000)
        var acc = FeatureAccumulator(plans: AccountDayStateTests.plans)
        acc.add(events, arena: [], interner: interner)
        out += acc.export(interner: interner).values
        // By hand: many addresses (dense sketches, a full top-k), latency every minute
        // (dense minute load), geo with locations and a sample.
        var s = AccountDayState()
        let day0: Int64 = Int64(TimestampParser.parseDay("2026-11-21")!) * TimestampParser.millisPerDay
        var e = RequestEvent()
        for i in 0..<3000 {
            e.ts = day0 + Int64(i) * 28_000
            e.clientIP = i % 2 == 0 ? IPAddress(v4: 0x0A00_0000 &+ UInt32(i)) : IPAddress(high: 0x2001_0db8_0000_0000, low: UInt64(i))
            e.latencyMs = Int64(500 + i)
            e.temperature = Float(i % 7) / 3
            s.add(
                e, dayStart: day0, userAgentHash: mix64(UInt64(i % 90)) | 1, apiKeyHash: 0, sessionHash: mix64(UInt64(i)),
                ja4Hash: 0, modelCap: nil)
            var f = AddressFacts()
            f.country = UInt16(i % 40 + 1)
            f.asn = UInt32(i % 50 + 100)
            f.flags = [.anonymityKnown, i % 3 == 0 ? .residentialProxy : .hosting]
            f.latitude = Float(i % 80) - 40
            f.longitude = Float(i % 300) - 150
            f.radiusKm = 20
            s.addGeo(f, ts: e.ts, localeMismatch: i % 5 == 0)
            s.noteModel(hash: mix64(UInt64(i % 3)), ts: e.ts, hour: Int((e.ts - day0) / 3_600_000))
        }
        s.addSample(SampleRequest(ts: day0, requestID: "req-ünïcode-1"))
        s.notePlan("max_20x", at: day0 + 5)
        out.append(s)
        out.append(AccountDayState())
        return out
    }

    @Test func everyStateReadsBackEqual() throws {
        let states = Self.richStates()
        #expect(states.count > 5)
        #expect(states.contains { $0.ips.isDense })
        #expect(states.contains { $0.prompts?.samples.isEmpty == false })
        #expect(states.contains { $0.geo != nil })
        for s in states {
            let bytes = s.encoded()
            let back = try AccountDayState(decoding: bytes)
            #expect(back == s)
            // Read back, it merges like the original.
            var a = back, b = s
            a.merge(states[0])
            b.merge(states[0])
            #expect(a == b)
        }
    }

    /// A dense sketch with few registers set is stored as its set registers, not 4 KB.
    @Test func sparseDenseSketchIsSmall() throws {
        var s = AccountDayState()
        var e = RequestEvent()
        for i in 0..<100 {
            e.clientIP = IPAddress(v4: UInt32(i))
            s.add(e, dayStart: 0, userAgentHash: 0, apiKeyHash: 0, sessionHash: 0, ja4Hash: 0, modelCap: nil)
        }
        #expect(s.ips.isDense)
        #expect(s.encoded().count < 2 * 1024)
        #expect(try AccountDayState(decoding: s.encoded()) == s)
    }

    /// Damaged bytes throw with a place; they never trap or read back as a state.
    @Test func everyTruncationAndAnUnknownVersionThrow() throws {
        let bytes = Self.richStates()[0].encoded()
        for n in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 300)) {
            #expect(throws: FeatureStateError.self) { try AccountDayState(decoding: Array(bytes[..<n])) }
        }
        var versioned = bytes
        versioned[0] = 99
        let error = #expect(throws: FeatureStateError.self) { try AccountDayState(decoding: versioned) }
        #expect(error?.description == "feature state: byte 1: unknown state version 99")
        #expect(throws: FeatureStateError.self) { try AccountDayState(decoding: bytes + [0]) }
    }
}
