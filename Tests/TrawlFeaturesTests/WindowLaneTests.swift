import Testing
import TrawlModel

@testable import TrawlFeatures

/// Accounts split over several lanes (threads) hold, change, checkpoint and report exactly
/// what one lane does.
@Suite struct WindowLaneTests {
    /// 40 accounts over 3 hours, a request every 2 minutes each, and one request too old
    /// for any window near the end.
    static func lines() -> [String] {
        var out: [String] = []
        var n = 0
        for minute in stride(from: 0, to: 180, by: 2) {
            for a in 0..<40 {
                n += 1
                let ts = WindowAggregatorTests.day0 + Int64(minute) * 60_000 + Int64(a * 997)
                out.append(
                    #"{"ts":\#(ts),"account_id":"acct-\#(a)","client_ip":"10.\#(a).\#(n % 7).\#(n % 13)","user_agent":"ua-\#(n % 5)","request_id":"r\#(n)","input_tokens":\#(n % 900),"output_tokens":50,"latency_ms":\#(1000 + n % 5000)}"#
                )
            }
        }
        out.insert(
            #"{"ts":\#(WindowAggregatorTests.day0 - 26 * 3_600_000),"account_id":"acct-3","client_ip":"10.3.0.1"}"#, at: out.count - 50)
        return out
    }

    @Test func threeLanesDoWhatOneDoes() throws {
        let lines = Self.lines()
        var one = WindowAggregator(specs: WindowAggregatorTests.specs, staggered: true)
        var three = WindowAggregator(specs: WindowAggregatorTests.specs, staggered: true, lanes: 3)
        #expect(three.laneCount == 3)
        var i = 0
        var ticks = 0
        while i < lines.count {
            let slice = lines[i..<min(lines.count, i + 97)]
            one.apply(WindowAggregatorTests.drain(slice, period: one.periodMillis, staggered: true))
            three.apply(WindowAggregatorTests.drain(slice, period: three.periodMillis, staggered: true))
            let slid = (one.advance(), three.advance())
            #expect(slid.0 == slid.1)
            let changed = (one.takeChanged(), three.takeChanged())
            #expect(!changed.0.isEmpty)
            #expect(changed.0 == changed.1)
            ticks += 1
            if ticks % 10 == 0 {
                let (a, b) = (one.checkpointChanges(), three.checkpointChanges())
                #expect(!a.buckets.isEmpty)
                #expect(a.buckets == b.buckets)
                #expect(a.keepFrom == b.keepFrom)
            }
            i += 97
        }
        // Every lane holds some of the accounts, none holds one twice.
        #expect(three.lanes.allSatisfy { !$0.accounts.isEmpty })
        #expect(three.lanes.map(\.accounts.count).reduce(0, +) == 40)
        #expect(three.accountCount == 40 && one.accountCount == 40)
        #expect(Set(three.accountIDs) == Set(one.accountIDs))
        #expect(three.lateRequests == 1 && one.lateRequests == 1)
        #expect(three.bucketCounts == one.bucketCounts)
        for id in one.accountIDs {
            #expect(three.holds(id))
            for w in 0..<2 {
                let (held, expected) = (three.running(id, window: w), one.running(id, window: w))
                #expect(held != nil)
                #expect(held == expected, "\(id) window \(w)")
                #expect(three.requests(id, window: w) == one.requests(id, window: w))
            }
        }
        #expect(!three.holds("nobody"))
        // In the order asked for, `nil` for an account not held.
        let ids = ["acct-7", "nobody", "acct-0", "acct-39", "acct-12"]
        let counts = ["acct-7", "acct-0", "acct-39", "acct-12"].map { one.requests($0, window: 1) }
        let requests = three.mapAccounts(ids) { id, account in account.withRunning(window: 1) { (id, $0.requests) } }
        #expect(requests.map { $0?.0 } == ["acct-7", nil, "acct-0", "acct-39", "acct-12"])
        #expect(requests.compactMap { $0?.1 } == counts)
    }

    /// (Against each other: a running state rebuilt from buckets can differ from one built
    /// tick by tick in its top-k summaries, which these accounts' 91 addresses overflow.)
    @Test func aCheckpointRestoresIntoAnyNumberOfLanes() throws {
        let lines = Self.lines()
        var windows = WindowAggregator(specs: WindowAggregatorTests.specs, staggered: true, lanes: 2)
        WindowAggregatorTests.feed(&windows, lines, step: 200)
        let records = windows.checkpointChanges().buckets
        var one = try WindowAggregator(
            specs: WindowAggregatorTests.specs, records: records, watermark: windows.watermark, staggered: true)
        var four = try WindowAggregator(
            specs: WindowAggregatorTests.specs, records: records, watermark: windows.watermark, staggered: true, lanes: 4)
        #expect(one.accountCount == 40 && four.accountCount == 40)
        #expect(four.lanes.allSatisfy { !$0.accounts.isEmpty })
        for id in windows.accountIDs {
            for w in 0..<2 {
                let (held, expected) = (four.running(id, window: w), one.running(id, window: w))
                #expect(held != nil)
                #expect(held == expected, "\(id) window \(w)")
                #expect(four.requests(id, window: w) == windows.requests(id, window: w))
            }
        }
        #expect(four.checkpointChanges().buckets.isEmpty)
    }
}
