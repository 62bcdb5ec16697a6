import Testing
import TrawlFeatures

@Suite struct TemplateAnalysisTests {
    /// The text half of `PromptDayState.analysis` written plainly (arrays, a full sort),
    /// as it was before it counted in stack buffers.
    static func reference(_ sample: [PromptDayState.Entry]) -> (share: Double?, top: Double?, keys: [UInt64], templates: Int) {
        let text = sample.filter { !$0.isHashOnly && $0.value != 0 }.map(\.value)
        func top(_ keys: [UInt64]) -> (covered: Int, best: Int, keys: [UInt64]) {
            var counts: [UInt64: Int] = [:]
            for k in keys { counts[k, default: 0] += 1 }
            let ranked = counts.filter { $0.value >= PromptDayState.minTemplatePrompts }
                .sorted { ($0.value, $0.key) > ($1.value, $1.key) }.prefix(PromptDayState.topTemplates)
            return (ranked.reduce(0) { $0 + $1.value }, counts.values.max() ?? 0, ranked.map(\.key))
        }
        guard !text.isEmpty else { return (nil, sample.isEmpty ? nil : 0, [], Set(text.map { $0 >> 32 }).count) }
        let opening = top(text.map { $0 >> 32 }), closing = top(text.map { $0 & 0xFFFF_FFFF })
        return (
            Double(max(opening.covered, closing.covered)) / Double(text.count), Double(opening.best) / Double(text.count),
            opening.keys.map { 1 << 63 | $0 } + closing.keys.map { 1 << 62 | $0 }, Set(text.map { $0 >> 32 }).count
        )
    }

    /// Samples with many templates of equal counts (more than the top 8), prompts without
    /// words, and some prompts known only by hash (their bands follow the text keys): what
    /// the stack-buffer counting must agree on.
    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8])
    func agreesWithPlainCounting(seed: UInt64) {
        var rng = SplitMix(seed: seed)
        for _ in 0..<300 {
            var p = PromptDayState()
            let size = Int(rng.next() % UInt64(PromptDayState.sampleSize + 1))
            let alphabet = 1 + rng.next() % 16
            let hashOnly = rng.next() % 3 == 0
            p.sample = (0..<size).map { i in
                if hashOnly && rng.next() % 4 == 0 { return PromptDayState.Entry(rank: UInt64(i) << 3 | 1, value: rng.next()) }
                let opening = rng.next() % 8 == 0 ? 0 : 1 + rng.next() % alphabet
                let closing = 1 + rng.next() % alphabet
                return PromptDayState.Entry(rank: UInt64(i) << 3, value: opening == 0 ? 0 : opening << 32 | closing)
            }
            let a = p.analysis, r = Self.reference(p.sample)
            let text = p.sample.filter { !$0.isHashOnly && $0.value != 0 }.count
            #expect(a.textShare == r.share && Array(a.keys.prefix(r.keys.count)) == r.keys, "size \(size), alphabet \(alphabet)")
            if text > 0 || !p.sample.contains(where: \.isHashOnly) { #expect(a.topShare == r.top) }
            #expect(p.sampledTemplates.templates == r.templates && p.sampledTemplates.prompts == text)
        }
    }
}
