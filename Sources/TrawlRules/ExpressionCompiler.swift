import TrawlFeatures

/// A type-checked expression as a tree of typed closures, one case per result type.
///
/// `nil` results are unknown. Closures read features by catalog index, so evaluation
/// does no name lookups, no parsing and no boxing of intermediate values.
enum CompiledExpression: Sendable {
    case number(@Sendable (FeatureVector) -> Double?)
    case flag(@Sendable (FeatureVector) -> Bool?)
    case text(@Sendable (FeatureVector) -> String?)

    var kind: FeatureKind {
        switch self {
        case .number: .number
        case .flag: .flag
        case .text: .text
        }
    }
}

/// Type-checks an `Expr` tree against `FeatureCatalog` and builds its closures.
///
/// Rules: arithmetic, ordering and unary minus take numbers; `==`, `!=` and `in` take two
/// operands of the same type; `and`, `or`, `not` take flags; `known(f)` is a flag.
/// Unknown operands follow Kleene logic: arithmetic and comparisons with an unknown
/// operand are unknown, division by zero is unknown, `false and unknown` is false,
/// `true or unknown` is true, `not unknown` is unknown, `known(f)` is never unknown.
/// - Complexity: O(nodes) to compile.
struct ExpressionCompiler {
    let lexer: ExpressionLexer
    /// Features read, in order of first appearance.
    private(set) var features: [String] = []

    init(source: String) {
        lexer = ExpressionLexer(source)
    }

    private func text(_ e: Expr) -> String {
        let s = lexer.slice(e.start, e.end)
        return s.unicodeScalars.count > 40 ? "`\(String(s.prefix(37)))...`" : "`\(s)`"
    }

    private func typeName(_ kind: FeatureKind) -> String {
        switch kind {
        case .number: "a number"
        case .flag: "a flag"
        case .text: "text"
        }
    }

    private func mismatch(_ e: Expr, _ message: String) -> ExpressionFailure {
        ExpressionFailure(offset: e.start, length: e.end - e.start, reason: .typeMismatch(message))
    }

    private mutating func feature(_ e: Expr, _ name: String) throws(ExpressionFailure) -> (Int, FeatureKind) {
        guard let index = FeatureCatalog.index(of: name) else {
            throw ExpressionFailure(
                offset: e.start, length: e.end - e.start,
                reason: .unknownFeature(name, suggestion: closestName(to: name, among: FeatureCatalog.all.map(\.name))))
        }
        if !features.contains(name) { features.append(name) }
        return (index, FeatureCatalog.all[index].kind)
    }

    mutating func compile(_ e: Expr) throws(ExpressionFailure) -> CompiledExpression {
        switch e.node {
        case .number(let v):
            return .number { _ in v }
        case .text(let s):
            return .text { _ in s }
        case .flag(let b):
            return .flag { _ in b }
        case .feature(let name):
            let (i, kind) = try feature(e, name)
            switch kind {
            case .number:
                return .number { v in
                    if case .number(let x)? = v.values[i] { return x }
                    return nil
                }
            case .flag:
                return .flag { v in
                    if case .flag(let x)? = v.values[i] { return x }
                    return nil
                }
            case .text:
                return .text { v in
                    if case .text(let x)? = v.values[i] { return x }
                    return nil
                }
            }
        case .known(let argument):
            guard case .feature(let name) = argument.node else { preconditionFailure("known() takes a feature") }
            let (i, _) = try feature(argument, name)
            return .flag { v in v.values[i] != nil }
        case .negate(let operand):
            let compiled = try compile(operand)
            guard case .number(let f) = compiled else {
                throw mismatch(operand, "\(text(operand)) is \(typeName(compiled.kind)); `-` needs a number")
            }
            return .number { v in f(v).map { -$0 } }
        case .not(let operand):
            let compiled = try compile(operand)
            guard case .flag(let f) = compiled else {
                throw mismatch(
                    operand, "\(text(operand)) is \(typeName(compiled.kind)); `not` needs a flag (true/false)")
            }
            return .flag { v in f(v).map { !$0 } }
        case .binary(let op, let left, let right):
            return try binary(op, left, right)
        case .membership(let operand, let list, let negated):
            return try membership(operand, list, negated: negated)
        }
    }

    private mutating func binary(
        _ op: Expr.BinaryOperator, _ left: Expr, _ right: Expr
    ) throws(ExpressionFailure) -> CompiledExpression {
        let l = try compile(left)
        let r = try compile(right)
        switch op {
        case .and, .or:
            for (side, compiled) in [(left, l), (right, r)] where compiled.kind != .flag {
                throw mismatch(
                    side, "\(text(side)) is \(typeName(compiled.kind)); `\(op.rawValue)` needs flags (true/false)")
            }
            guard case .flag(let a) = l, case .flag(let b) = r else { preconditionFailure() }
            if op == .and {
                return .flag { v in
                    let x = a(v)
                    if x == false { return false }
                    let y = b(v)
                    if y == false { return false }
                    return x == true && y == true ? true : nil
                }
            }
            return .flag { v in
                let x = a(v)
                if x == true { return true }
                let y = b(v)
                if y == true { return true }
                return x == false && y == false ? false : nil
            }
        case .add, .subtract, .multiply, .divide, .less, .lessEqual, .greater, .greaterEqual:
            let isOrdering = op == .less || op == .lessEqual || op == .greater || op == .greaterEqual
            for (side, kind, otherKind) in [(left, l.kind, r.kind), (right, r.kind, l.kind)] where kind != .number {
                if isOrdering && otherKind == .number {
                    throw mismatch(side, "\(text(side)) is \(typeName(kind)), cannot compare with a number")
                }
                throw mismatch(side, "\(text(side)) is \(typeName(kind)); `\(op.rawValue)` needs numbers")
            }
            guard case .number(let a) = l, case .number(let b) = r else { preconditionFailure() }
            return arithmeticOrOrdering(op, a, b)
        case .equal, .notEqual:
            guard l.kind == r.kind else {
                // Blame the feature side when only one side is a feature: that is what the author misjudged.
                let blameRight = isFeature(right) && !isFeature(left)
                let (side, kind, otherKind) = blameRight ? (right, r.kind, l.kind) : (left, l.kind, r.kind)
                throw mismatch(side, "\(text(side)) is \(typeName(kind)), cannot compare with \(typeName(otherKind))")
            }
            let negate = op == .notEqual
            switch (l, r) {
            case (.number(let a), .number(let b)):
                return .flag { v in
                    guard let x = a(v), let y = b(v) else { return nil }
                    return (x == y) != negate
                }
            case (.text(let a), .text(let b)):
                return .flag { v in
                    guard let x = a(v), let y = b(v) else { return nil }
                    return (x == y) != negate
                }
            case (.flag(let a), .flag(let b)):
                return .flag { v in
                    guard let x = a(v), let y = b(v) else { return nil }
                    return (x == y) != negate
                }
            default:
                preconditionFailure()
            }
        }
    }

    private func isFeature(_ e: Expr) -> Bool {
        if case .feature = e.node { return true }
        return false
    }

    private func arithmeticOrOrdering(
        _ op: Expr.BinaryOperator,
        _ a: @escaping @Sendable (FeatureVector) -> Double?,
        _ b: @escaping @Sendable (FeatureVector) -> Double?
    ) -> CompiledExpression {
        switch op {
        case .add: return .number { v in a(v).flatMap { x in b(v).map { x + $0 } } }
        case .subtract: return .number { v in a(v).flatMap { x in b(v).map { x - $0 } } }
        case .multiply: return .number { v in a(v).flatMap { x in b(v).map { x * $0 } } }
        case .divide:
            return .number { v in
                guard let x = a(v), let y = b(v), y != 0 else { return nil }
                return x / y
            }
        case .less: return .flag { v in a(v).flatMap { x in b(v).map { x < $0 } } }
        case .lessEqual: return .flag { v in a(v).flatMap { x in b(v).map { x <= $0 } } }
        case .greater: return .flag { v in a(v).flatMap { x in b(v).map { x > $0 } } }
        case .greaterEqual: return .flag { v in a(v).flatMap { x in b(v).map { x >= $0 } } }
        default: preconditionFailure("not an arithmetic or ordering operator")
        }
    }

    private mutating func membership(
        _ operand: Expr, _ list: [Expr], negated: Bool
    ) throws(ExpressionFailure) -> CompiledExpression {
        let compiled = try compile(operand)
        var numbers: Set<Double> = []
        var texts: Set<String> = []
        var flags: Set<Bool> = []
        for item in list {
            let itemKind: FeatureKind
            switch item.node {
            case .number(let x):
                numbers.insert(x)
                itemKind = .number
            case .text(let s):
                texts.insert(s)
                itemKind = .text
            case .flag(let b):
                flags.insert(b)
                itemKind = .flag
            default:
                preconditionFailure("lists hold literals only")
            }
            if itemKind != compiled.kind {
                throw mismatch(
                    item,
                    "\(text(item)) is \(typeName(itemKind)), cannot compare with \(typeName(compiled.kind)) (\(text(operand)))"
                )
            }
        }
        let (numberSet, textSet, flagSet) = (numbers, texts, flags)
        switch compiled {
        case .number(let f):
            return .flag { v in f(v).map { numberSet.contains($0) != negated } }
        case .text(let f):
            return .flag { v in f(v).map { textSet.contains($0) != negated } }
        case .flag(let f):
            return .flag { v in f(v).map { flagSet.contains($0) != negated } }
        }
    }
}
