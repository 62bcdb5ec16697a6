import Yams

/// The text of one rule file as Unicode scalars, for turning offsets inside YAML scalars
/// back into file lines and columns.
///
/// Lines and columns are 1-based and count Unicode scalars, as libyaml does. Line breaks
/// are `\n`, `\r\n` and `\r`.
struct SourceText: Sendable {
    let scalars: [Unicode.Scalar]
    /// Index in `scalars` where each line starts.
    let lineStarts: [Int]

    init(_ text: String) {
        scalars = Array(text.unicodeScalars)
        var starts = [0]
        var i = 0
        while i < scalars.count {
            let s = scalars[i]
            if s == "\r", i + 1 < scalars.count, scalars[i + 1] == "\n" {
                i += 2
                starts.append(i)
            } else if s == "\n" || s == "\r" {
                i += 1
                starts.append(i)
            } else {
                i += 1
            }
        }
        lineStarts = starts
    }

    /// The text of a 1-based line, without its line break; `nil` past the end.
    func line(_ number: Int) -> String? {
        guard number >= 1, number <= lineStarts.count else { return nil }
        var end = number < lineStarts.count ? lineStarts[number] : scalars.count
        let start = lineStarts[number - 1]
        while end > start, scalars[end - 1] == "\n" || scalars[end - 1] == "\r" { end -= 1 }
        var s = String.UnicodeScalarView()
        s.append(contentsOf: scalars[start..<end])
        return String(s)
    }

    /// The index of a 1-based line and column, clamped to the text.
    func index(line: Int, column: Int) -> Int {
        guard line >= 1, line <= lineStarts.count else { return scalars.count }
        return min(lineStarts[line - 1] + max(column - 1, 0), scalars.count)
    }

    /// The 1-based line and column of an index.
    ///
    /// - Complexity: O(log lines).
    func position(of index: Int) -> (line: Int, column: Int) {
        var lo = 0, hi = lineStarts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if lineStarts[mid] <= index { lo = mid } else { hi = mid - 1 }
        }
        return (lo + 1, index - lineStarts[lo] + 1)
    }

    /// Where the character at `offset` (in Unicode scalars) of a scalar's value is in the file.
    ///
    /// The value is aligned with the raw text from the scalar's start: a value character
    /// matches the next equal source character, and a value space or line break also
    /// matches a source line break (YAML folding). Between matches only what YAML removes
    /// may be skipped: blanks, line breaks, backslashes and quotes (escapes, `''`,
    /// indentation). Quoted scalars start after their opening quote; block scalars (`|`,
    /// `>`) on the line after their header, so an offset into a block scalar lands on
    /// its token as written. When the alignment fails (an escape such as `\t` or `\x41`
    /// in a double-quoted scalar), the scalar's own position is returned. An offset equal
    /// to the value's length is the position just after its last character.
    ///
    /// - Complexity: O(length of the scalar in the file).
    func position(in scalar: Node.Scalar, offset: Int) -> (line: Int, column: Int) {
        guard let mark = scalar.mark else { return (0, 0) }
        let fallback = (mark.line, mark.column)
        var i = index(line: mark.line, column: mark.column)
        switch scalar.style {
        case .singleQuoted, .doubleQuoted:
            i += 1
        case .literal, .folded:
            while i < scalars.count, scalars[i] != "\n", scalars[i] != "\r" { i += 1 }
        case .any, .plain:
            break
        }
        let value = Array(scalar.string.unicodeScalars)
        var lastMatch: Int? = nil
        for k in 0...min(offset, value.count) {
            if k == value.count {
                return position(of: lastMatch.map { $0 + 1 } ?? i)
            }
            let wanted = value[k]
            var matched = false
            while i < scalars.count {
                let s = scalars[i]
                let isBreak = s == "\n" || s == "\r"
                if s == wanted || (isBreak && (wanted == " " || wanted == "\n")) {
                    matched = true
                    break
                }
                guard s == " " || s == "\t" || isBreak || s == "\\" || s == "'" || s == "\"" else { break }
                i += 1
            }
            guard matched else { return fallback }
            if k == offset { return position(of: i) }
            lastMatch = i
            i += 1
            // A matched "\r" stands for a "\r\n" break: step over its "\n" too.
            if scalars[i - 1] == "\r", i < scalars.count, scalars[i] == "\n", value[k] != "\r" { i += 1 }
        }
        return fallback
    }
}
