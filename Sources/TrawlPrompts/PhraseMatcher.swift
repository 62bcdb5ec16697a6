/// A set of lexicon classes, by their index in a ``PhraseMatcher`` (at most 64 classes).
public struct PhraseClassSet: OptionSet, Sendable, Hashable {
    public var rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// The set holding only class `index`.
    public init(index: Int) { rawValue = 1 << UInt64(index) }

    public func contains(index: Int) -> Bool { rawValue & (1 << UInt64(index)) != 0 }
}

/// Finds the phrases of several lexicons in a prompt's folded text in one pass.
///
/// An Aho–Corasick automaton compiled to a dense transition table over byte classes (bytes
/// that occur in no phrase share one class, so the table stays small: states × distinct
/// phrase bytes). Hand-written, rather than one regular expression per phrase, because it
/// runs per prompt on the per-line path: one table lookup per byte whatever the number of
/// phrases, no allocation, no backtracking. Word-boundary checks (``PhraseLexicon``) are
/// done only where a phrase ends.
/// - Complexity: O(n) per text, plus O(matches); building is O(total phrase bytes × classes).
public struct PhraseMatcher: Sendable {
    /// The lexicons, in class-index order.
    public let lexicons: [PhraseLexicon]
    /// Byte → byte class (0: in no phrase).
    let byteClass: [UInt8]
    let classCount: Int
    /// `next[state * classCount + class]`.
    let next: [Int32]
    /// For each state, the start of its list in `outputs` (`outputStart[state + 1]` ends it).
    let outputStart: [Int32]
    /// Phrases (indices into `phrases`) that end at each state, suffixes included.
    let outputs: [Int32]
    /// Every phrase: `lexicon << 16 | phrase`, its length, and whether each end needs a boundary.
    let phrases: [(id: UInt32, length: Int, boundaryBefore: Bool, boundaryAfter: Bool)]

    /// Compiles the lexicons (at most 64, each at most 65,536 phrases).
    public init(lexicons: [PhraseLexicon]) {
        precondition(lexicons.count <= 64, "at most 64 lexicon classes")
        self.lexicons = lexicons
        var byteClass = [UInt8](repeating: 0, count: 256)
        var classes = 1
        for l in lexicons {
            for p in l.phrases {
                for b in p.folded where byteClass[Int(b)] == 0 {
                    byteClass[Int(b)] = UInt8(classes)
                    classes += 1
                }
            }
        }
        precondition(classes <= 256)
        // The trie.
        var children: [[UInt8: Int32]] = [[:]]
        var ends: [[Int32]] = [[]]
        var phrases: [(id: UInt32, length: Int, boundaryBefore: Bool, boundaryAfter: Bool)] = []
        for (li, l) in lexicons.enumerated() {
            precondition(l.phrases.count <= 1 << 16, "at most 65,536 phrases per lexicon")
            for (pi, p) in l.phrases.enumerated() where !p.folded.isEmpty {
                var s: Int32 = 0
                for b in p.folded {
                    let c = byteClass[Int(b)]
                    if let t = children[Int(s)][c] {
                        s = t
                    } else {
                        children.append([:])
                        ends.append([])
                        let t = Int32(children.count - 1)
                        children[Int(s)][c] = t
                        s = t
                    }
                }
                ends[Int(s)].append(Int32(phrases.count))
                phrases.append((UInt32(li) << 16 | UInt32(pi), p.folded.count, isWordByte(p.folded.first!), isWordByte(p.folded.last!)))
            }
        }
        // Failure links breadth first, and the dense table.
        let states = children.count
        var table = [Int32](repeating: 0, count: states * classes)
        var fail = [Int32](repeating: 0, count: states)
        var order: [Int32] = []
        for c in 1..<classes {
            if let t = children[0][UInt8(c)] {
                table[c] = t
                order.append(t)
            }
        }
        var head = 0
        while head < order.count {
            let s = Int(order[head])
            head += 1
            ends[s] += ends[Int(fail[s])]
            for c in 1..<classes {
                let viaFail = table[Int(fail[s]) * classes + c]
                if let t = children[s][UInt8(c)] {
                    fail[Int(t)] = viaFail
                    table[s * classes + c] = t
                    order.append(t)
                } else {
                    table[s * classes + c] = viaFail
                }
            }
        }
        var starts: [Int32] = [0]
        var flat: [Int32] = []
        for e in ends {
            flat += e
            starts.append(Int32(flat.count))
        }
        self.byteClass = byteClass
        self.classCount = classes
        self.next = table
        self.outputStart = starts
        self.outputs = flat
        self.phrases = phrases
    }

    /// The class names, by index.
    public var classNames: [String] { lexicons.map(\.className) }

    /// The index of a class by name.
    public func index(of className: String) -> Int? { lexicons.firstIndex { $0.className == className } }

    /// The classes with at least one phrase in the folded text.
    public func classes(in skeleton: PromptSkeleton) -> PhraseClassSet {
        skeleton.folded.withUnsafeBytes { classes(inFolded: $0) }
    }

    /// The classes with at least one phrase in folded text (``PromptSkeleton/folded``).
    public func classes(inFolded text: UnsafeRawBufferPointer) -> PhraseClassSet {
        var found: UInt64 = 0
        scan(text) { id, _ in
            found |= 1 << UInt64(id >> 16)
            return true
        }
        return PhraseClassSet(rawValue: found)
    }

    /// Every match in the folded text: lexicon index, phrase index, and byte offset of its start.
    public func matches(in skeleton: PromptSkeleton) -> [(lexicon: Int, phrase: Int, offset: Int)] {
        var out: [(Int, Int, Int)] = []
        skeleton.folded.withUnsafeBytes { text in
            scan(text) { id, start in
                out.append((Int(id >> 16), Int(id & 0xFFFF), start))
                return true
            }
        }
        return out
    }

    /// Runs the automaton; `found(phrase, start)` for each match at word boundaries.
    @inline(__always) func scan(_ text: UnsafeRawBufferPointer, _ found: (UInt32, Int) -> Bool) {
        let n = text.count
        let classes = classCount
        byteClass.withUnsafeBufferPointer { cls in
            next.withUnsafeBufferPointer { table in
                outputStart.withUnsafeBufferPointer { starts in
                    var s = 0
                    for i in 0..<n {
                        s = Int(table[s * classes + Int(cls[Int(text[i])])])
                        let lo = Int(starts[s]), hi = Int(starts[s + 1])
                        guard lo < hi else { continue }
                        for k in lo..<hi {
                            let p = phrases[Int(outputs[k])]
                            let start = i + 1 - p.length
                            if p.boundaryBefore && start > 0 && isWordByte(text[start - 1]) { continue }
                            if p.boundaryAfter && i + 1 < n && isWordByte(text[i + 1]) { continue }
                            if !found(p.id, start) { return }
                        }
                    }
                }
            }
        }
    }
}
