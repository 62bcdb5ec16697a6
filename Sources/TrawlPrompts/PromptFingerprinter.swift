import TrawlModel

/// What a prompt (or a system prompt) hashes to.
public struct PromptFingerprint: Sendable, Hashable {
    /// `stableHash` of the skeleton text: the exact template.
    public var skeletonHash: UInt64
    /// SimHash of the skeleton's shingles: near templates are a few bits apart.
    public var simHash: SimHash
    /// Bottom-k MinHash of the skeleton's distinct shingles.
    public var minHash: MinHashSignature
    /// Shingles hashed (repeats counted); 0 for a prompt with no words at all, whose hashes
    /// say nothing and should be left out of template counts.
    public var shingleCount: Int

    public init(skeletonHash: UInt64, simHash: SimHash, minHash: MinHashSignature, shingleCount: Int) {
        self.skeletonHash = skeletonHash
        self.simHash = simHash
        self.minHash = minHash
        self.shingleCount = shingleCount
    }
}

/// Normalises a prompt and hashes its skeleton: ``PromptNormalizer``, then
/// ``PromptShingler``, ``SimHash`` and ``MinHashSignature``. Used the same way for `prompt`
/// and `system_prompt`.
///
/// Keep one per worker: it reuses its buffers, and ``skeleton`` holds the last prompt's
/// skeleton (for ``PhraseMatcher`` on its folded text) until the next call.
public struct PromptFingerprinter: Sendable {
    /// `k` of the MinHash signatures.
    public let minHashSize: Int
    public private(set) var skeleton = PromptSkeleton()
    var normalizer = PromptNormalizer()
    var shingles: [UInt64] = []
    var scratch: [UInt64] = []

    public init(minHashSize: Int = MinHashSignature.defaultSize) {
        self.minHashSize = minHashSize
    }

    /// The fingerprint of `text`.
    public mutating func fingerprint(_ text: String) -> PromptFingerprint {
        normalizer.normalize(text, into: &skeleton)
        return hashSkeleton()
    }

    /// The fingerprint of UTF-8 bytes (for example a decoded JSON string in a line buffer).
    public mutating func fingerprint(utf8: UnsafeRawBufferPointer) -> PromptFingerprint {
        normalizer.normalize(utf8: utf8, into: &skeleton)
        return hashSkeleton()
    }

    mutating func hashSkeleton() -> PromptFingerprint {
        shingles.removeAll(keepingCapacity: true)
        PromptShingler.shingles(of: skeleton.tokens, into: &shingles)
        let k = minHashSize
        return shingles.withUnsafeBufferPointer { s in
            PromptFingerprint(
                skeletonHash: skeleton.hash, simHash: SimHash(shingles: s),
                minHash: MinHashSignature(shingles: s, size: k, scratch: &scratch), shingleCount: s.count)
        }
    }
}
