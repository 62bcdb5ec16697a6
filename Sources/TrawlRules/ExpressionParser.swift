import TrawlFeatures

/// A parsed expression node with the offsets of the source text it came from.
struct Expr: Sendable {
    indirect enum Node: Sendable {
        case number(Double)
        case text(String)
        case flag(Bool)
        case feature(String)
        /// `known(feature)`: the argument is always a `.feature` node.
        case known(Expr)
        case negate(Expr)
        case not(Expr)
        case binary(BinaryOperator, Expr, Expr)
        /// `x in [...]` (or `not in` when `negated`); the list holds literals only.
        case membership(Expr, [Expr], negated: Bool)
    }

    enum BinaryOperator: String, Sendable {
        case add = "+", subtract = "-", multiply = "*", divide = "/"
        case less = "<", lessEqual = "<=", greater = ">", greaterEqual = ">="
        case equal = "==", notEqual = "!="
        case and, or
    }

    var node: Node
    var start: Int
    var end: Int

    /// The expression fully parenthesised, to show how it was grouped.
    var canonical: String {
        switch node {
        case .number(let v): return FeatureValue.number(v).description
        case .text(let s): return quoted(s)
        case .flag(let b): return b ? "true" : "false"
        case .feature(let name): return name
        case .known(let f): return "known(\(f.canonical))"
        case .negate(let e): return "(-\(e.canonical))"
        case .not(let e): return "(not \(e.canonical))"
        case .binary(let op, let l, let r): return "(\(l.canonical) \(op.rawValue) \(r.canonical))"
        case .membership(let e, let list, let negated):
            let items = list.map(\.canonical).joined(separator: ", ")
            return "(\(e.canonical) \(negated ? "not in" : "in") [\(items)])"
        }
    }
}

/// Quotes a string the way the expression language writes it.
func quoted(_ s: String) -> String {
    var out = "\""
    for c in s {
        if c == "\"" || c == "\\" { out.append("\\") }
        out.append(c)
    }
    return out + "\""
}

/// Turns tokens into an `Expr` tree by recursive descent.
///
/// Precedence, loosest first: `or`; `and`; `not`; comparisons (`< <= > >= == != in`,
/// `not in`; not chainable); `+ -`; `* /`; unary `-`; literals, features, `known(f)` and
/// parentheses. Binary operators associate to the left.
/// - Complexity: O(tokens).
struct ExpressionParser {
    private let lexer: ExpressionLexer
    private var tokens: [Token] = []
    private var position = 0

    /// Parses a whole expression.
    /// - Throws: `ExpressionFailure` at the first token that does not fit.
    static func parse(_ source: String) throws(ExpressionFailure) -> Expr {
        var parser = ExpressionParser(lexer: ExpressionLexer(source))
        parser.tokens = try parser.lexer.tokens()
        let expr = try parser.parseOr()
        if parser.current.kind != .end {
            var note: String? = nil
            if case .symbol(let s) = parser.current.kind, Self.comparisonOperators[s] != nil {
                note = "comparisons cannot be chained; join them with `and`"
            }
            throw parser.failure(expected: "an operator or the end of the condition", note: note)
        }
        return expr
    }

    private init(lexer: ExpressionLexer) {
        self.lexer = lexer
    }

    private var current: Token { tokens[position] }

    private mutating func advance() -> Token {
        let token = tokens[position]
        if position < tokens.count - 1 { position += 1 }
        return token
    }

    private func describe(_ token: Token) -> String {
        token.kind == .end ? "end of condition" : "`\(lexer.slice(token.start, token.end))`"
    }

    private func failure(expected: String, note: String? = nil) -> ExpressionFailure {
        ExpressionFailure(
            offset: current.start, length: max(current.end - current.start, 1),
            reason: .syntax(expected: expected, found: describe(current), note: note))
    }

    private func isKeyword(_ k: Token.Keyword) -> Bool { current.kind == .keyword(k) }
    private func isSymbol(_ s: Token.Symbol) -> Bool { current.kind == .symbol(s) }

    private mutating func parseOr() throws(ExpressionFailure) -> Expr {
        var left = try parseAnd()
        while isKeyword(.or) {
            _ = advance()
            let right = try parseAnd()
            left = Expr(node: .binary(.or, left, right), start: left.start, end: right.end)
        }
        return left
    }

    private mutating func parseAnd() throws(ExpressionFailure) -> Expr {
        var left = try parseNot()
        while isKeyword(.and) {
            _ = advance()
            let right = try parseNot()
            left = Expr(node: .binary(.and, left, right), start: left.start, end: right.end)
        }
        return left
    }

    private mutating func parseNot() throws(ExpressionFailure) -> Expr {
        if isKeyword(.not) {
            let start = advance().start
            let operand = try parseNot()
            return Expr(node: .not(operand), start: start, end: operand.end)
        }
        return try parseComparison()
    }

    private static let comparisonOperators: [Token.Symbol: Expr.BinaryOperator] = [
        .less: .less, .lessEqual: .lessEqual, .greater: .greater, .greaterEqual: .greaterEqual,
        .equal: .equal, .notEqual: .notEqual,
    ]

    private mutating func parseComparison() throws(ExpressionFailure) -> Expr {
        let left = try parseAdditive()
        if case .symbol(let s) = current.kind, let op = Self.comparisonOperators[s] {
            _ = advance()
            let right = try parseAdditive()
            return Expr(node: .binary(op, left, right), start: left.start, end: right.end)
        }
        if isKeyword(.in) {
            _ = advance()
            let (list, end) = try parseList()
            return Expr(node: .membership(left, list, negated: false), start: left.start, end: end)
        }
        if isKeyword(.not), position + 1 < tokens.count, tokens[position + 1].kind == .keyword(.in) {
            _ = advance()
            _ = advance()
            let (list, end) = try parseList()
            return Expr(node: .membership(left, list, negated: true), start: left.start, end: end)
        }
        return left
    }

    private mutating func parseAdditive() throws(ExpressionFailure) -> Expr {
        var left = try parseMultiplicative()
        while isSymbol(.plus) || isSymbol(.minus) {
            let op: Expr.BinaryOperator = isSymbol(.plus) ? .add : .subtract
            _ = advance()
            let right = try parseMultiplicative()
            left = Expr(node: .binary(op, left, right), start: left.start, end: right.end)
        }
        return left
    }

    private mutating func parseMultiplicative() throws(ExpressionFailure) -> Expr {
        var left = try parseUnary()
        while isSymbol(.star) || isSymbol(.slash) {
            let op: Expr.BinaryOperator = isSymbol(.star) ? .multiply : .divide
            _ = advance()
            let right = try parseUnary()
            left = Expr(node: .binary(op, left, right), start: left.start, end: right.end)
        }
        return left
    }

    private mutating func parseUnary() throws(ExpressionFailure) -> Expr {
        if isSymbol(.minus) {
            let start = advance().start
            let operand = try parseUnary()
            return Expr(node: .negate(operand), start: start, end: operand.end)
        }
        return try parsePrimary()
    }

    private mutating func parsePrimary() throws(ExpressionFailure) -> Expr {
        let token = current
        switch token.kind {
        case .number(let v):
            _ = advance()
            return Expr(node: .number(v), start: token.start, end: token.end)
        case .string(let s):
            _ = advance()
            return Expr(node: .text(s), start: token.start, end: token.end)
        case .keyword(.true), .keyword(.false):
            _ = advance()
            return Expr(node: .flag(token.kind == .keyword(.true)), start: token.start, end: token.end)
        case .identifier(let name):
            _ = advance()
            return Expr(node: .feature(name), start: token.start, end: token.end)
        case .keyword(.known):
            _ = advance()
            guard isSymbol(.leftParen) else { throw failure(expected: "`(` after `known`") }
            let open = advance()
            guard case .identifier(let name) = current.kind else { throw failure(expected: "a feature name") }
            let nameToken = advance()
            guard isSymbol(.rightParen) else { throw unclosed(open, expected: "`)`") }
            let close = advance()
            let feature = Expr(node: .feature(name), start: nameToken.start, end: nameToken.end)
            return Expr(node: .known(feature), start: token.start, end: close.end)
        case .symbol(.leftParen):
            let open = advance()
            let inner = try parseOr()
            guard isSymbol(.rightParen) else { throw unclosed(open, expected: "`)`") }
            let close = advance()
            return Expr(node: inner.node, start: open.start, end: close.end)
        default:
            throw failure(expected: "a value")
        }
    }

    /// An error for a missing closing bracket: at the opening one when the text ended,
    /// else at the token that is in the way.
    private func unclosed(_ open: Token, expected: String) -> ExpressionFailure {
        guard current.kind == .end else { return failure(expected: expected) }
        return ExpressionFailure(
            offset: open.start, length: 1,
            reason: .syntax(
                expected: expected, found: "end of condition",
                note: "unclosed `\(lexer.slice(open.start, open.end))`"))
    }

    /// `[literal, ...]` with an optional trailing comma; literals are numbers (optionally
    /// negative), strings, `true` and `false`.
    private mutating func parseList() throws(ExpressionFailure) -> ([Expr], Int) {
        guard isSymbol(.leftBracket) else { throw failure(expected: "`[` after `in`") }
        let open = advance()
        var items: [Expr] = []
        while true {
            if isSymbol(.rightBracket), !items.isEmpty { break }
            items.append(try parseListItem())
            if isSymbol(.comma) {
                _ = advance()
                continue
            }
            if isSymbol(.rightBracket) { break }
            if current.kind == .end { throw unclosed(open, expected: "`,` or `]`") }
            throw failure(expected: "`,` or `]`")
        }
        let close = advance()
        return (items, close.end)
    }

    private mutating func parseListItem() throws(ExpressionFailure) -> Expr {
        let token = current
        switch token.kind {
        case .number, .string, .keyword(.true), .keyword(.false):
            return try parsePrimary()
        case .symbol(.minus):
            _ = advance()
            guard case .number(let v) = current.kind else { throw failure(expected: "a number after `-`") }
            let end = advance().end
            return Expr(node: .number(-v), start: token.start, end: end)
        case .end:
            throw failure(expected: "a literal (number, string, true or false)")
        default:
            throw failure(
                expected: "a literal (number, string, true or false)",
                note: "lists hold constants; strings need double quotes")
        }
    }
}
