import Foundation
import TrawlModel
import Yams

/// One phrase lexicon file (`rules/lexicons/*.yaml`): a class of wording, such as
/// reasoning-trace coercion, and the phrases that show it, by language.
///
/// ```yaml
/// class: reasoning_coercion          # required: lower-case letters, digits and _ (unique)
/// title: Reasoning-trace coercion    # required
/// description: >-                    # optional
///   Wording that makes the model write out its reasoning …
/// references: ["https://…"]          # optional
/// phrases:                           # required: language code → list of phrases
///   en:
///     - show all of your reasoning step by step
///     - generate 5 diverse examples  # any number, or <num>, matches any number
///   zh:
///     - 请逐步展示你的推理过程
/// ```
///
/// Phrases are matched on a prompt's folded text (``PromptSkeleton/folded``), after the
/// same folding: case, full-width forms, whitespace and quote marks do not matter, and a
/// number (or the placeholder `<num>`) matches any number. A phrase that begins or ends
/// with a letter or digit matches only at word boundaries there (`reason` does not match
/// inside `reasonable`); Han and kana have no boundaries. Strict: unknown keys, a phrase
/// that folds to nothing and a phrase listed twice (after folding) are errors with the
/// file, line and column.
public struct PhraseLexicon: Sendable, Equatable {
    /// One phrase as written, and folded for matching.
    public struct Phrase: Sendable, Equatable {
        public var text: String
        public var language: String
        /// 1-based line in the file (0 when made in code).
        public var line: Int
        /// The folded UTF-8 bytes that are matched.
        public var folded: [UInt8]
    }

    public var className: String
    public var title: String
    public var description: String?
    public var references: [String]
    public var phrases: [Phrase]

    /// A lexicon made in code; the phrases are folded here.
    public init(
        className: String, title: String, description: String? = nil, references: [String] = [], phrases: [(language: String, text: String)]
    ) {
        self.className = className
        self.title = title
        self.description = description
        self.references = references
        var normalizer = PromptNormalizer()
        self.phrases = phrases.map { Phrase(text: $0.text, language: $0.language, line: 0, folded: normalizer.normalize($0.text).folded) }
    }

    init(className: String, title: String, description: String?, references: [String], folded phrases: [Phrase]) {
        self.className = className
        self.title = title
        self.description = description
        self.references = references
        self.phrases = phrases
    }

    static let keys = ["class", "title", "description", "references", "phrases"]

    /// Reads a lexicon file.
    /// - Throws: `PromptError` (`noSuchFile`, `unreadable`, or `invalidLexicon`
    ///   at the offending line and column).
    public static func load(path: String) throws(PromptError) -> PhraseLexicon {
        guard FileManager.default.fileExists(atPath: path) else { throw PromptError(file: path, reason: .noSuchFile) }
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw PromptError(file: path, reason: .unreadable("not UTF-8 text, or not readable"))
        }
        return try parse(yaml: text, file: path)
    }

    /// Reads every `*.yaml` file of a folder, in name order.
    /// - Throws: `PromptError` for the first bad file; `noSuchFile` for a missing folder.
    public static func loadAll(directory: String) throws(PromptError) -> [PhraseLexicon] {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: directory) } catch {
            throw PromptError(file: directory, reason: .noSuchFile)
        }
        var out: [PhraseLexicon] = []
        for name in names.sorted() where name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
            out.append(try load(path: (directory as NSString).appendingPathComponent(name)))
        }
        return out
    }

    /// Reads a lexicon from YAML text, reported under the name `file`.
    public static func parse(yaml: String, file: String = "<yaml>") throws(PromptError) -> PhraseLexicon {
        let reader = YAMLTableReader { line, column, why in
            PromptError(file: file, line: line, column: column, reason: .invalidLexicon(why))
        }
        func fail(_ node: Node?, _ why: String) -> PromptError { reader.fail(node, why) }
        let (root, top) = try reader.document(yaml, expected: "a mapping with the keys class, title and phrases")
        try reader.checkKeys(top, keys)
        func text(_ k: String, required: Bool) throws(PromptError) -> String? { try reader.text(top, k, in: root, required: required) }
        let className = try text("class", required: true)!
        let allowed = className.utf8.allSatisfy { ($0 &- 97) < 26 || ($0 &- 48) < 10 || $0 == 95 }
        guard allowed else { throw fail(top["class"], "`class` must be lower-case letters, digits and _ (it names features)") }
        let title = try text("title", required: true)!
        let description = try text("description", required: false)
        let references = try reader.strings(top, "references", in: root, required: false) ?? []
        guard let phraseNode = top["phrases"] else { throw fail(root, "missing key `phrases`") }
        guard let byLanguage = phraseNode.mapping else { throw fail(phraseNode, "`phrases` must map language codes to lists of phrases") }
        var phrases: [Phrase] = []
        var seen: [[UInt8]: Int] = [:]
        var normalizer = PromptNormalizer()
        for (languageNode, list) in byLanguage {
            guard let language = languageNode.string, !language.isEmpty else { throw fail(languageNode, "expected a language code") }
            guard let seq = list.sequence, !seq.isEmpty else { throw fail(list, "`\(language)` must be a list of phrases") }
            for item in seq {
                guard let s = item.scalar?.string else { throw fail(item, "a phrase must be text") }
                let folded = normalizer.normalize(s).folded
                guard !folded.isEmpty else { throw fail(item, "the phrase `\(s)` is empty once folded") }
                let line = item.mark?.line ?? 0
                if let first = seen[folded] { throw fail(item, "the phrase `\(s)` repeats line \(first) (after folding)") }
                seen[folded] = line
                phrases.append(Phrase(text: s, language: language, line: line, folded: folded))
            }
        }
        return PhraseLexicon(className: className, title: title, description: description, references: references, folded: phrases)
    }
}
