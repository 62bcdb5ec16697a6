import TrawlModel

/// A prompt sample kept as case evidence (`analyze --keep-samples N`), unredacted until
/// the features are extracted.
public struct PromptSample: Sendable, Equatable, Comparable {
    public var ts: Timestamp
    public var text: String
    public static func < (a: PromptSample, b: PromptSample) -> Bool { (a.ts, a.text) < (b.ts, b.text) }
}

/// What an account's prompts showed over one UTC day, as mergeable state.
///
/// Kept only for account-days with at least one prompt (`prompt`, `system_prompt` or
/// `prompt_simhash`), so that logs without prompts cost nothing. Prompts are judged on a
/// uniform sample of the day's prompts: the ``sampleSize`` requests with the smallest
/// hash of (prompt, time), decided from the raw text before any analysis, so that only
/// prompts that enter the sample are normalised (every prompt of a small account; about
/// `k (1 + ln(n / k))` of a large one's `n`). The sample of the union is the smallest
/// entries of the two samples, so merging is exact whatever the split, and memory is
/// bounded (16 bytes an entry). A prompt with text enters as its template keys (the hashes
/// of its skeleton's opening and closing words) and lexicon classes, a prompt known only
/// by `prompt_simhash` as that hash.
public struct PromptDayState: Sendable, Equatable, Mergeable {
    /// One sampled prompt. `rank` orders the sample; its low 3 bits say what the entry is:
    /// bit 0 set for a prompt known only by hash, bit 1 reasoning coercion, bit 2 dataset
    /// generation. `value` is `opening << 32 | closing` (32-bit template keys; 0: a prompt
    /// without words) or the SimHash.
    public struct Entry: Sendable, Equatable, Comparable {
        public var rank: UInt64
        public var value: UInt64
        public init(rank: UInt64, value: UInt64) {
            self.rank = rank
            self.value = value
        }
        public var isHashOnly: Bool { rank & 1 == 1 }
        public var reasoningCoercion: Bool { rank & 2 != 0 }
        public var datasetGeneration: Bool { rank & 4 != 0 }
        public static func < (a: Entry, b: Entry) -> Bool { (a.rank, a.value) < (b.rank, b.value) }
    }

    /// Words of the skeleton that make an opening or closing template key.
    public static let templateWords = 5
    /// Prompts sampled per account-day.
    public static let sampleSize = 48
    /// A template is one of the account's top templates when it is among the `topTemplates`
    /// most frequent in the sample and holds at least `minTemplatePrompts` sampled prompts.
    public static let topTemplates = 8
    public static let minTemplatePrompts = 3
    /// Prompts known only by hash are alike within this many bits of SimHash distance, and
    /// templated when at least `minTemplatePrompts - 1` others of the sample are alike.
    public static let simHashRadius = 16

    /// Prompts with text, and prompts known only by `prompt_simhash`.
    public var textPrompts = 0, hashPrompts = 0
    /// Whether lexicons were loaded (the lexicon shares are known).
    public var lexiconsKnown = false
    /// The sample, sorted.
    public var sample: [Entry] = []
    /// Requests with a system prompt, and distinct system prompts.
    public var systemPrompts = 0
    public var systemSketch = DistinctCountSketch()
    /// The earliest prompt texts, when samples are kept, and how many are kept.
    public var samples: [PromptSample] = []
    public var sampleLimit = 0

    public init() {}

    /// The rank of a prompt with text (low bits clear), from its content hash and time.
    @inline(__always) public static func textRank(contentHash: UInt64, ts: Timestamp) -> UInt64 {
        mix64(contentHash ^ UInt64(bitPattern: ts)) & ~7
    }

    /// Whether an entry of this rank (whatever its low bits) could enter the sample.
    @inline(__always) public func admits(rank: UInt64) -> Bool {
        sample.count < Self.sampleSize || rank < sample[sample.count - 1].rank | 7
    }

    @inline(__always) mutating func offer(_ e: Entry) {
        if sample.count >= Self.sampleSize && !(e < sample[sample.count - 1]) { return }
        var i = sample.count
        while i > 0 && e < sample[i - 1] { i -= 1 }
        sample.insert(e, at: i)
        if sample.count > Self.sampleSize { sample.removeLast() }
    }

    /// Adds a prompt known only by its SimHash.
    @inline(__always) public mutating func addSimHash(_ simhash: UInt64, ts: Timestamp) {
        hashPrompts += 1
        offer(Entry(rank: mix64(simhash ^ mix64(UInt64(bitPattern: ts) ^ 0x5348)) | 1, value: simhash))
    }

    /// Adds an analysed prompt with text, of rank `textRank(…)`.
    @inline(__always) public mutating func addSampled(_ o: PromptObservation, rank: UInt64) {
        var r = rank & ~7
        if o.reasoningCoercion { r |= 2 }
        if o.datasetGeneration { r |= 4 }
        offer(Entry(rank: r, value: (o.openingKey >> 32) << 32 | (o.closingKey >> 32)))
    }

    /// Notes a system prompt by its hash.
    @inline(__always) public mutating func addSystemPrompt(hash: UInt64) {
        systemPrompts += 1
        systemSketch.insert(hash: hash)
    }

    /// Whether a prompt at `ts` would enter the kept samples.
    @inline(__always) public func wantsSample(at ts: Timestamp) -> Bool {
        sampleLimit > 0 && (samples.count < sampleLimit || ts <= samples[samples.count - 1].ts)
    }

    public mutating func addSample(_ s: PromptSample) {
        guard !samples.contains(s) else { return }
        samples.append(s)
        samples.sort()
        if samples.count > sampleLimit { samples.removeLast(samples.count - sampleLimit) }
    }

    public mutating func merge(_ o: PromptDayState) {
        textPrompts += o.textPrompts
        hashPrompts += o.hashPrompts
        lexiconsKnown = lexiconsKnown || o.lexiconsKnown
        if !o.sample.isEmpty {
            sample = Array((sample + o.sample).sorted().prefix(Self.sampleSize))
        }
        systemPrompts += o.systemPrompts
        systemSketch.merge(o.systemSketch)
        // Both sides hold their earliest samples, so the earliest of the union are among them.
        sampleLimit = max(sampleLimit, o.sampleLimit)
        for s in o.samples { addSample(s) }
    }

    /// Sampled prompts with text, and those of them matching each lexicon class.
    public var lexiconCounts: (sampled: Int, coercion: Int, dataset: Int) {
        var n = 0, c = 0, d = 0
        for e in sample where !e.isHashOnly {
            n += 1
            if e.reasoningCoercion { c += 1 }
            if e.datasetGeneration { d += 1 }
        }
        return (n, c, d)
    }

    /// Distinct templates (openings) among the sampled prompts with words.
    public var sampledTemplates: (prompts: Int, templates: Int) {
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: max(1, sample.count)) { buf in
            let n = templateKeys(into: buf)
            let keys = UnsafeMutableBufferPointer(rebasing: buf[0..<n])
            Self.sortSmall(keys)
            var distinct = 0
            for i in keys.indices where i == 0 || keys[i] != keys[i - 1] { distinct += 1 }
            return (n, distinct)
        }
    }

    /// Writes the opening (or closing) keys of the sampled prompts with words to `buf`;
    /// returns how many.
    private func templateKeys(into buf: UnsafeMutableBufferPointer<UInt64>, closing: Bool = false) -> Int {
        var n = 0
        for e in sample where !e.isHashOnly && e.value != 0 {
            buf[n] = closing ? e.value & 0xFFFF_FFFF : e.value >> 32
            n += 1
        }
        return n
    }

    /// Insertion sort: the keys are at most `sampleSize`, in a buffer on the stack.
    private static func sortSmall(_ keys: UnsafeMutableBufferPointer<UInt64>) {
        guard keys.count > 1 else { return }
        for i in 1..<keys.count {
            let x = keys[i]
            var j = i
            while j > 0 && keys[j - 1] > x {
                keys[j] = keys[j - 1]
                j -= 1
            }
            keys[j] = x
        }
    }

    /// Counts equal keys (sorting them in place); appends the top templates' keys, tagged
    /// with `tag`, most frequent first (of equal counts, the larger key first).
    private static func top(_ keys: UnsafeMutableBufferPointer<UInt64>, tag: UInt64, into out: inout [UInt64]) -> (
        covered: Int, best: Int
    ) {
        sortSmall(keys)
        return withUnsafeTemporaryAllocation(of: (count: Int, key: UInt64).self, capacity: topTemplates) { ranked in
            var m = 0, best = 0, i = 0
            while i < keys.count {
                var j = i + 1
                while j < keys.count && keys[j] == keys[i] { j += 1 }
                let run = (count: j - i, key: keys[i])
                best = max(best, run.count)
                if run.count >= minTemplatePrompts {
                    // Into the ranked runs (descending), dropping the one pushed past the end.
                    var p = m
                    while p > 0 && (ranked[p - 1].count, ranked[p - 1].key) < (run.count, run.key) {
                        if p < topTemplates { ranked[p] = ranked[p - 1] }
                        p -= 1
                    }
                    if p < topTemplates {
                        ranked[p] = run
                        m = min(m + 1, topTemplates)
                    }
                }
                i = j
            }
            var covered = 0
            for r in 0..<m {
                covered += ranked[r].count
                out.append(tag | ranked[r].key)
            }
            return (covered, best)
        }
    }

    /// What the sample says of templating (see ``analysis``).
    public struct TemplateAnalysis: Sendable, Equatable {
        /// Shares of the sampled text and hash-only prompts that are in a top template.
        public var textShare: Double?
        public var hashShare: Double?
        /// Share of the sampled prompts in the single most frequent template.
        public var topShare: Double?
        /// Keys of the top templates, for counting who else has them: text templates as
        /// `1 << 63 | opening` and `1 << 62 | closing`, hash-only ones as the 16-bit bands of
        /// the alike hashes (`band << 16 | bits`).
        public var keys: [UInt64] = []
    }

    /// Templating in the sample: for text, the larger of the shares covered by the top
    /// opening and the top closing templates; for hash-only prompts, the share with enough
    /// alike hashes.
    public var analysis: TemplateAnalysis {
        var a = TemplateAnalysis()
        // Counted by sorting keys in a buffer on the stack (at most `sampleSize`): a dictionary,
        // and then the arrays of filtering and ranking, cost more than the counting, and this
        // runs for every account-day three times a pass.
        let (textCount, bestOpening) = withUnsafeTemporaryAllocation(of: UInt64.self, capacity: max(1, sample.count)) {
            buf -> (Int, Int) in
            let n = templateKeys(into: buf)
            guard n > 0 else { return (0, 0) }
            let keys = UnsafeMutableBufferPointer(rebasing: buf[0..<n])
            a.keys.reserveCapacity(2 * Self.topTemplates)
            let opening = Self.top(keys, tag: 1 << 63, into: &a.keys)
            _ = templateKeys(into: keys, closing: true)
            let closing = Self.top(keys, tag: 1 << 62, into: &a.keys)
            a.textShare = Double(max(opening.covered, closing.covered)) / Double(n)
            return (n, opening.best)
        }
        let hashes = sample.filter(\.isHashOnly).map(\.value)
        if !hashes.isEmpty {
            var alike: [UInt64] = []
            for (i, h) in hashes.enumerated() {
                var near = 0
                for (j, g) in hashes.enumerated() where j != i && (h ^ g).nonzeroBitCount <= Self.simHashRadius { near += 1 }
                if near >= Self.minTemplatePrompts - 1 { alike.append(h) }
            }
            a.hashShare = Double(alike.count) / Double(hashes.count)
            var bands: [UInt64: Int] = [:]
            for h in alike { for b in 0..<4 { bands[UInt64(b) << 16 | (h >> UInt64(16 * b)) & 0xFFFF, default: 0] += 1 } }
            a.keys += bands.filter { $0.value >= Self.minTemplatePrompts }.keys.sorted()
        }
        if !sample.isEmpty {
            a.topShare = Double(bestOpening) / Double(max(1, textCount))
            if textCount == 0, !hashes.isEmpty {
                // Without text, the largest group of alike hashes around one hash.
                var most = 0
                for h in hashes { most = max(most, hashes.filter { ($0 ^ h).nonzeroBitCount <= Self.simHashRadius }.count) }
                a.topShare = Double(most) / Double(hashes.count)
            }
        }
        return a
    }
}
