import TrawlModel
import TrawlPrompts

/// What one request's prompt text showed (see ``PromptAnalyzer``).
public struct PromptObservation: Sendable, Equatable {
    public var hasPrompt = false
    /// Hashes of the skeleton's first and last ``PromptDayState/templateWords`` tokens (0: no words).
    public var openingKey: UInt64 = 0
    public var closingKey: UInt64 = 0
    /// Stable hash of the prompt's bytes (distinct contents).
    public var contentHash: UInt64 = 0
    /// Stable hash of the system prompt's bytes (0: none).
    public var systemHash: UInt64 = 0
    /// Lexicons were matched (there was text and lexicons are loaded).
    public var lexiconChecked = false
    public var reasoningCoercion = false
    public var datasetGeneration = false
    public init() {}
}

/// Turns a request's `prompt` and `system_prompt` text into template keys and lexicon
/// classes, on the per-line path. One per decoding worker: it reuses its buffers.
///
/// The prompt is normalised to its skeleton (``PromptNormalizer``); its template keys are
/// the hashes of the skeleton's opening and closing words, so prompts made from one
/// template with different items filled in share a key. Lexicons (`rules/lexicons/`) are
/// matched on the folded text of the prompt and of the system prompt. System prompts repeat
/// from request to request, so their lexicon classes are remembered by hash (up to 4,096).
/// - Complexity: O(n) in the text's bytes.
public struct PromptAnalyzer: Sendable {
    public let matcher: PhraseMatcher?
    let coercionClass: Int?
    let datasetClass: Int?
    var normalizer = PromptNormalizer()
    var skeleton = PromptSkeleton()
    var systemClasses: [UInt64: PhraseClassSet] = [:]

    /// - Parameter lexicons: the phrase lexicons; `reasoning_coercion` and
    ///   `dataset_generation` give the features of those names (unknown without them).
    public init(lexicons: [PhraseLexicon]) {
        matcher = lexicons.isEmpty ? nil : PhraseMatcher(lexicons: lexicons)
        coercionClass = matcher?.index(of: "reasoning_coercion")
        datasetClass = matcher?.index(of: "dataset_generation")
    }

    /// Whether the lexicon features can be computed.
    public var hasLexicons: Bool { matcher != nil }

    public mutating func observe(prompt: UnsafeRawBufferPointer?, system: UnsafeRawBufferPointer?) -> PromptObservation {
        var o = PromptObservation()
        var classes = PhraseClassSet()
        if let prompt, prompt.count > 0 {
            o.hasPrompt = true
            o.contentHash = stableHash(prompt) | 1
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
            if let matcher { classes = matcher.classes(in: skeleton) }
        }
        if let system, system.count > 0 {
            let h = stableHash(system) | 1
            o.systemHash = h
            if let matcher {
                if let known = systemClasses[h] {
                    classes.formUnion(known)
                } else {
                    normalizer.normalize(utf8: system, into: &skeleton)
                    let found = matcher.classes(in: skeleton)
                    if systemClasses.count >= 4096 { systemClasses.removeAll(keepingCapacity: true) }
                    systemClasses[h] = found
                    classes.formUnion(found)
                }
            }
        }
        o.lexiconChecked = matcher != nil && (o.hasPrompt || o.systemHash != 0)
        if let c = coercionClass { o.reasoningCoercion = classes.contains(index: c) }
        if let c = datasetClass { o.datasetGeneration = classes.contains(index: c) }
        return o
    }
}
