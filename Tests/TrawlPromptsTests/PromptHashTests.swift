import Testing
import TrawlModel

@testable import TrawlPrompts

struct PromptHashTests {
    static let members = ParaphraseFamilies.generate(perFamily: 24)
    static let fingerprints: [PromptFingerprint] = {
        var f = PromptFingerprinter()
        return members.map { f.fingerprint($0.prompt) }
    }()

    static func percentile(_ values: [Int], _ p: Double) -> Int {
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * p))]
    }

    /// Distances within and between families, over every pair.
    static let distances: (within: [Int], between: [Int]) = {
        var within: [Int] = [], between: [Int] = []
        for i in 0..<members.count {
            for j in (i + 1)..<members.count {
                let d = fingerprints[i].simHash.distance(to: fingerprints[j].simHash)
                if members[i].family == members[j].family { within.append(d) } else { between.append(d) }
            }
        }
        return (within, between)
    }()

    /// On this set (12 families, 24 members each, 4 filled slots and a synonym or two per
    /// member): within families median 13 bits, 95th percentile 22; between families 1st
    /// percentile 24, 5th 26, median 32. A shingle changed moves the SimHash by the angle
    /// between the shingle-count vectors (`d/64 ≈ θ/π`), so half the shingles changed is
    /// already about 20 bits: separation, not near-identity, is what holds.
    @Test func simHashSeparatesParaphraseFamiliesFromUnrelatedPrompts() {
        let (within, between) = Self.distances
        #expect(Self.percentile(within, 0.95) < Self.percentile(between, 0.05))
        #expect(Self.percentile(within, 0.5) + 8 <= Self.percentile(between, 0.01))
        #expect(Double(within.reduce(0, +)) / Double(within.count) < 15)
        #expect(Double(between.reduce(0, +)) / Double(between.count) > 30)
    }

    @Test(arguments: 0..<ParaphraseFamilies.families.count)
    func eachFamilyIsTighterThanItsDistanceToOthers(_ family: Int) {
        var within: [Int] = [], between: [Int] = []
        for i in Self.members.indices where Self.members[i].family == family {
            for j in Self.members.indices where j != i {
                let d = Self.fingerprints[i].simHash.distance(to: Self.fingerprints[j].simHash)
                if Self.members[j].family == family { within.append(d) } else { between.append(d) }
            }
        }
        #expect(Self.percentile(within, 0.5) < Self.percentile(between, 0.01))
        #expect(Self.percentile(within, 0.75) < Self.percentile(between, 0.05))
    }

    @Test func identicalSkeletonsHashAlike() {
        var f = PromptFingerprinter()
        let a = f.fingerprint("Generate 10 diverse examples of \"SQL\" at https://a.example/x")
        let b = f.fingerprint("  GENERATE 250 diverse   examples of 'poems' at http://b.example ")
        #expect(a == b)
        #expect(a.shingleCount == 6)
        let c = f.fingerprint("Generate 10 diverse samples of \"SQL\" at https://a.example/x")
        #expect(c.skeletonHash != a.skeletonHash)
        #expect(c.simHash.distance(to: a.simHash) > 0)
    }

    @Test func emptyAndPunctuationOnlyPromptsHaveNoShingles() {
        var f = PromptFingerprinter()
        for text in ["", "   ", "?!…", "—"] {
            let p = f.fingerprint(text)
            #expect(p.shingleCount == 0)
            #expect(p.simHash == SimHash(0))
            #expect(p.minHash.isEmpty)
        }
        #expect(f.fingerprint("hi").shingleCount == 1)
    }

    /// The hashes are pinned: they must not change between runs, machines or releases,
    /// since logs carry `prompt_simhash` and stored states carry signatures.
    @Test func hashesArePinned() {
        var f = PromptFingerprinter()
        let p = f.fingerprint("Show all of your reasoning step by step.")
        #expect(p.skeletonHash == 0xdadc_20fd_ec95_4dbb)
        #expect(p.simHash.hex == "160c166ad8849e85")
        #expect(p.minHash.values.first == 0x80c9_e46b_b312_0a54)
        #expect(p.shingleCount == 6)
    }

    @Test func shinglesFollowTheDocumentedDefinition() {
        var n = PromptNormalizer()
        let s = n.normalize("a b c 你好吗")
        let t = s.tokens.map(\.hash)
        func chain(_ xs: [UInt64]) -> UInt64 { xs.reduce(UInt64(xs.count)) { mix64($0 ^ $1) } }
        // a b c | b c 你 | c 你 好 | 你好 | 好吗 (吗 alone is too short).
        let expected = [
            chain([t[0], t[1], t[2]]), chain([t[1], t[2], t[3]]), chain([t[2], t[3], t[4]]), chain([t[3], t[4]]),
            chain([t[4], t[5]]),
        ]
        #expect(PromptShingler.shingles(of: s.tokens) == expected)
        #expect(PromptShingler.shingles(of: n.normalize("two words").tokens).count == 1)
    }

    /// The vectorised SimHash agrees with a plain per-bit count.
    @Test func simHashMatchesAPlainBitCount() {
        var r = ParaphraseFamilies.Random(state: 7)
        for size in [1, 2, 3, 10, 101, 1000] {
            let shingles = (0..<size).map { _ in r.next() }
            var v: UInt64 = 0
            for bit in 0..<64 {
                let ones = shingles.filter { (mix64($0 ^ SimHash.seed) >> UInt64(bit)) & 1 == 1 }.count
                if 2 * ones > size { v |= 1 << UInt64(bit) }
            }
            #expect(SimHash(shingles: shingles).value == v)
        }
    }

    @Test func simHashHexRoundTrips() {
        let h = SimHash(0x0123_4567_89ab_cdef)
        #expect(h.hex == "0123456789abcdef")
        #expect(SimHash(hex: "0123456789ABCDEF") == h)
        #expect(SimHash(hex: "0123456789abcde") == nil)
        #expect(SimHash(hex: "0123456789abcdeg") == nil)
        #expect(SimHash(0xFF).distance(to: SimHash(0x0F)) == 4)
    }

    // MARK: MinHash

    /// Two sets of `size` shingles sharing `shared` of them.
    static func sets(size: Int, shared: Int, _ r: inout ParaphraseFamilies.Random) -> ([UInt64], [UInt64]) {
        let common = (0..<shared).map { _ in r.next() }
        let a = common + (0..<(size - shared)).map { _ in r.next() }
        let b = common + (0..<(size - shared)).map { _ in r.next() }
        return (a, b)
    }

    @Test func minHashEstimatesJaccardWithinItsError() {
        var r = ParaphraseFamilies.Random(state: 11)
        var errors: [Double] = []
        for trial in 0..<200 {
            let size = 200 + trial % 5 * 150
            let shared = Int(r.next() % UInt64(size + 1))
            let (a, b) = Self.sets(size: size, shared: shared, &r)
            let exact = Double(shared) / Double(2 * size - shared)
            let estimate = MinHashSignature(shingles: a).jaccard(MinHashSignature(shingles: b))
            let sigma = (exact * (1 - exact) / 64).squareRoot()
            #expect(abs(estimate - exact) <= 4 * sigma + 0.02, "J = \(exact), estimate \(estimate)")
            errors.append(abs(estimate - exact))
        }
        // Mean absolute error of an unbiased estimate with k = 64 is about 0.04 at most.
        #expect(errors.reduce(0, +) / Double(errors.count) < 0.045)
    }

    @Test func smallSetsGiveTheExactJaccard() {
        let a: [UInt64] = [1, 2, 3, 4, 5, 6], b: [UInt64] = [4, 5, 6, 7, 8, 8]
        let sa = MinHashSignature(shingles: a), sb = MinHashSignature(shingles: b)
        #expect(sa.isExact && sb.isExact)
        #expect(sb.values.count == 5)
        #expect(sa.jaccard(sb) == 3.0 / 8.0)
        #expect(sa.jaccard(sa) == 1)
        #expect(MinHashSignature().jaccard(MinHashSignature()) == 1)
        #expect(sa.jaccard(MinHashSignature()) == 0)
    }

    @Test func minHashOfPromptsTracksTheExactShingleJaccard() {
        var f = PromptFingerprinter(minHashSize: 16)
        var n = PromptNormalizer()
        var worst = 0.0
        for i in stride(from: 0, to: Self.members.count - 1, by: 7) {
            let j = (i * 31 + 5) % Self.members.count
            let sa = Set(PromptShingler.shingles(of: n.normalize(Self.members[i].prompt).tokens))
            let sb = Set(PromptShingler.shingles(of: n.normalize(Self.members[j].prompt).tokens))
            let exact = Double(sa.intersection(sb).count) / Double(sa.union(sb).count)
            let estimate = f.fingerprint(Self.members[i].prompt).minHash.jaccard(f.fingerprint(Self.members[j].prompt).minHash)
            worst = max(worst, abs(estimate - exact) - 4 * (exact * (1 - exact) / 16).squareRoot())
        }
        #expect(worst <= 0.05)
    }

    @Test func mergedSignatureIsTheSignatureOfTheUnion() {
        var r = ParaphraseFamilies.Random(state: 3)
        let a = (0..<300).map { _ in r.next() }, b = (0..<50).map { _ in r.next() } + a.prefix(100)
        var merged = MinHashSignature(shingles: a)
        merged.merge(MinHashSignature(shingles: b))
        #expect(merged == MinHashSignature(shingles: a + b))
        var small = MinHashSignature(shingles: [5, 9])
        small.merge(MinHashSignature(shingles: [9, 12]))
        #expect(small == MinHashSignature(shingles: [5, 9, 12]))
    }

    // MARK: LSH

    @Test func collisionProbabilityFollowsTheBandingFormula() {
        let b = LSHBander(bands: 8, rows: 4)
        #expect(abs(b.collisionProbability(0.8) - (1 - pow8(1 - 0.8 * 0.8 * 0.8 * 0.8))) < 1e-12)
        #expect(b.collisionProbability(1) == 1)
        #expect(b.collisionProbability(0) == 0)
    }

    /// Pairs a few bits apart share a band; unrelated pairs almost never do. Per pair, members
    /// of a family 13 bits apart share one only now and then, but two halves of a family (two
    /// accounts using one template) always do, and halves of different families rarely.
    @Test func simHashBandsGroupFamiliesAndKeepUnrelatedApart() {
        let bander = LSHBander.simHashDefault
        let keys = Self.fingerprints.map { Set(bander.keys($0.simHash)) }
        var near = 0, nearShared = 0, between = 0, betweenShared = 0
        for i in 0..<keys.count {
            for j in (i + 1)..<keys.count {
                let shared = !keys[i].isDisjoint(with: keys[j])
                if Self.fingerprints[i].simHash.distance(to: Self.fingerprints[j].simHash) <= 6 {
                    near += 1
                    if shared { nearShared += 1 }
                }
                if Self.members[i].family != Self.members[j].family {
                    between += 1
                    if shared { betweenShared += 1 }
                }
            }
        }
        #expect(near > 50)
        #expect(Double(nearShared) / Double(near) >= 0.6)
        #expect(Double(betweenShared) / Double(between) < 0.001)
        // Halves: members 0..<12 and 12..<24 of each family.
        func half(_ family: Int, _ second: Bool) -> Set<UInt64> {
            let start = family * 24 + (second ? 12 : 0)
            return keys[start..<(start + 12)].reduce(into: Set<UInt64>()) { $0.formUnion($1) }
        }
        let families = ParaphraseFamilies.families.count
        var unrelatedShared = 0
        for f in 0..<families {
            #expect(!half(f, false).isDisjoint(with: half(f, true)), "family \(f)")
            for g in 0..<families where g != f && !half(f, false).isDisjoint(with: half(g, true)) { unrelatedShared += 1 }
        }
        #expect(unrelatedShared <= 3)
        #expect(keys[0].count == 4)
    }

    @Test func minHashBandsMatchSetsByJaccard() {
        let bander = LSHBander.minHashDefault
        var r = ParaphraseFamilies.Random(state: 5)
        var close = 0, far = 0
        for _ in 0..<100 {
            let (a, b) = Self.sets(size: 40, shared: 36, &r)  // J = 0.82
            if !Set(bander.keys(MinHashSignature(shingles: a))).isDisjoint(with: bander.keys(MinHashSignature(shingles: b))) {
                close += 1
            }
            let (c, d) = Self.sets(size: 40, shared: 8, &r)  // J = 0.11
            if !Set(bander.keys(MinHashSignature(shingles: c))).isDisjoint(with: bander.keys(MinHashSignature(shingles: d))) {
                far += 1
            }
        }
        #expect(close >= 90)
        #expect(far <= 5)
        let sig = MinHashSignature(shingles: [1, 2, 3])
        #expect(bander.keys(sig) == bander.keys(MinHashSignature(shingles: [3, 2, 1, 1])))
        #expect(bander.keys(sig).count == 8)
        #expect(bander.keys(MinHashSignature()).isEmpty)
    }
}

private func pow8(_ x: Double) -> Double {
    var p = 1.0
    for _ in 0..<8 { p *= x }
    return p
}
