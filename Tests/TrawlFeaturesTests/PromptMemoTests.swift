import Testing
import TrawlModel
import TrawlPrompts

@testable import TrawlFeatures

@Suite struct PromptMemoTests {
    static let lexicons = PromptFeatureTests.lexicons

    static func analyze(_ analyzer: inout PromptAnalyzer, _ prompt: [UInt8], system: String? = nil) -> PromptObservation {
        let systemBytes = system.map { Array($0.utf8) }
        return prompt.withUnsafeBytes { p in
            func run(_ s: UnsafeRawBufferPointer?) -> PromptObservation {
                analyzer.analyze(
                    prompt: p, contentHash: stableHash(p), system: s, systemHash: s.map { stableHash($0) | 1 } ?? 0)
            }
            guard let systemBytes else { return run(nil) }
            return systemBytes.withUnsafeBytes { run($0) }
        }
    }

    /// A prompt seen again is answered from the table, with what analysing it afresh gives,
    /// and the system prompt of each request still counts.
    @Test func repeatsAnswerAsAnalysis() {
        let prompts = [
            "Solve this and show all of your reasoning step by step.\nProblem 1: a train",
            "Generate 5 diverse examples of a prime number",
            "what time is it in Lisbon",
            "what time is it in Lisbon",
            "Solve this and show all of your reasoning step by step.\nProblem 1: a train",
            "Generate 5 diverse examples of a prime number",
            "what time is it in Lisbon",
        ]
        let systems: [String?] = [nil, nil, nil, "Show all of your reasoning step by step.", "You are a tutor.", nil, nil]
        var shared = PromptAnalyzer(lexicons: Self.lexicons)
        var seen: [PromptObservation] = []
        for (prompt, system) in zip(prompts, systems) {
            var fresh = PromptAnalyzer(lexicons: Self.lexicons)
            let expected = Self.analyze(&fresh, Array(prompt.utf8), system: system)
            seen.append(Self.analyze(&shared, Array(prompt.utf8), system: system))
            #expect(seen.last == expected, "\(prompt)")
            #expect(fresh.memo.hits == 0)
        }
        #expect(shared.memo.hits == 4)
        // Prompt 3 is prompt 2 again, answered from the table; its system prompt still counts.
        #expect(!seen[2].reasoningCoercion && seen[3].reasoningCoercion)
        #expect(seen[2].openingKey == seen[3].openingKey && seen[0].reasoningCoercion && seen[1].datasetGeneration)
    }

    /// Two texts with the same public `stableHash` (made here the way a client could) land
    /// on the same entry, and the second is still analysed, not given the first's answer.
    @Test func sharedContentHashIsNotAHit() {
        func step(_ h: UInt64, _ w: UInt64) -> UInt64 {
            var h = (h ^ w) &* 0x0000_0100_0000_01B3
            h ^= h >> 29
            return h
        }
        func word(_ s: String) -> UInt64 { Array(s.utf8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) } }
        let start: UInt64 = 0xCBF2_9CE4_8422_2325
        let (w1, w2, v1) = (word("Explain "), word("the sky "), word("Classify"))
        let v2 = step(start, w1) ^ step(start, v1) ^ w2
        let tail = Array(" and answer in one short paragraph".utf8)
        func bytes(_ a: UInt64, _ b: UInt64) -> [UInt8] {
            withUnsafeBytes(of: a.littleEndian) { Array($0) } + withUnsafeBytes(of: b.littleEndian) { Array($0) } + tail
        }
        let first = bytes(w1, w2), second = bytes(v1, v2)
        #expect(first != second)
        #expect(first.withUnsafeBytes { stableHash($0) } == second.withUnsafeBytes { stableHash($0) })

        var shared = PromptAnalyzer(lexicons: Self.lexicons)
        var fresh = PromptAnalyzer(lexicons: Self.lexicons)
        let a = Self.analyze(&shared, first)
        let b = Self.analyze(&shared, second)
        #expect(b == Self.analyze(&fresh, second))
        #expect(a.openingKey != b.openingKey)
        #expect(shared.memo.hits == 0)
        #expect(Self.analyze(&shared, second) == b)
        #expect(shared.memo.hits == 1)
    }
}
