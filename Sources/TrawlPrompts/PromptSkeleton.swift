import TrawlModel

/// A prompt reduced to its template: what stays when the filled-in items are taken out.
///
/// Made by ``PromptNormalizer``. Three views of the same text:
///
/// - ``bytes``, the **skeleton** (UTF-8): case folded, full-width forms folded to ASCII,
///   whitespace folded to single spaces (none next to Han or kana, none before `,.;:!?)]}`,
///   none after `([{`), and the variable parts replaced by placeholders:
///
///   | placeholder | replaces |
///   |---|---|
///   | `<num>` | numbers: `42`, `3.14`, `1,000`, `2026-11-21`, `3rd`, `10k`, `５` |
///   | `<str>` | quoted text: `"…"`, `“…”`, `'…'` (not apostrophes), `«…»`, `「…」`, `『…』`, `《…》` |
///   | `<code>` | fenced (```` ``` ```` or `~~~`) and inline (`` `…` ``) code |
///   | `<url>` | `http://`, `https://`, `ftp://` and `www.` addresses |
///   | `<email>` | e-mail addresses |
///   | `<id>` | identifiers: `snake_case`, `camelCase` (also brand names such as `ChatGPT`), letters mixed with digits (`gpt4`, `a1b2`), hex ids of 8+ digits with a digit, UUIDs, dotted names (`os.path`, `main.py`) |
///
///   `Write a poem about "autumn" in 12 lines.` → `write a poem about <str> in <num> lines.`
///   and `请用５个例子解释“量子纠缠”。` → `请用<num>个例子解释<str>.`
/// - ``folded``, the **folded text** for phrase matching: the same folding, and numbers as
///   `<num>`, but quoted and code text kept (without its quote marks) and nothing else
///   replaced, so a phrase in a lexicon matches inside quotes too.
/// - ``tokens``: the skeleton's words and placeholders, and each Han or kana character on
///   its own, as stable 64-bit hashes in order; ``PromptShingler`` makes shingles of them.
public struct PromptSkeleton: Sendable, Equatable {
    /// The skeleton text, UTF-8.
    public internal(set) var bytes: [UInt8] = []
    /// The folded text, UTF-8, for ``PhraseMatcher``.
    public internal(set) var folded: [UInt8] = []
    /// The skeleton's tokens in order.
    public internal(set) var tokens: [PromptToken] = []

    public init() {}

    /// The skeleton as a string.
    public var text: String { String(decoding: bytes, as: UTF8.self) }
    /// The folded text as a string.
    public var foldedText: String { String(decoding: folded, as: UTF8.self) }

    /// A stable 64-bit hash of the skeleton text: equal skeletons, equal hashes.
    public var hash: UInt64 { bytes.withUnsafeBytes { stableHash($0) } }

    mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        folded.removeAll(keepingCapacity: true)
        tokens.removeAll(keepingCapacity: true)
    }
}

/// One token of a skeleton: a word, a placeholder, or one Han or kana character.
public struct PromptToken: Sendable, Equatable {
    /// `stableHash` of the token's UTF-8 bytes in the skeleton (so `<num>` hashes as "<num>").
    public var hash: UInt64
    /// A Han or kana character (shingled as characters), not a word.
    public var isCJK: Bool

    public init(hash: UInt64, isCJK: Bool) {
        self.hash = hash
        self.isCJK = isCJK
    }
}
