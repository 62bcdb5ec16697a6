import TrawlModel

/// Cuts a skeleton's tokens into overlapping shingles and hashes each to 64 bits.
///
/// A shingle starts at every token: three tokens from a word or placeholder
/// (``wordShingleSize``), two from a Han or kana character (``cjkShingleSize``), so Latin
/// text gives word 3-grams, Chinese and Japanese text character bigrams, and mixed text
/// a mix of both across the seams. A shingle that would run past the last token is left
/// out; a prompt too short for any shingle gives one shingle of all its tokens. The hash
/// of tokens `t1 … tm` is `h = m; h = mix64(h ^ ti)` for each token in order, with
/// `ti` the token's `stableHash` (``PromptToken/hash``): stable across runs and machines.
///
/// Why these sizes: word 3-grams keep word order (a template's wording) while a filled-in
/// item of one or two words spoils only a few shingles; two-character shingles are the
/// usual unit for Chinese, where most words are one or two characters.
public enum PromptShingler {
    /// Tokens per shingle starting at a word or placeholder.
    public static let wordShingleSize = 3
    /// Tokens per shingle starting at a Han or kana character.
    public static let cjkShingleSize = 2

    /// Appends the shingle hashes of `tokens` (one per shingle, repeats kept) to `out`.
    /// - Complexity: O(tokens).
    public static func shingles(of tokens: [PromptToken], into out: inout [UInt64]) {
        shingles(of: tokens, wordSize: wordShingleSize, cjkSize: cjkShingleSize, into: &out)
    }

    /// Shingles of other sizes than the standard ones (for experiments: hashes made so are
    /// not comparable with `prompt_simhash` values).
    public static func shingles(of tokens: [PromptToken], wordSize: Int, cjkSize: Int, into out: inout [UInt64]) {
        let count = tokens.count
        guard count > 0 else { return }
        let before = out.count
        tokens.withUnsafeBufferPointer { t in
            for i in 0..<count {
                let size = t[i].isCJK ? cjkSize : wordSize
                guard i + size <= count else { continue }
                out.append(hash(t, i, size))
            }
            if out.count == before { out.append(hash(t, 0, count)) }
        }
    }

    /// The shingle hashes of `tokens`.
    public static func shingles(of tokens: [PromptToken]) -> [UInt64] {
        var out: [UInt64] = []
        shingles(of: tokens, into: &out)
        return out
    }

    @inline(__always) static func hash(_ t: UnsafeBufferPointer<PromptToken>, _ from: Int, _ size: Int) -> UInt64 {
        var h = UInt64(size)
        for k in from..<(from + size) { h = mix64(h ^ t[k].hash) }
        return h
    }
}
