import TrawlModel
import TrawlPrompts

/// What one request's prompt text showed (see ``PromptAnalyzer``).
public struct PromptObservation: Sendable, Equatable {
    /// Hashes of the skeleton's first and last ``PromptDayState/templateWords`` tokens (0: no words).
    public var openingKey: UInt64 = 0
    public var closingKey: UInt64 = 0
    public var reasoningCoercion = false
    public var datasetGeneration = false
    public init() {}
}

/// Turns a request's `prompt` and `system_prompt` text into template keys and lexicon
/// classes. One per decoding worker: it reuses its buffers.
///
/// The prompt is normalised to its skeleton (``PromptNormalizer``); its template keys are
/// the hashes of the skeleton's opening and closing words, so prompts made from one
/// template with different items filled in share a key. Lexicons (`rules/lexicons/`) are
/// matched on the folded text of the prompt and of the system prompt. System prompts repeat
/// from request to request, so their lexicon classes are remembered by hash (up to 4,096);
/// so are prompts (``PromptMemo``), since templated clients send the same text again.
/// Only prompts that enter an account-day's sample are analysed (``PromptDayState``).
/// - Complexity: O(n) in the text's bytes.
public struct PromptAnalyzer: Sendable {
    public let matcher: PhraseMatcher?
    let coercionClass: Int?
    let datasetClass: Int?
    var normalizer = PromptNormalizer()
    var skeleton = PromptSkeleton()
    var systemClasses: [UInt64: PhraseClassSet] = [:]
    var memo = PromptMemo()

    /// - Parameter lexicons: the phrase lexicons; `reasoning_coercion` and
    ///   `dataset_generation` give the features of those names (unknown without them).
    public init(lexicons: [PhraseLexicon]) {
        matcher = lexicons.isEmpty ? nil : PhraseMatcher(lexicons: lexicons)
        coercionClass = matcher?.index(of: "reasoning_coercion")
        datasetClass = matcher?.index(of: "dataset_generation")
    }

    /// Whether the lexicon features can be computed.
    public var hasLexicons: Bool { matcher != nil }

    /// Analyses a prompt (non-empty, with its `stableHash`) and the request's system prompt
    /// (with its hash), if any.
    public mutating func analyze(
        prompt: UnsafeRawBufferPointer, contentHash: UInt64, system: UnsafeRawBufferPointer?, systemHash: UInt64
    ) -> PromptObservation {
        let slot = memo.slot(for: prompt, contentHash: contentHash)
        var o = PromptObservation()
        var classes: PhraseClassSet
        if let known = memo.entry(slot) {
            (o.openingKey, o.closingKey, classes) = known
        } else {
            normalizer.normalize(utf8: prompt, into: &skeleton)
            let tokens = skeleton.tokens
            if !tokens.isEmpty {
                let n = min(tokens.count, PromptDayState.templateWords)
                var head = UInt64(n), tail = UInt64(n) ^ 0x7461_696C
                for k in 0..<n {
                    head = mix64(head ^ tokens[k].hash)
                    tail = mix64(tail ^ tokens[tokens.count - n + k].hash)
                }
                o.openingKey = head | 1
                o.closingKey = tail | 1
            }
            classes = matcher?.classes(in: skeleton) ?? []
            memo.remember(slot, opening: o.openingKey, closing: o.closingKey, classes: classes)
        }
        guard let matcher else { return o }
        if let system, system.count > 0 {
            if let known = systemClasses[systemHash] {
                classes.formUnion(known)
            } else {
                normalizer.normalize(utf8: system, into: &skeleton)
                let found = matcher.classes(in: skeleton)
                if systemClasses.count >= 4096 { systemClasses.removeAll(keepingCapacity: true) }
                systemClasses[systemHash] = found
                classes.formUnion(found)
            }
        }
        if let c = coercionClass { o.reasoningCoercion = classes.contains(index: c) }
        if let c = datasetClass { o.datasetGeneration = classes.contains(index: c) }
        return o
    }
}

/// The prompt part of a worker's recent analyses (template keys and lexicon classes), by
/// the prompt's content: a direct-mapped table of 32,768 entries (1.3 MB).
///
/// Written here rather than taken from a package because it is on the per-request path and
/// must cost a hash and one compare. An entry is found by the prompt's `stableHash`, which
/// is public and unkeyed (a client could make two prompts share it), and confirmed by a
/// second hash keyed with random bytes drawn when the analyzer is made (its copies, one per
/// worker, share them), which a client cannot aim at; a hit thus returns what analysing the
/// text again would (unless 127 bits collide by chance). On the bench world about half the
/// analysed prompts are found here.
struct PromptMemo: Sendable {
    static let bits = 15
    struct Entry: Sendable {
        var content: UInt64 = 0
        /// The keyed hash, with its lowest bit set (0: an empty entry).
        var keyed: UInt64 = 0
        var opening: UInt64 = 0
        var closing: UInt64 = 0
        var classes = PhraseClassSet()
    }
    /// Where a lookup goes and what it must find there.
    struct Slot {
        let index: Int
        let content: UInt64
        let keyed: UInt64
    }

    private var entries = [Entry](repeating: Entry(), count: 1 << bits)
    private let key: (UInt64, UInt64)
    /// Analyses answered from the table (for tests and measurements).
    private(set) var hits = 0

    init() {
        var random = SystemRandomNumberGenerator()
        key = (random.next(), random.next())
    }

    func slot(for text: UnsafeRawBufferPointer, contentHash: UInt64) -> Slot {
        var hasher = Hasher()
        hasher.combine(key.0)
        hasher.combine(key.1)
        hasher.combine(text.count)
        hasher.combine(bytes: text)
        let keyed = UInt64(UInt(bitPattern: hasher.finalize())) | 1
        return Slot(index: Int(truncatingIfNeeded: mix64(contentHash) >> (64 - UInt64(Self.bits))), content: contentHash, keyed: keyed)
    }

    /// The remembered analysis for the slot's text, if the table holds it.
    mutating func entry(_ s: Slot) -> (UInt64, UInt64, PhraseClassSet)? {
        let e = entries[s.index]
        guard e.keyed == s.keyed && e.content == s.content else { return nil }
        hits += 1
        return (e.opening, e.closing, e.classes)
    }

    mutating func remember(_ s: Slot, opening: UInt64, closing: UInt64, classes: PhraseClassSet) {
        entries[s.index] = Entry(content: s.content, keyed: s.keyed, opening: opening, closing: closing, classes: classes)
    }
}
