import Testing
import TrawlFeatures
import TrawlModel

@Suite struct BottomKSampleTests {
    /// Items 0..<n as (hash, value) pairs.
    static func sample(_ items: some Sequence<UInt64>, capacity: Int = 32) -> BottomKSample<UInt64> {
        var s = BottomKSample<UInt64>(capacity: capacity)
        for i in items { s.add(hash: mix64(i), i) }
        return s
    }

    @Test func keepsTheSmallestHashesWhateverTheSplit() {
        let whole = Self.sample(0..<1000)
        #expect(whole.count == 32)
        #expect(whole.entries.map(\.hash) == (0..<1000).map { mix64(UInt64($0)) }.sorted().prefix(32).map { $0 })
        // Any split, merged in any order, gives the sample of the whole (repeats included).
        var a = Self.sample(stride(from: 0, to: 1000, by: 3))
        var b = Self.sample((0..<1000).filter { $0 % 3 != 0 } + Array(0..<50))
        let ab = {
            var x = a
            x.merge(b)
            return x
        }()
        b.merge(a)
        a = ab
        #expect(a == whole && b == whole)
    }

    /// Small samples merged one by one into a large one (as a live run's ticks are merged
    /// into a window's state, in place) give what the merge of two whole samples gives, and
    /// the sample of the union.
    @Test(arguments: [2, 200])
    func smallSamplesMergedIntoALargeOneGiveTheUnionsSample(start: Int) {
        var big = Self.sample(0..<UInt64(start))
        var items = Set(0..<start)
        for step in 0..<300 {
            // 1 to 8 items: new ones, ones the big sample holds, ones whose small hashes
            // enter a full sample.
            var small = BottomKSample<UInt64>(capacity: 32)
            for k in 0..<(1 + step % 8) {
                let item = UInt64((step * 37 + k * 101) % 900)
                small.add(hash: mix64(item), item)
                items.insert(Int(item))
            }
            // The two-array merge: a small sample on the left merging a full one does not
            // take the in-place path.
            var reference = small
            reference.merge(big)
            big.merge(small)
            #expect(big == reference)
        }
        #expect(big.entries.map(\.hash) == items.map { mix64(UInt64($0)) }.sorted().prefix(32).map { $0 })
        // Where both hold a hash, the sample merged into keeps its value.
        var a = Self.sample(0..<100)
        var one = BottomKSample<UInt64>(capacity: 32)
        one.add(hash: a.entries[3].hash, 42)
        let before = a.entries
        a.merge(one)
        #expect(a.entries == before)
    }

    @Test func estimatesJaccardSimilarity() {
        // Two sets of 2,000 items overlapping in 1,000: Jaccard 1/3; with k = 256 the
        // estimate's standard error is about 0.03.
        let x = Self.sample(0..<2000, capacity: 256), y = Self.sample(1000..<3000, capacity: 256)
        let j = x.jaccard(y)!
        #expect(abs(j - 1.0 / 3) < 0.1)
        #expect(x.jaccard(x) == 1)
        #expect(x.jaccard(Self.sample(5000..<6000, capacity: 256)) == 0)
        #expect(BottomKSample<UInt64>(capacity: 4).jaccard(BottomKSample<UInt64>(capacity: 4)) == nil)
    }

    @Test func linkStateKeepsNetworksBucketsAndSessionsOfADay() {
        var s = LinkDayState()
        let day: Int64 = 20_413 * 86_400_000
        for i in 0..<100 {
            let ip = IPAddress(v4: 0xCB00_7100 | UInt32(i % 4))  // 203.0.113.0/24
            s.add(network: ip.networkKey, hash: mix64(ip.networkKey), at: day + Int64(i) * 600_000)
            s.sessions.add(hash: UInt64(i % 7) + 1, NoValue())
        }
        #expect(s.networks.count == 1)
        #expect(s.networks.entries[0].value == IPAddress(v4: 0xCB00_7100).networkKey)
        // 100 requests ten minutes apart: hours 0 to 16 of the day.
        let hours = Set(s.coactivity.entries.map(\.value.hour))
        let expected = Set((0..<17).map { Int32(20_413 * 24 + $0) })
        #expect(hours == expected)
        #expect(s.sessions.count == 7)
    }
}
