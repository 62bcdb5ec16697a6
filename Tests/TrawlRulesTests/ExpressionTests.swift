import Testing
import TrawlFeatures

@testable import TrawlRules

/// The account most expression tests read: some features known, some unknown.
///
/// Known: requests 100, distinct_ips 20, distinct_networks 12, hour_entropy 4,
/// rate_limited_share 0, plan "pro", disposable_email true, phone_billing_mismatch false.
/// Unknown: peak_concurrency, top_ip_share, kyc_status, active_hours.
let sample = FeatureVector(named: [
    "requests": .number(100),
    "distinct_ips": .number(20),
    "distinct_networks": .number(12),
    "hour_entropy": .number(4),
    "rate_limited_share": .number(0),
    "plan": .text("pro"),
    "disposable_email": .flag(true),
    "phone_billing_mismatch": .flag(false),
])

struct TruthCase: Sendable, CustomStringConvertible {
    let source: String
    let expected: Bool?
    init(_ source: String, _ expected: Bool?) {
        self.source = source
        self.expected = expected
    }
    var description: String { "\(source) => \(expected.map(String.init) ?? "unknown")" }
}

@Suite("Expression evaluation")
struct ExpressionEvaluationTests {
    static let known: [TruthCase] = [
        .init("distinct_networks >= 12", true),
        .init("distinct_networks > 12", false),
        .init("distinct_networks <= 12", true),
        .init("distinct_networks < 12", false),
        .init("distinct_networks == 12", true),
        .init("distinct_networks != 12", false),
        .init("requests / distinct_ips == 5", true),
        .init("requests - distinct_ips * 2 == 60", true),
        .init("-distinct_ips == -20", true),
        .init("1e3 == 1000", true),
        .init("2.5E-1 == 0.25", true),
        .init("0.5 * 4 == 2", true),
        .init("hour_entropy > 3.8", true),
        .init(#"plan == "pro""#, true),
        .init(#"plan != "pro""#, false),
        .init(#"plan in ["pro", "max"]"#, true),
        .init(#"plan in ["api"]"#, false),
        .init(#"plan not in ["pro", "max"]"#, false),
        .init(#"plan not in ["api", "team",]"#, true),
        .init("distinct_networks in [10, 12]", true),
        .init("distinct_networks in [-12, 3]", false),
        .init("disposable_email", true),
        .init("not disposable_email", false),
        .init("disposable_email == true", true),
        .init("disposable_email in [false]", false),
        .init("disposable_email and phone_billing_mismatch", false),
        .init("disposable_email or phone_billing_mismatch", true),
        .init("(requests > 10) == disposable_email", true),
        .init("0 / distinct_ips == 0", true),
        .init("true", true),
        .init("false", false),
    ]

    static let unknown: [TruthCase] = [
        // Arithmetic and comparison with an unknown operand are unknown.
        .init("peak_concurrency > 3", nil),
        .init("peak_concurrency <= 3", nil),
        .init("peak_concurrency + 1 > 0", nil),
        .init("-peak_concurrency < 0", nil),
        .init("peak_concurrency == peak_concurrency", nil),
        .init("peak_concurrency != 3", nil),
        .init(#"kyc_status == "passed""#, nil),
        .init(#"kyc_status in ["passed"]"#, nil),
        .init(#"kyc_status not in ["passed"]"#, nil),
        // Division by zero is unknown.
        .init("requests / rate_limited_share > 1", nil),
        .init("distinct_ips / 0 > 1", nil),
        .init("distinct_ips / (requests - 100) == 0", nil),
        // Kleene and / or / not.
        .init("not (peak_concurrency > 3)", nil),
        .init("false and peak_concurrency > 3", false),
        .init("peak_concurrency > 3 and false", false),
        .init("true and peak_concurrency > 3", nil),
        .init("peak_concurrency > 3 and true", nil),
        .init("peak_concurrency > 3 and top_ip_share > 0.5", nil),
        .init("true or peak_concurrency > 3", true),
        .init("peak_concurrency > 3 or true", true),
        .init("false or peak_concurrency > 3", nil),
        .init("peak_concurrency > 3 or false", nil),
        .init("peak_concurrency > 3 or top_ip_share > 0.5", nil),
        .init("phone_billing_mismatch and peak_concurrency > 3", false),
        .init("disposable_email or peak_concurrency > 3", true),
        // known() is never unknown.
        .init("known(peak_concurrency)", false),
        .init("known(distinct_ips)", true),
        .init("not known(peak_concurrency)", true),
        .init("known(peak_concurrency) and peak_concurrency > 3", false),
        .init(#"not known(kyc_status) or kyc_status == "failed""#, true),
        .init("known(kyc_status) == false", true),
    ]

    static let precedence: [TruthCase] = [
        .init("1 + 2 * 3 == 7", true),
        .init("10 - 4 - 3 == 3", true),
        .init("12 / 4 / 3 == 1", true),
        .init("2 * 3 - 4 / 2 == 4", true),
        .init("-2 * -3 == 6", true),
        .init("(1 + 2) * 3 == 9", true),
        .init("not false and false", false),
        .init("true or false and false", true),
        .init("not requests > 500", true),
    ]

    @Test(arguments: known + unknown + precedence)
    func truth(_ c: TruthCase) throws {
        let expression = try RuleExpression(c.source)
        #expect(expression.kind == .flag)
        #expect(expression.truth(sample) == c.expected)
    }

    @Test func valueExpressions() throws {
        #expect(try RuleExpression("requests / distinct_ips").evaluate(sample) == .number(5))
        #expect(try RuleExpression("requests / rate_limited_share").evaluate(sample) == nil)
        #expect(try RuleExpression("plan").evaluate(sample) == .text("pro"))
        #expect(try RuleExpression(#""x""#).evaluate(sample) == .text("x"))
        #expect(try RuleExpression("peak_concurrency * 2").evaluate(sample) == nil)
        #expect(try RuleExpression("requests").truth(sample) == nil)
    }

    @Test func valueOfTheWrongKindIsUnknown() throws {
        let odd = FeatureVector(named: ["requests": .flag(true), "plan": .number(3)])
        #expect(try RuleExpression("requests > 0").truth(odd) == nil)
        #expect(try RuleExpression(#"plan == "pro""#).truth(odd) == nil)
        #expect(try RuleExpression("known(requests)").truth(odd) == true)
    }

    @Test func featuresReadInOrderOfFirstUse() throws {
        let e = try RuleExpression("requests > 1 and known(plan) or requests < distinct_ips")
        #expect(e.features == ["requests", "plan", "distinct_ips"])
        #expect(!e.isConstant)
        #expect(try RuleExpression("1 < 2").isConstant)
    }
}

@Suite("Expression grouping")
struct ExpressionPrecedenceTests {
    static let cases: [(String, String)] = [
        ("1 + 2 * 3", "(1 + (2 * 3))"),
        ("1 - 2 - 3", "((1 - 2) - 3)"),
        ("12 / 4 / 3", "((12 / 4) / 3)"),
        ("-2 * 3", "((-2) * 3)"),
        ("- -2", "(-(-2))"),
        ("(1 + 2) * 3", "((1 + 2) * 3)"),
        ("requests + 1 > distinct_ips * 2", "((requests + 1) > (distinct_ips * 2))"),
        (
            "disposable_email or phone_billing_mismatch and disposable_email",
            "(disposable_email or (phone_billing_mismatch and disposable_email))"
        ),
        ("not disposable_email and phone_billing_mismatch", "((not disposable_email) and phone_billing_mismatch)"),
        ("not not disposable_email", "(not (not disposable_email))"),
        ("not requests > 5", "(not (requests > 5))"),
        (#"not plan in ["pro"]"#, #"(not (plan in ["pro"]))"#),
        (#"plan not in ["a", "b"] or true"#, #"((plan not in ["a", "b"]) or true)"#),
        (
            "requests > 1 and distinct_ips < 2 or known(plan)",
            "(((requests > 1) and (distinct_ips < 2)) or known(plan))"
        ),
        ("a_or_b", "a_or_b"),  // not a keyword: only whole words are
        ("1e3 + 0.5", "(1000 + 0.5)"),
    ]

    @Test(arguments: cases)
    func grouping(_ source: String, _ expected: String) throws {
        let tree = try ExpressionParser.parse(source)
        #expect(tree.canonical == expected)
    }
}

struct ErrorCase: Sendable, CustomStringConvertible {
    let source: String
    let line: Int
    let column: Int
    let message: String
    init(_ source: String, _ column: Int, _ message: String, line: Int = 1) {
        self.source = source
        self.line = line
        self.column = column
        self.message = message
    }
    var description: String { source }
}

@Suite("Expression errors")
struct ExpressionErrorTests {
    static let cases: [ErrorCase] = [
        .init("distinct_ipz > 3", 1, "unknown feature `distinct_ipz` (did you mean `distinct_ips`?)"),
        .init("requests > 1 and bogus_feature_name", 18, "unknown feature `bogus_feature_name`"),
        .init("known(distinct_ipz)", 7, "unknown feature `distinct_ipz`"),
        .init("plan > 3", 1, "`plan` is text, cannot compare with a number"),
        .init("3 < plan", 5, "`plan` is text, cannot compare with a number"),
        .init("plan == 3", 1, "`plan` is text, cannot compare with a number"),
        .init("3 == plan", 6, "`plan` is text, cannot compare with a number"),
        .init("distinct_ips == disposable_email", 1, "`distinct_ips` is a number, cannot compare with a flag"),
        .init(#"plan < "z""#, 1, "`plan` is text; `<` needs numbers"),
        .init("requests + plan > 1", 12, "`plan` is text; `+` needs numbers"),
        .init("-plan == 1", 2, "`plan` is text; `-` needs a number"),
        .init("requests and true", 1, "`requests` is a number; `and` needs flags (true/false)"),
        .init("true or plan", 9, "`plan` is text; `or` needs flags (true/false)"),
        .init("not requests", 5, "`requests` is a number; `not` needs a flag (true/false)"),
        .init(#"plan in ["pro", 3]"#, 17, "`3` is a number, cannot compare with text (`plan`)"),
        .init("(requests > 1", 1, "expected `)`, found end of condition (unclosed `(`)"),
        .init("(requests > 1 ]", 15, "expected `)`, found `]`"),
        .init("requests > 1)", 13, "expected an operator or the end of the condition, found `)`"),
        .init("requests >", 11, "expected a value, found end of condition"),
        .init("requests > > 1", 12, "expected a value, found `>`"),
        .init("requests = 1", 10, "expected `==`, found `=`"),
        .init("1 < 2 < 3", 7, "comparisons cannot be chained; join them with `and`"),
        .init("plan in [pro]", 10, "expected a literal (number, string, true or false), found `pro`"),
        .init("plan in []", 10, "expected a literal (number, string, true or false), found `]`"),
        .init(#"plan in ["a" "b"]"#, 14, "expected `,` or `]`, found `\"b\"`"),
        .init(#"plan in ["a""#, 9, "expected `,` or `]`, found end of condition (unclosed `[`)"),
        .init(#"plan in "a""#, 9, "expected `[` after `in`"),
        .init("known(3)", 7, "expected a feature name, found `3`"),
        .init("known plan", 7, "expected `(` after `known`, found `plan`"),
        .init("requests > 1 && true", 14, "found `&&` (use `and`)"),
        .init("requests > 1 || true", 14, "found `||` (use `or`)"),
        .init("!disposable_email", 1, "(negation is `not`)"),
        .init("plan == 'pro'", 9, "(strings use double quotes)"),
        .init(#""abc"#, 1, "(unclosed string)"),
        .init("1. > 0", 3, "expected a digit after `.`"),
        .init("1e > 0", 3, "expected a digit in the exponent"),
        .init("1e999 > 0", 1, "expected a finite number, found `1e999`"),
        .init("requests > 1\n  and bogus", 7, "unknown feature `bogus`", line: 2),
    ]

    @Test(arguments: cases)
    func compileError(_ c: ErrorCase) {
        do {
            _ = try RuleExpression(c.source)
            Issue.record("compiled without error")
        } catch {
            #expect(error.file == "<expression>")
            #expect(error.line == c.line)
            #expect(error.column == c.column)
            #expect(error.description.contains(c.message), "\(error.description)")
        }
    }

    @Test func conditionMustBeAFlag() {
        #expect(throws: RuleError.self) { try Rule(id: "x", title: "X", when: "requests + 1", weight: 1) }
        do {
            _ = try Rule(id: "x", title: "X", when: "  plan", weight: 1)
        } catch {
            #expect(error.column == 3)
            #expect(error.description.contains("the condition is text; `when` must be true or false"))
        }
    }

    @Test func errorDescriptionAndCaret() {
        let error = RuleError(
            file: "pooling.yaml", line: 7, column: 15, reason: .unknownFeature("distinct_ipz", suggestion: "distinct_ips"),
            excerpt: "distinct_ipz", sourceLine: "    when: x > distinct_ipz")
        #expect(error.description == "pooling.yaml:7:15: unknown feature `distinct_ipz` (did you mean `distinct_ips`?)")
        #expect(error.annotated.hasSuffix("\n    when: x > distinct_ipz\n              ^"))
    }
}
