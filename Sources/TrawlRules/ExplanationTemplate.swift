import TrawlFeatures

/// A rule's `explain` text with `{feature}` placeholders, compiled once.
///
/// `{name}` is replaced by the feature's value (`FeatureValue.description`) or `unknown`;
/// `{{` and `}}` stand for literal braces. Blanks inside the braces are ignored.
struct ExplanationTemplate: Sendable {
    enum Part: Sendable {
        case literal(String)
        case feature(Int)
    }

    let parts: [Part]
    /// Names of the features the template shows, in order.
    let features: [String]

    /// Compiles a template.
    /// - Throws: `ExpressionFailure` at the `{` of an unknown placeholder or an unmatched brace.
    static func compile(_ text: String) throws(ExpressionFailure) -> ExplanationTemplate {
        let scalars = Array(text.unicodeScalars)
        var parts: [Part] = []
        var features: [String] = []
        var literal = String.UnicodeScalarView()
        var i = 0
        func string(_ range: Range<Int>) -> String {
            var s = String.UnicodeScalarView()
            s.append(contentsOf: scalars[range])
            return String(s)
        }
        while i < scalars.count {
            let c = scalars[i]
            let next: Unicode.Scalar? = i + 1 < scalars.count ? scalars[i + 1] : nil
            if (c == "{" && next == "{") || (c == "}" && next == "}") {
                literal.append(c)
                i += 2
            } else if c == "}" {
                throw ExpressionFailure(
                    offset: i, length: 1, reason: .badTemplate("stray `}` (write `}}` for a literal brace)"))
            } else if c == "{" {
                guard let close = scalars[(i + 1)...].firstIndex(of: "}") else {
                    throw ExpressionFailure(
                        offset: i, length: 1, reason: .badTemplate("unclosed `{` (write `{{` for a literal brace)"))
                }
                let name = string((i + 1)..<close).trimmingBlanks()
                guard let index = FeatureCatalog.index(of: name) else {
                    throw ExpressionFailure(
                        offset: i, length: close + 1 - i,
                        reason: .unknownPlaceholder(
                            name, suggestion: closestName(to: name, among: FeatureCatalog.all.map(\.name))))
                }
                if !literal.isEmpty {
                    parts.append(.literal(String(literal)))
                    literal = String.UnicodeScalarView()
                }
                parts.append(.feature(index))
                if !features.contains(name) { features.append(name) }
                i = close + 1
            } else {
                literal.append(c)
                i += 1
            }
        }
        if !literal.isEmpty { parts.append(.literal(String(literal))) }
        return ExplanationTemplate(parts: parts, features: features)
    }

    /// A template that lists features as `name = value`, joined by commas.
    static func listing(_ names: [String]) -> ExplanationTemplate {
        var parts: [Part] = []
        for (n, name) in names.enumerated() {
            parts.append(.literal((n == 0 ? "" : ", ") + name + " = "))
            parts.append(.feature(FeatureCatalog.index(of: name)!))
        }
        return ExplanationTemplate(parts: parts, features: names)
    }

    /// The text for one feature vector.
    /// - Complexity: O(length of the result).
    func render(_ values: FeatureVector) -> String {
        var out = ""
        for part in parts {
            switch part {
            case .literal(let s): out += s
            case .feature(let i): out += values[i]?.description ?? "unknown"
            }
        }
        return out
    }
}

extension String {
    /// The string without leading and trailing spaces and tabs.
    func trimmingBlanks() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return String(s)
    }
}
