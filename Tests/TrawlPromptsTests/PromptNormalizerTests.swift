import Testing
import TrawlModel

@testable import TrawlPrompts

struct PromptNormalizerTests {
    /// Prompt → skeleton, in English and Chinese (and a little of everything else).
    static let skeletons: [(String, String)] = [
        // Case and whitespace.
        ("  Write a POEM\tabout\n\n the sea  ", "write a poem about the sea"),
        ("Explain , briefly .", "explain, briefly."),
        ("( see below )", "(see below)"),
        // Numbers.
        ("Generate 5 diverse examples", "generate <num> diverse examples"),
        ("Pay 3.14 or 1,000 or 2026-11-21 by the 3rd, 10k runs", "pay <num> or <num> or <num> by the <num>, <num> runs"),
        ("-5 degrees", "-<num> degrees"),
        // Quotes, not apostrophes.
        ("Summarize \"The Old Man and the Sea\" in 3 sentences.", "summarize <str> in <num> sentences."),
        ("Translate 'good morning' to French, don't explain.", "translate <str> to french, don't explain."),
        ("the students' books and the teachers' desks", "the students' books and the teachers' desks"),
        ("Say “hello” and «bonjour»", "say <str> and <str>"),
        ("an \"unclosed quote stays", "an \"unclosed quote stays"),
        // Code.
        ("Fix this:\n```python\nprint(1)\n```\nthanks", "fix this: <code> thanks"),
        ("Call `foo()` twice", "call <code> twice"),
        ("An open fence ```\nfn main() {}", "an open fence <code>"),
        // URLs and e-mails.
        ("Read https://example.com/a?b=1. Then www.test.org/x, ok", "read <url>. then <url>, ok"),
        ("Mail Jane.Doe+ai@Example.co.uk today", "mail <email> today"),
        ("not@an-address and a@b", "not@an-address and a@b"),
        // Identifiers.
        ("Rename user_id to userId in getUserName", "rename <id> to <id> in <id>"),
        ("Order 550e8400-e29b-41d4-a716-446655440000 hash deadbeef12 and gpt4", "order <id> hash <id> and <id>"),
        ("Use os.path.join in main.py, e.g. here", "use <id> in <id>, e.g. here"),
        ("JSON and ChatGPT", "json and <id>"),
        // Other scripts: case folding beyond ASCII.
        ("ÉCRIS un Poème sur la MER", "écris un poème sur la mer"),
        ("ΟΔΥΣΣΕΥΣ", "οδυσσευσ"),
        ("Напиши РАССКАЗ", "напиши рассказ"),
        // Chinese: no spaces around Han, numbers and quotes as placeholders, widths folded.
        ("请逐步展示你的推理过程", "请逐步展示你的推理过程"),
        ("请用５个例子解释“量子纠缠”。", "请用<num>个例子解释<str>."),
        ("生成 10 个 多样化的 例子", "生成<num>个多样化的例子"),
        ("写一篇关于《红楼梦》的读后感，字数３００字", "写一篇关于<str>的读后感,字数<num>字"),
        ("用 Python 写一个「快速排序」", "用python写一个<str>"),
        ("ＡＢＣ　ｄｅｆ", "abc def"),
        ("請用JSON格式回答", "請用json格式回答"),
        // Japanese and Korean.
        ("ステップバイステップで考えて", "ステップバイステップで考えて"),
        ("단계별로 설명해 주세요", "단계별로 설명해 주세요"),
        // Zero-width and control characters.
        ("step\u{200B}by\u{00A0}step\u{0007}now", "stepby step now"),
        ("", ""),
    ]

    @Test(arguments: skeletons)
    func skeleton(_ input: String, _ expected: String) {
        var normalizer = PromptNormalizer()
        #expect(normalizer.normalize(input).text == expected)
    }

    /// Folded text: the same folding, numbers as `<num>`, quotes opened up.
    static let foldedCases: [(String, String)] = [
        ("Answer in JSON with fields \"instruction\" and \"response\"", "answer in json with fields instruction and response"),
        ("Generate 25 DIVERSE   examples", "generate <num> diverse examples"),
        ("请以ＪＳＯＮ格式输出「10」条", "请以json格式输出<num>条"),
        ("See `show_all` at https://x.io", "see show_all at <url>"),
    ]

    @Test(arguments: foldedCases)
    func folded(_ input: String, _ expected: String) {
        var normalizer = PromptNormalizer()
        #expect(normalizer.normalize(input).foldedText == expected)
    }

    @Test func tokensSplitWordsAndHanCharacters() {
        var normalizer = PromptNormalizer()
        let s = normalizer.normalize("Write 3 诗歌 now")
        #expect(s.tokens.map(\.isCJK) == [false, false, true, true, false])
        #expect(s.tokens[1].hash == Placeholder.hashes[Placeholder.num.rawValue])
        #expect(s.tokens[0].hash == stableHashOf("write"))
    }

    @Test func reusedNormalizerGivesTheSameResult() {
        var normalizer = PromptNormalizer()
        var skeleton = PromptSkeleton()
        normalizer.normalize("A much longer prompt with \"quotes\" and `code` and 42 numbers", into: &skeleton)
        normalizer.normalize("Short 1", into: &skeleton)
        var fresh = PromptNormalizer()
        #expect(skeleton == fresh.normalize("Short 1"))
        #expect(skeleton.text == "short <num>")
    }

    @Test func invalidUTF8BecomesReplacementCharacters() {
        var normalizer = PromptNormalizer()
        var skeleton = PromptSkeleton()
        let bytes: [UInt8] = [0x41, 0xFF, 0x42, 0xE4, 0xB8]
        bytes.withUnsafeBytes { normalizer.normalize(utf8: $0, into: &skeleton) }
        #expect(skeleton.text == "a\u{FFFD}b\u{FFFD}\u{FFFD}")
    }

    /// Placeholders longer than what they replace: the output buffers must hold the worst case.
    @Test func placeholdersLongerThanTheirTextFit() {
        var normalizer = PromptNormalizer()
        #expect(
            normalizer.normalize(String(repeating: "1 ", count: 3000)).text == Array(repeating: "<num>", count: 3000).joined(separator: " ")
        )
        #expect(normalizer.normalize(String(repeating: "1(", count: 3000)).text == String(repeating: "<num>(", count: 3000))
        #expect(
            normalizer.normalize(String(repeating: "`` ", count: 3000)).text
                == Array(repeating: "<code>", count: 3000).joined(separator: " "))
        #expect(normalizer.normalize(String(repeating: "1", count: 1)).text == "<num>")
        #expect(normalizer.normalize(String(repeating: "Ⱥ", count: 3000)).folded.count == 9000)
    }

    /// Openers without closers stay punctuation and the words after them are still read
    /// (the closer searches remember where no closer is, so this stays linear).
    @Test func unmatchedOpenersArePunctuation() {
        var normalizer = PromptNormalizer()
        let text = String(repeating: "a 「b 《c 'd ", count: 5_000)
        let s = normalizer.normalize(text)
        #expect(s.tokens.count == 20_000)
        #expect(s.text.hasPrefix("a 「b 《c 'd a 「b"))
    }
}

func stableHashOf(_ s: String) -> UInt64 {
    Array(s.utf8).withUnsafeBytes { stableHash($0) }
}
