import TrawlModel

/// The placeholders of a skeleton (see ``PromptSkeleton``).
enum Placeholder: Int {
    case num, str, code, url, email, id

    static let bytes: [[UInt8]] = ["<num>", "<str>", "<code>", "<url>", "<email>", "<id>"].map { Array($0.utf8) }
    static let hashes: [UInt64] = bytes.map { b in b.withUnsafeBytes { stableHash($0) } }
}

/// Pass 2 of ``PromptNormalizer``: reads width-folded text (valid UTF-8, whitespace already
/// one space or one newline) and writes the skeleton, the folded text and the tokens.
struct SkeletonScanner {
    /// One output text and what was last written to it, for the spacing rules. Writes go
    /// to a buffer the normaliser sized (``capacity(for:)``), not through `Array.append`,
    /// whose uniqueness checks per byte cost a third of the scan.
    struct Output {
        enum Kind { case none, word, cjk, open, close, other }
        let base: UnsafeMutablePointer<UInt8>
        let capacity: Int
        var count = 0
        var last = Kind.none
        var pending = false

        init(_ buffer: UnsafeMutableBufferPointer<UInt8>) {
            base = buffer.baseAddress!
            capacity = buffer.count
        }

        /// Bytes an output of `n` width-folded input bytes may need: a placeholder is at most
        /// five bytes for each byte it replaces (`1` → `<num>`), plus the space before it.
        static func capacity(for n: Int) -> Int { 6 * n + 16 }

        @inline(__always) mutating func append(_ b: UInt8) {
            precondition(count < capacity)
            base[count] = b
            count += 1
        }

        @inline(__always) mutating func append(_ bytes: [UInt8]) {
            for b in bytes { append(b) }
        }

        /// Writes the space a pending whitespace run stands for, if `kind` wants one.
        @inline(__always) mutating func put(_ kind: Kind) {
            if pending {
                if last != .none && last != .cjk && last != .open && kind != .cjk && kind != .close { append(32) }
                pending = false
            }
            last = kind
        }
    }

    /// Quote and code kinds, for the memo of closer searches.
    enum Quote: Int { case fenceBacktick, fenceTilde, inline, double, single, corner, whiteCorner, book }

    let t: UnsafeBufferPointer<UInt8>
    let n: Int
    let table: UnsafeBufferPointer<UInt32>
    let placeholderBytes = Placeholder.bytes
    let placeholderHashes = Placeholder.hashes
    var sk: Output
    var fo: Output
    var tokens: [PromptToken] = []
    /// No e-mail starts before this offset (a local part scanned from earlier found no `@`).
    var emailFailUntil = 0
    /// Per quote kind: no closer lies in `memoFrom ..< memoTo`.
    var memoFrom = SIMD8<Int>(repeating: -1)
    var memoTo = SIMD8<Int>(repeating: -1)

    init(
        text: UnsafeBufferPointer<UInt8>, table: UnsafeBufferPointer<UInt32>, skeleton: UnsafeMutableBufferPointer<UInt8>,
        folded: UnsafeMutableBufferPointer<UInt8>
    ) {
        t = text
        n = text.count
        self.table = table
        sk = Output(skeleton)
        fo = Output(folded)
    }

    /// Scans `start ..< end`; with `on` false (inside quotes or code) only the folded text is written.
    mutating func scan(_ start: Int, _ end: Int, on: Bool) {
        var i = start
        while i < end {
            let b = t[i]
            if b == 32 || b == 10 {
                if on { sk.pending = true }
                fo.pending = true
                i += 1
                continue
            }
            if b < 0x80 {
                if isWordByte(b) {
                    i = word(i, end, on: on)
                    continue
                }
                switch b {
                case 96, 126:  // ` ~
                    let fence = i + 2 < end && t[i + 1] == b && t[i + 2] == b
                    if fence {
                        if on {
                            let kind: Quote = b == 96 ? .fenceBacktick : .fenceTilde
                            let close = findCloser(kind, from: i + 3, cap: Int.max, sameLine: false) ?? end
                            placeholder(.code)
                            scan(i + 3, close, on: false)
                            i = min(close + 3, end)
                        } else {
                            i += 3
                        }
                        continue
                    }
                    if b == 96 {
                        if on, let close = findCloser(.inline, from: i + 1, cap: 1024, sameLine: true) {
                            placeholder(.code)
                            scan(i + 1, close, on: false)
                            i = close + 1
                        } else {
                            if on { punct(i, 1, .other) }
                            i += 1
                        }
                        continue
                    }
                    punct(i, 1, .other, on: on)
                    i += 1
                case 34:  // "
                    if on, let close = findCloser(.double, from: i + 1, cap: 4096, sameLine: false) {
                        placeholder(.str)
                        scan(i + 1, close, on: false)
                        i = close + 1
                    } else {
                        if on { punct(i, 1, .other) }
                        i += 1
                    }
                case 39:  // '
                    let opens = (i == start || !isWordByte(t[i - 1])) && i + 1 < end && t[i + 1] != 32 && t[i + 1] != 10
                    if on && opens, let close = findCloser(.single, from: i + 1, cap: 512, sameLine: true) {
                        placeholder(.str)
                        scan(i + 1, close, on: false)
                        i = close + 1
                    } else {
                        if on { punct(i, 1, .other) }
                        i += 1
                    }
                case 40, 91, 123:  // ( [ {
                    punct(i, 1, .open, on: on)
                    i += 1
                case 44, 46, 59, 58, 33, 63, 41, 93, 125, 37:  // , . ; : ! ? ) ] } %
                    punct(i, 1, .close, on: on)
                    i += 1
                default:
                    punct(i, 1, .other, on: on)
                    i += 1
                }
                continue
            }
            let (v, len) = decodeValid(t, i)
            if ScalarClass.isCJK(v) {
                if on {
                    sk.put(.cjk)
                    let from = sk.count
                    for k in i..<(i + len) { sk.append(t[k]) }
                    tokens.append(PromptToken(hash: hashOfOutput(from), isCJK: true))
                }
                fo.put(.cjk)
                for k in i..<(i + len) { fo.append(t[k]) }
                i += len
                continue
            }
            let quote: Quote? =
                switch v {
                case 0x300C: .corner
                case 0x300E: .whiteCorner
                case 0x300A: .book
                default: nil
                }
            if let quote {
                if on, let close = findCloser(quote, from: i + 3, cap: 4096, sameLine: false) {
                    placeholder(.str)
                    scan(i + 3, close, on: false)
                    i = close + 3
                } else {
                    if on { punct(i, 3, .other) }
                    i += 3
                }
                continue
            }
            if v == 0x300D || v == 0x300F || v == 0x300B {  // an unmatched closing bracket: a quote mark
                if on { punct(i, 3, .other) }
                i += 3
                continue
            }
            if ScalarClass.isLetter(v, table) {
                i = word(i, end, on: on)
                continue
            }
            punct(i, len, .other, on: on)
            i += len
        }
    }

    /// Copies punctuation to the skeleton (if `on`) and the folded text.
    @inline(__always) mutating func punct(_ i: Int, _ len: Int, _ kind: Output.Kind, on: Bool) {
        if on { punct(i, len, kind) }
        fo.put(kind)
        for k in i..<(i + len) { fo.append(t[k]) }
    }

    /// Copies punctuation (or a quote mark) to the skeleton only.
    @inline(__always) mutating func punct(_ i: Int, _ len: Int, _ kind: Output.Kind) {
        sk.put(kind)
        for k in i..<(i + len) { sk.append(t[k]) }
    }

    /// Writes a placeholder into the skeleton, as a token.
    @inline(__always) mutating func placeholder(_ p: Placeholder) {
        sk.put(.word)
        sk.append(placeholderBytes[p.rawValue])
        tokens.append(PromptToken(hash: placeholderHashes[p.rawValue], isCJK: false))
    }

    @inline(__always) func hashOfOutput(_ from: Int) -> UInt64 {
        stableHash(UnsafeRawBufferPointer(start: sk.base + from, count: sk.count - from))
    }

    /// The offset of the closer of `kind` at or after `from`, or nil.
    mutating func findCloser(_ kind: Quote, from: Int, cap: Int, sameLine: Bool) -> Int? {
        let q = kind.rawValue
        let limit = cap >= n - from ? n : from + cap
        var k = from
        if memoFrom[q] <= from && from < memoTo[q] { k = memoTo[q] }
        while k < limit {
            let c = t[k]
            if sameLine && c == 10 { break }
            switch kind {
            case .fenceBacktick, .fenceTilde:
                let f: UInt8 = kind == .fenceBacktick ? 96 : 126
                if c == f && k + 2 < n && t[k + 1] == f && t[k + 2] == f { return k }
            case .inline:
                if c == 96 { return k }
            case .double:
                if c == 34 { return k }
            case .single:
                if c == 39 && t[k - 1] != 32 && t[k - 1] != 10 && (k + 1 >= n || !isWordByte(t[k + 1])) { return k }
            case .corner, .whiteCorner, .book:
                // 」 E3 80 8D, 』 E3 80 8F, 》 E3 80 8B
                let last: UInt8 = kind == .corner ? 0x8D : kind == .whiteCorner ? 0x8F : 0x8B
                if c == 0xE3 && k + 2 < n && t[k + 1] == 0x80 && t[k + 2] == last { return k }
            }
            k += 1
        }
        memoFrom[q] = from
        memoTo[q] = k
        return nil
    }

    /// Reads the word, number, identifier, URL or e-mail starting at `i`; returns where it ends.
    mutating func word(_ i: Int, _ end: Int, on: Bool) -> Int {
        if let e = url(i, end) {
            emit(.url, on: on)
            return e
        }
        if i >= emailFailUntil, t[i] < 0x80, let e = email(i, end) {
            emit(.email, on: on)
            return e
        }
        if let e = uuid(i, end) {
            emitFolded(i, e, as: .id, on: on)
            return e
        }
        // The run: word characters, with `.` between word characters, `'` between letters,
        // and `,` (thousands) and `-` (dates, ranges) between digits.
        var j = i
        var letters = 0, digits = 0, dots = 0, segment = 0, maxSegment = 0
        var nonASCII = false, underscore = false, camel = false, digitAfterLetter = false, allHex = true
        var prevLower = false, prevLetter = false, prevDigit = false
        let startsDigit = (t[i] &- 48) < 10
        while j < end {
            let c = t[j]
            if c < 0x80 {
                if isASCIIAlnum(c) {
                    if (c &- 48) < 10 {
                        digits += 1
                        if letters > 0 || nonASCII { digitAfterLetter = true }
                        prevDigit = true
                        prevLetter = false
                        prevLower = false
                    } else {
                        letters += 1
                        let upper = c < 97
                        if upper && prevLower { camel = true }
                        prevLower = !upper
                        prevLetter = true
                        prevDigit = false
                        if ((c | 0x20) &- 97) >= 6 { allHex = false }
                    }
                    segment += 1
                    j += 1
                    continue
                }
                let next: UInt8 = j + 1 < end ? t[j + 1] : 0
                if c == 95 {
                    underscore = true
                    allHex = false
                    prevLower = false
                    prevLetter = false
                    prevDigit = false
                    segment += 1
                    j += 1
                    continue
                }
                if c == 46 && (isWordByte(next) || next >= 0x80 && isLetterAt(j + 1)) {
                    dots += 1
                    maxSegment = max(maxSegment, segment)
                    segment = 0
                    allHex = false
                    prevLower = false
                    prevLetter = false
                    prevDigit = false
                    j += 1
                    continue
                }
                if c == 39 && prevLetter && ((next | 0x20) &- 97) < 26 {
                    allHex = false
                    prevLower = false
                    segment += 1
                    j += 1
                    continue
                }
                if prevDigit && letters == 0 && (next &- 48) < 10 {
                    if c == 45 {
                        j += 1
                        continue
                    }
                    if c == 44 && isDigitRun3(j + 1, end) {
                        j += 1
                        continue
                    }
                }
                break
            }
            let (v, len) = decodeValid(t, j)
            guard !ScalarClass.isCJK(v), ScalarClass.isLetter(v, table) else { break }
            nonASCII = true
            allHex = false
            prevLower = false
            prevLetter = true
            prevDigit = false
            segment += 1
            j += len
        }
        maxSegment = max(maxSegment, segment)
        let length = j - i
        let kind: Placeholder?
        if length >= 8 && allHex && digits > 0 && letters > 0 && !nonASCII {
            kind = .id
        } else if startsDigit && !nonASCII && !underscore && !digitAfterLetter && letters <= 3 {
            kind = .num
        } else if underscore || camel || (digits > 0 && (letters > 0 || nonASCII)) || (dots > 0 && maxSegment > 1) {
            kind = .id
        } else {
            kind = nil
        }
        if kind == .num {
            emit(.num, on: on)
        } else {
            emitFolded(i, j, as: kind, on: on)
        }
        return j
    }

    /// Three digits at `k`, not followed by a fourth.
    @inline(__always) func isDigitRun3(_ k: Int, _ end: Int) -> Bool {
        guard k + 2 < end, (t[k] &- 48) < 10, (t[k + 1] &- 48) < 10, (t[k + 2] &- 48) < 10 else { return false }
        return k + 3 >= end || (t[k + 3] &- 48) >= 10
    }

    @inline(__always) func isLetterAt(_ k: Int) -> Bool {
        let (v, _) = decodeValid(t, k)
        return !ScalarClass.isCJK(v) && ScalarClass.isLetter(v, table)
    }

    /// A placeholder in both outputs (numbers, URLs, e-mails).
    @inline(__always) mutating func emit(_ p: Placeholder, on: Bool) {
        if on { placeholder(p) }
        fo.put(.word)
        fo.append(placeholderBytes[p.rawValue])
    }

    /// The case-folded word in the folded text, and in the skeleton as itself or as `as`.
    mutating func emitFolded(_ i: Int, _ j: Int, as p: Placeholder?, on: Bool) {
        fo.put(.word)
        let from = fo.count
        var k = i
        while k < j {
            let c = t[k]
            if c < 0x80 {
                fo.append((c &- 65) < 26 ? c | 0x20 : c)
                k += 1
            } else {
                let (v, len) = decodeValid(t, k)
                encodeUTF8(ScalarClass.fold(v, table)) { fo.append($0) }
                k += len
            }
        }
        guard on else { return }
        if let p {
            placeholder(p)
        } else {
            sk.put(.word)
            let start = sk.count
            for k in from..<fo.count { sk.append(fo.base[k]) }
            tokens.append(PromptToken(hash: hashOfOutput(start), isCJK: false))
        }
    }

    /// The end of a URL starting at `i` (`http://`, `https://`, `ftp://`, `www.`), or nil.
    func url(_ i: Int, _ end: Int) -> Int? {
        let c = t[i] | 0x20
        guard c == 104 || c == 102 || c == 119 else { return nil }
        func has(_ prefix: StaticString) -> Bool {
            let count = prefix.utf8CodeUnitCount
            guard i + count <= end else { return false }
            let p = prefix.utf8Start
            for k in 0..<count where t[i + k] | (p[k] >= 97 ? 0x20 : 0) != p[k] { return false }
            return true
        }
        let start: Int
        if has("https://") {
            start = i + 8
        } else if has("http://") {
            start = i + 7
        } else if has("ftp://") {
            start = i + 6
        } else if has("www.") && i + 4 < end && isASCIIAlnum(t[i + 4]) {
            start = i + 4
        } else {
            return nil
        }
        var j = start
        while j < end {
            let b = t[j]
            if b <= 32 || b >= 0x80 || b == 34 || b == 39 || b == 60 || b == 62 || b == 96 { break }
            j += 1
        }
        while j > start {
            let b = t[j - 1]
            guard b == 46 || b == 44 || b == 59 || b == 58 || b == 33 || b == 63 || b == 41 || b == 93 || b == 125 else { break }
            j -= 1
        }
        return j
    }

    /// The end of an e-mail address starting at `i`, or nil (and no e-mail starts before the
    /// end of the local part that was scanned).
    mutating func email(_ i: Int, _ end: Int) -> Int? {
        var j = i
        while j < end {
            let b = t[j]
            guard isWordByte(b) || b == 46 || b == 37 || b == 43 || b == 45 else { break }
            j += 1
        }
        guard j < end, t[j] == 64, j > i else {
            emailFailUntil = j
            return nil
        }
        var k = j + 1
        var lastDot = -1
        while k < end {
            let b = t[k]
            guard isASCIIAlnum(b) || b == 45 || b == 46 else { break }
            if b == 46 { lastDot = k }
            k += 1
        }
        while k > j + 1 && (t[k - 1] == 46 || t[k - 1] == 45) { k -= 1 }
        if lastDot >= k { lastDot = -1 }
        if lastDot > 0 {
            for m in (lastDot + 1)..<k where ((t[m] | 0x20) &- 97) >= 26 { lastDot = -1 }
        }
        guard k > j + 1, isASCIIAlnum(t[j + 1]), lastDot > j + 1, k - lastDot - 1 >= 2 else {
            emailFailUntil = j
            return nil
        }
        return k
    }

    /// The end of a UUID (8-4-4-4-12 hex digits) starting at `i`, or nil.
    func uuid(_ i: Int, _ end: Int) -> Int? {
        guard i + 36 <= end else { return nil }
        for k in 0..<36 {
            let c = t[i + k]
            if k == 8 || k == 13 || k == 18 || k == 23 {
                guard c == 45 else { return nil }
            } else {
                guard (c &- 48) < 10 || ((c | 0x20) &- 97) < 6 else { return nil }
            }
        }
        guard i + 36 == end || !isWordByte(t[i + 36]) else { return nil }
        return i + 36
    }
}
