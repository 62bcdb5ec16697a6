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
/// from request to request, so their lexicon classes are remembered by hash (up to 4,096).
/// Only prompts that enter an account-day's sample are analysed (``PromptDayState``).
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

    /// Analyses a prompt (non-empty) and the request's system prompt (with its hash), if any.
    public mutating func analyze(prompt: UnsafeRawBufferPointer, system: UnsafeRawBufferPointer?, systemHash: UInt64)
        -> PromptObservation
    {
        var o = PromptObservation()
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
        guard let matcher else { return o }
        var classes = matcher.classes(in: skeleton)
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
