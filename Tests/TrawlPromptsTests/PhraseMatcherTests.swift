import TestSupport
import Testing

@testable import TrawlPrompts

struct PhraseMatcherTests {
    static let lexicons = try! PhraseLexicon.loadAll(directory: repositoryRoot() + "/rules/lexicons")
    static let matcher = PhraseMatcher(lexicons: lexicons)

    static func classes(_ text: String) -> Set<String> {
        var n = PromptNormalizer()
        let found = matcher.classes(in: n.normalize(text))
        return Set(matcher.classNames.enumerated().filter { found.contains(index: $0.offset) }.map(\.element))
    }

    @Test func theShippedLexiconsLoad() {
        #expect(Self.matcher.classNames == ["dataset_generation", "reasoning_coercion"])
        for l in Self.lexicons {
            #expect(Set(l.phrases.map(\.language)) == ["en", "zh"])
            #expect(l.phrases.count >= 15)
            #expect(l.phrases.allSatisfy { $0.line > 0 })
        }
    }

    static let matching: [(String, String)] = [
        // English, with case, width, whitespace and quote variants.
        ("Solve this and show all of your reasoning step by step.", "reasoning_coercion"),
        ("SHOW ALL OF YOUR   REASONING\nSTEP BY STEP", "reasoning_coercion"),
        ("Ｓｈｏｗ ａｌｌ ｏｆ ｙｏｕｒ ｒｅａｓｏｎｉｎｇ ｓｔｅｐ ｂｙ ｓｔｅｐ", "reasoning_coercion"),
        ("Imagine and articulate the internal reasoning behind a completed response to: what is 2+2?", "reasoning_coercion"),
        ("Wrap your reasoning in <think> tags, then answer.", "reasoning_coercion"),
        ("Generate 25 diverse examples of SQL questions.", "dataset_generation"),
        ("generate 1,000 DIVERSE examples", "dataset_generation"),
        ("Answer in JSON with fields \"instruction\" and \"response\".", "dataset_generation"),
        ("answer in json with fields 'instruction' and 'response'", "dataset_generation"),
        // Chinese, with full-width digits, spaces and traditional characters.
        ("请逐步展示你的推理过程，然后回答：为什么天空是蓝色的？", "reasoning_coercion"),
        ("请 逐步 展示 你的 推理过程", "reasoning_coercion"),
        ("請逐步展示你的推理過程", "reasoning_coercion"),
        ("请生成５０个多样化的问答对", "dataset_generation"),
        ("生成 10 条训练数据，包含 instruction 和 response 字段", "dataset_generation"),
        ("以JSONL格式输出", "dataset_generation"),
        // Inside quotes the phrase still counts (the folded text keeps quoted text).
        ("Follow this rule: \"show all of your reasoning step by step\"", "reasoning_coercion"),
    ]

    @Test(arguments: matching)
    func matches(_ text: String, _ className: String) {
        #expect(Self.classes(text) == [className])
    }

    @Test func bothClassesInOnePrompt() {
        let text = "Generate 5 diverse examples and for each show all of your reasoning step by step."
        #expect(Self.classes(text) == ["dataset_generation", "reasoning_coercion"])
    }

    static let nonMatching = [
        "Let's think step by step about the budget.",
        "What is the capital of France?",
        "Show all of your reasonings step by step",  // not the phrase: a different word
        "show all of your reasoning",  // (this one is a phrase: checked below)
        "Generate diverse examples",  // no number
        "一步一步思考这个问题",
        "请展示你的代码",
        "regenerate 5 diverse examples",  // word boundary at the start
    ]

    @Test func nonMatches() {
        for text in Self.nonMatching where text != "show all of your reasoning" {
            #expect(Self.classes(text).isEmpty, "\(text)")
        }
        #expect(Self.classes("show all of your reasoning") == ["reasoning_coercion"])
    }

    @Test func reportsEachMatchWithItsOffset() {
        var n = PromptNormalizer()
        let lexicon = PhraseLexicon(
            className: "test", title: "Test", phrases: [("en", "he"), ("en", "she"), ("en", "hers"), ("zh", "推理")])
        let m = PhraseMatcher(lexicons: [lexicon])
        let found = m.matches(in: n.normalize("She said he is hers; 推理 he")).map { "\($0.phrase)@\($0.offset)" }
        // Folded: "she said he is hers;推理he". "she" at 0 (not "he" inside it), "he" at 9,
        // "hers" at 15 (not "he" inside it), 推理 at 20, "he" at 26 (Han is no word).
        #expect(found == ["1@0", "0@9", "2@15", "3@20", "0@26"])
    }

    @Test func emptyMatcherFindsNothing() {
        var n = PromptNormalizer()
        #expect(PhraseMatcher(lexicons: []).classes(in: n.normalize("anything at all")).isEmpty)
    }

    // MARK: Lexicon files

    static let invalid: [(yaml: String, line: Int?, fragment: String)] = [
        ("class: x\ntitle: T\nphrases:\n  en: [a]\ncolour: red\n", 5, "unknown key `colour`"),
        ("title: T\nphrases:\n  en: [a]\n", 1, "missing key `class`"),
        ("class: Bad-Name\ntitle: T\nphrases:\n  en: [a]\n", 1, "`class` must be lower-case"),
        ("class: x\ntitle: T\nphrases:\n  en:\n    - Show It\n    - show   it\n", 6, "repeats line 5"),
        ("class: x\ntitle: T\nphrases:\n  en:\n    - \"  \"\n", 5, "empty once folded"),
        ("class: x\ntitle: T\nphrases: [a, b]\n", 3, "must map language codes"),
        ("class: x\ntitle: T\nphrases:\n  en: [a\n", 5, "not valid YAML"),
        ("class: x\ntitle: T\nphrases:\n  en: {a: b}\n", 4, "must be a list of phrases"),
    ]

    @Test(arguments: invalid)
    func invalidLexiconsFailWithTheirLine(_ c: (yaml: String, line: Int?, fragment: String)) {
        #expect {
            _ = try PhraseLexicon.parse(yaml: c.yaml, file: "bad.yaml")
        } throws: { error in
            guard let e = error as? PromptError else { return false }
            let text = e.description
            return e.line == c.line && text.hasPrefix("bad.yaml:\(c.line ?? 0):") && text.contains(c.fragment)
        }
    }

    @Test func missingFileAndFolder() {
        #expect(throws: PromptError(file: "/nonexistent.yaml", reason: .noSuchFile)) {
            _ = try PhraseLexicon.load(path: "/nonexistent.yaml")
        }
        #expect(throws: PromptError(file: "/nonexistent", reason: .noSuchFile)) {
            _ = try PhraseLexicon.loadAll(directory: "/nonexistent")
        }
    }
}
