import Testing
import TrawlFeatures
import TrawlIngest
import TrawlModel

@Suite struct WindowSpecTests {
    @Test func bucketsAndNames() throws {
        let specs = try WindowSpec.parseList("24h, 1h").get()
        #expect(specs.map(\.description) == ["1h", "24h"])
        #expect(specs.map(\.bucketMillis) == [300_000, 3_600_000])
        #expect(WindowSpec.parse("30m")?.bucketMillis == 150_000)
        #expect(WindowSpec.parse("7m") == nil)  // 35-second buckets do not tile a day
        #expect(WindowSpec.parse("1x") == nil)
        #expect(WindowSpec.parse("0h") == nil)
        #expect(WindowSpec.parse("7h") == nil)  // 17.5-minute buckets
        let problem = try #require(WindowSpec.parseList("1h,45m").failure)
        #expect(problem.reason == .bucketsDoNotNest)
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let f) = self { return f }
        return nil
    }
}

/// Windows fed in small periods hold exactly what one state of the same requests holds.
@Suite struct WindowAggregatorTests {
    static let specs = try! WindowSpec.parseList("1h,24h").get()
    static let day0: Int64 = Int64(TimestampParser.parseDay("2026-11-21")!) * TimestampParser.millisPerDay

    /// Lines of three accounts over `hours` hours from 00:00 (one request every 40 s each,
    /// from 20 addresses: top-k summaries stay exact, so merged states equal whole ones).
    static func lines(hours: Int, from start: Int64 = day0) -> [String] {
        var out: [String] = []
        var t = start
        var n = 0
        while t < start + Int64(hours) * 3_600_000 {
            for a in 0..<3 {
                n += 1
                out.append(
                    #"{"ts":\#(t + Int64(a)),"account_id":"acct-\#(a)","client_ip":"10.\#(a).0.\#(n % 20)","user_agent":"ua-\#(n % 3)","request_id":"r\#(n)","input_tokens":\#(n % 900),"output_tokens":50,"latency_ms":\#(1000 + n % 5000),"session_id":"s\#(n % 40)"}"#
                )
            }
            t += 40_000
        }
        return out
    }

    /// Decodes lines and drains them as the live run does: by account and period.
    static func drain(_ lines: ArraySlice<String>, period: Int64, staggered: Bool = false) -> AccountDayPartition {
        var decoder = CanonicalLogDecoder()
        var batch = DecodedBatch()
        var text = Array(lines.joined(separator: "\n").utf8)
        text.append(0x0A)
        text.withUnsafeBytes { decoder.decode($0, fileIndex: 0, sequence: 0, into: &batch) }
        var acc = FeatureAccumulator(plans: PlanCatalog())
        acc.periodMillis = period
        acc.staggered = staggered
        acc.add(batch.events, arena: batch.arena, interner: decoder.interner)
        return acc.drain(interner: decoder.interner, partitions: 1) { _ in 0 }[0]
    }

    /// One state per account of the given lines (a UTC day's batch state when they share a day).
    static func whole(_ lines: ArraySlice<String>) -> [String: AccountDayState] {
        let part = drain(lines, period: TimestampParser.millisPerDay)
        var out: [String: AccountDayState] = [:]
        for i in 0..<part.count { out[part.keys[i].accountID, default: AccountDayState()].merge(part.states[i]) }
        return out
    }

    /// Feeds `lines` in slices of `step` lines, as ticks of a live run do.
    static func feed(_ windows: inout WindowAggregator, _ lines: [String], step: Int) {
        var i = 0
        while i < lines.count {
            windows.apply(drain(lines[i..<min(lines.count, i + step)], period: windows.periodMillis, staggered: windows.staggered))
            windows.advance()
            i += step
        }
    }

    @Test(arguments: [1, 17, 500])
    func windowsEqualTheStateOfTheirRequests(step: Int) throws {
        let lines = Self.lines(hours: 3)
        var windows = WindowAggregator(specs: Self.specs)
        Self.feed(&windows, lines, step: step)
        // The 24h window holds the whole day so far: equal to the batch state.
        let day = Self.whole(lines[...])
        for (id, state) in day {
            #expect(windows.running(id, window: 1) == state, "\(id)")
        }
        // The 1h window holds the current 5-minute bucket and the 11 before it.
        let first = Self.specs[0].firstBucket(at: windows.watermark) * 300_000
        let recent = lines.filter { line in
            let ts = Int64(line.split(separator: ",")[0].dropFirst(6))!
            return ts >= first
        }
        for (id, state) in Self.whole(recent[...]) {
            let held = windows.running(id, window: 0)
            let running = try #require(held)
            #expect(running == state, "\(id)")
            #expect(running.requests == 90)  // one every 40 s from 02:00 to 03:00
        }
        #expect(windows.lateRequests == 0)
    }

    /// Staggered, an account's windows hold the requests from the start of its own first
    /// bucket: its phase shifts its buckets' grid, and accounts have different phases.
    @Test(arguments: [1, 17, 500])
    func staggeredWindowsHoldTheRequestsOfTheirOwnBuckets(step: Int) throws {
        let lines = Self.lines(hours: 3)
        var windows = WindowAggregator(specs: Self.specs, staggered: true)
        Self.feed(&windows, lines, step: step)
        var phases: Set<Int64> = []
        for a in 0..<3 {
            let id = "acct-\(a)"
            let phase = WindowSpec.phase(account: id, periodMillis: windows.periodMillis)
            #expect((0..<windows.periodMillis).contains(phase))
            phases.insert(phase)
            for w in 0..<2 {
                let first = Self.specs[w].firstBucket(at: windows.watermark - phase) * Self.specs[w].bucketMillis + phase
                let held = lines.filter { line in
                    line.contains(#""account_id":"\#(id)""#) && Int64(line.split(separator: ",")[0].dropFirst(6))! >= first
                }
                let expected = try #require(Self.whole(held[...])[id])
                #expect(windows.running(id, window: w) == expected, "\(id) window \(w)")
                if w == 0 { #expect(expected.requests < 100 && expected.requests > 80) }
            }
        }
        #expect(phases.count == 3)
        #expect(windows.lateRequests == 0)
    }

    /// Buckets leave as event time moves on; idle accounts are forgotten after the longest window.
    @Test func bucketsLeaveAndIdleAccountsAreForgotten() throws {
        var windows = WindowAggregator(specs: Self.specs)
        Self.feed(&windows, Self.lines(hours: 2), step: 300)
        #expect(windows.accountCount == 3)
        #expect(windows.requests("acct-0", window: 1) == 180)
        // One more account, 25 hours later: the first three leave both windows.
        let later = Self.day0 + 27 * 3_600_000
        windows.apply(
            Self.drain(
                [#"{"ts":\#(later),"account_id":"late-comer","client_ip":"10.9.9.9"}"#][...], period: windows.periodMillis))
        windows.advance()
        #expect(windows.accountCount == 1)
        #expect(windows.requests("acct-0", window: 1) == 0)
        #expect(windows.running("late-comer", window: 1)?.requests == 1)
        // A request older than every window is counted as late, not added.
        windows.apply(
            Self.drain([#"{"ts":\#(Self.day0),"account_id":"acct-0","client_ip":"10.0.0.1"}"#][...], period: windows.periodMillis))
        #expect(windows.lateRequests == 1)
        #expect(windows.accountCount == 1)
    }

    /// A checkpoint before any request (a live run on an empty log) holds nothing; staggered
    /// windows computed their earliest bucket from the empty watermark and trapped.
    @Test(arguments: [false, true])
    func aCheckpointBeforeAnyRequestIsEmpty(staggered: Bool) {
        var windows = WindowAggregator(specs: Self.specs, staggered: staggered, lanes: 2)
        windows.advance()
        let changes = windows.checkpointChanges()
        #expect(changes.buckets.isEmpty && changes.keepFrom.isEmpty)
        #expect(windows.watermark == .min && windows.accountCount == 0)
    }

    /// A checkpoint's buckets rebuild the same windows; only changed buckets are written again.
    @Test(arguments: [false, true])
    func checkpointRebuildsTheSameWindows(staggered: Bool) throws {
        let lines = Self.lines(hours: 2)
        var windows = WindowAggregator(specs: Self.specs, staggered: staggered)
        Self.feed(&windows, Array(lines[..<400]), step: 50)
        var stored: [String: WindowBucketRecord] = [:]
        func save(_ w: inout WindowAggregator) {
            let changes = w.checkpointChanges()
            for r in changes.buckets { stored["\(r.accountID)|\(r.spanMillis)|\(r.bucket)"] = r }
            for keep in changes.keepFrom {
                stored = stored.filter { $0.value.spanMillis != keep.spanMillis || $0.value.bucket >= keep.bucket }
            }
        }
        save(&windows)
        #expect(windows.checkpointChanges().buckets.isEmpty)
        Self.feed(&windows, Array(lines[400...]), step: 50)
        let changed = windows.checkpointChanges()
        #expect(!changed.buckets.isEmpty)
        for r in changed.buckets { stored["\(r.accountID)|\(r.spanMillis)|\(r.bucket)"] = r }
        for keep in changed.keepFrom { stored = stored.filter { $0.value.spanMillis != keep.spanMillis || $0.value.bucket >= keep.bucket } }
        // The 1h window dropped the first hour's buckets; the 24h window kept them.
        // (Staggered, a bucket earlier: the first bucket of the latest phase.)
        let earliest = windows.watermark - (staggered ? windows.periodMillis - 1 : 0)
        #expect(!stored.values.contains { $0.spanMillis == 3_600_000 && $0.bucket < Self.specs[0].firstBucket(at: earliest) })
        var restored = try WindowAggregator(
            specs: Self.specs, records: Array(stored.values), watermark: windows.watermark, staggered: staggered)
        for id in ["acct-0", "acct-1", "acct-2"] {
            for w in 0..<2 {
                #expect(restored.running(id, window: w) == windows.running(id, window: w), "\(id) window \(w)")
            }
        }
        #expect(restored.checkpointChanges().buckets.isEmpty)
    }
}
