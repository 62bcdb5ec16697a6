/// A failure inside one expression or template, located by offsets into its text.
///
/// Offsets count Unicode scalars from the start of the text; the loader turns them into
/// file lines and columns.
struct ExpressionFailure: Error, Sendable {
    var offset: Int
    var length: Int
    var reason: RuleError.Reason
}

/// One token of the expression language.
struct Token: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        case number(Double)
        case string(String)
        case identifier(String)
        case keyword(Keyword)
        case symbol(Symbol)
        case end
    }

    enum Keyword: String, Sendable {
        case and, or, not, `in`, `true`, `false`, known
    }

    enum Symbol: String, Sendable {
        case plus = "+", minus = "-", star = "*", slash = "/"
        case less = "<", lessEqual = "<=", greater = ">", greaterEqual = ">="
        case equal = "==", notEqual = "!="
        case leftParen = "(", rightParen = ")", leftBracket = "[", rightBracket = "]", comma = ","
    }

    var kind: Kind
    /// Offset of the first scalar of the token.
    var start: Int
    /// Offset just past the token.
    var end: Int
}

/// Splits an expression into tokens.
///
/// Numbers are `12`, `0.5`, `1e3`, `2.5E-2`; strings are double-quoted with `\"` and
/// `\\` as the only escapes; identifiers are `[A-Za-z_][A-Za-z0-9_]*`, and the lower-case
/// words `and or not in true false known` are keywords.
/// - Complexity: O(n) in the length of the expression.
struct ExpressionLexer {
    let text: [Unicode.Scalar]

    init(_ source: String) {
        text = Array(source.unicodeScalars)
    }

    /// The source between two offsets.
    func slice(_ start: Int, _ end: Int) -> String {
        var s = String.UnicodeScalarView()
        s.append(contentsOf: text[max(0, start)..<min(end, text.count)])
        return String(s)
    }

    /// Every token, ending with `.end`.
    /// - Throws: `ExpressionFailure` for a character or literal that is not part of the language.
    func tokens() throws(ExpressionFailure) -> [Token] {
        var result: [Token] = []
        var i = 0
        while true {
            while i < text.count, isBlank(text[i]) { i += 1 }
            guard i < text.count else {
                result.append(Token(kind: .end, start: text.count, end: text.count))
                return result
            }
            let start = i
            let c = text[i]
            if isDigit(c) {
                i = try number(from: i)
                let literal = slice(start, i)
                guard let value = Double(literal), value.isFinite else {
                    throw ExpressionFailure(
                        offset: start, length: i - start,
                        reason: .syntax(expected: "a finite number", found: "`\(literal)`", note: nil))
                }
                result.append(Token(kind: .number(value), start: start, end: i))
            } else if isIdentifierHead(c) {
                while i < text.count, isIdentifierHead(text[i]) || isDigit(text[i]) { i += 1 }
                let word = slice(start, i)
                if let keyword = Token.Keyword(rawValue: word) {
                    result.append(Token(kind: .keyword(keyword), start: start, end: i))
                } else {
                    result.append(Token(kind: .identifier(word), start: start, end: i))
                }
            } else if c == "\"" {
                let (value, next) = try string(from: i)
                result.append(Token(kind: .string(value), start: start, end: next))
                i = next
            } else {
                let (symbol, next) = try self.symbol(at: i)
                result.append(Token(kind: .symbol(symbol), start: start, end: next))
                i = next
            }
        }
    }

    private func number(from start: Int) throws(ExpressionFailure) -> Int {
        var i = start
        while i < text.count, isDigit(text[i]) { i += 1 }
        if i < text.count, text[i] == "." {
            i += 1
            guard i < text.count, isDigit(text[i]) else {
                throw ExpressionFailure(
                    offset: i, length: 1, reason: .syntax(expected: "a digit after `.`", found: found(at: i), note: nil))
            }
            while i < text.count, isDigit(text[i]) { i += 1 }
        }
        if i < text.count, text[i] == "e" || text[i] == "E" {
            var j = i + 1
            if j < text.count, text[j] == "+" || text[j] == "-" { j += 1 }
            guard j < text.count, isDigit(text[j]) else {
                throw ExpressionFailure(
                    offset: j, length: 1,
                    reason: .syntax(expected: "a digit in the exponent", found: found(at: j), note: nil))
            }
            while j < text.count, isDigit(text[j]) { j += 1 }
            i = j
        }
        return i
    }

    private func string(from start: Int) throws(ExpressionFailure) -> (String, Int) {
        var value = String.UnicodeScalarView()
        var i = start + 1
        while i < text.count {
            let c = text[i]
            if c == "\"" { return (String(value), i + 1) }
            if c == "\\" {
                guard i + 1 < text.count, text[i + 1] == "\"" || text[i + 1] == "\\" else {
                    throw ExpressionFailure(
                        offset: i, length: 2,
                        reason: .syntax(
                            expected: "`\\\"` or `\\\\`", found: "`\(slice(i, i + 2))`",
                            note: "only these escapes are allowed in strings"))
                }
                value.append(text[i + 1])
                i += 2
                continue
            }
            value.append(c)
            i += 1
        }
        throw ExpressionFailure(
            offset: start, length: 1,
            reason: .syntax(expected: "a closing `\"`", found: "end of condition", note: "unclosed string"))
    }

    private func symbol(at i: Int) throws(ExpressionFailure) -> (Token.Symbol, Int) {
        let c = text[i]
        let next: Unicode.Scalar? = i + 1 < text.count ? text[i + 1] : nil
        switch c {
        case "+": return (.plus, i + 1)
        case "-": return (.minus, i + 1)
        case "*": return (.star, i + 1)
        case "/": return (.slash, i + 1)
        case "(": return (.leftParen, i + 1)
        case ")": return (.rightParen, i + 1)
        case "[": return (.leftBracket, i + 1)
        case "]": return (.rightBracket, i + 1)
        case ",": return (.comma, i + 1)
        case "<": return next == "=" ? (.lessEqual, i + 2) : (.less, i + 1)
        case ">": return next == "=" ? (.greaterEqual, i + 2) : (.greater, i + 1)
        case "=":
            if next == "=" { return (.equal, i + 2) }
            throw ExpressionFailure(
                offset: i, length: 1, reason: .syntax(expected: "`==`", found: "`=`", note: "comparison is `==`"))
        case "!":
            if next == "=" { return (.notEqual, i + 2) }
            throw ExpressionFailure(
                offset: i, length: 1, reason: .syntax(expected: "a value", found: "`!`", note: "negation is `not`"))
        default:
            var note: String? = nil
            if c == "&" { note = "use `and`" }
            if c == "|" { note = "use `or`" }
            if c == "'" { note = "strings use double quotes" }
            let length = (c == "&" || c == "|") && next == c ? 2 : 1
            throw ExpressionFailure(
                offset: i, length: length,
                reason: .syntax(expected: "a value or an operator", found: "`\(slice(i, i + length))`", note: note))
        }
    }

    private func found(at i: Int) -> String {
        i < text.count ? "`\(String(Character(text[i])))`" : "end of condition"
    }

    private func isBlank(_ c: Unicode.Scalar) -> Bool { c == " " || c == "\t" || c == "\n" || c == "\r" }
    private func isDigit(_ c: Unicode.Scalar) -> Bool { c >= "0" && c <= "9" }
    private func isIdentifierHead(_ c: Unicode.Scalar) -> Bool {
        (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c == "_"
    }
}
