import TrawlPrompts

/// Computes `prompt_simhash` for generated prompt text: the TrawlPrompts SimHash of the
/// prompt's skeleton shingles, exactly what a gateway that keeps no text would log.
///
/// Keep one per generator: the normaliser's and the shingles' buffers are reused.
/// - Complexity: O(bytes) per prompt.
struct PromptHasher {
    private var normalizer = PromptNormalizer()
    private var skeleton = PromptSkeleton()
    private var shingles: [UInt64] = []

    init() { shingles.reserveCapacity(256) }

    /// The 64-bit SimHash of UTF-8 `text`.
    mutating func simHash(_ text: UnsafeBufferPointer<UInt8>) -> UInt64 {
        normalizer.normalize(utf8: UnsafeRawBufferPointer(text), into: &skeleton)
        shingles.removeAll(keepingCapacity: true)
        PromptShingler.shingles(of: skeleton.tokens, into: &shingles)
        return shingles.withUnsafeBufferPointer { SimHash(shingles: $0).value }
    }
}
