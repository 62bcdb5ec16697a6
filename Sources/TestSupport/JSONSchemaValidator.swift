import Foundation

/// A JSON value as read for schema validation: integers kept apart from other numbers.
public indirect enum JSONValue: Sendable, Equatable, Decodable {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
        } else if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let i = try? c.decode(Int64.self) {
            self = .integer(i)
        } else if let d = try? c.decode(Double.self) {
            self = .number(d)
        } else if let s = try? c.decode(String.self) {
            self = .string(s)
        } else if let a = try? c.decode([JSONValue].self) {
            self = .array(a)
        } else {
            self = .object(try c.decode([String: JSONValue].self))
        }
    }

    /// Parses JSON text.
    public static func parse(_ data: Data) throws -> JSONValue { try JSONDecoder().decode(JSONValue.self, from: data) }

    public subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { return o[key] }
        return nil
    }
}

/// Validates JSON against the subset of JSON Schema (draft 2020-12) that Trawl's schemas
/// use: `type` (one or a list), `enum`, `const`, `properties`, `required`,
/// `additionalProperties` (a flag or a schema), `items`, `minItems`, `maxItems`, `minimum`,
/// `maximum`, `pattern`, `oneOf` and `$ref` to `#/$defs/…`. A keyword it does not know is
/// an error, so a schema cannot use a constraint that this validator would silently skip.
public struct JSONSchemaValidator: Sendable {
    public let schema: JSONValue
    static let annotations: Set<String> = ["$schema", "$id", "$defs", "title", "description"]

    public init(schema: JSONValue) { self.schema = schema }

    /// Every violation, as `path: what`; empty when `value` is valid.
    public func errors(_ value: JSONValue) -> [String] {
        var out: [String] = []
        check(value, schema, "$", &out)
        return out
    }

    private func resolve(_ ref: String) -> JSONValue? {
        guard ref.hasPrefix("#/$defs/") else { return nil }
        return schema["$defs"]?[String(ref.dropFirst("#/$defs/".count))]
    }

    private static func typeName(_ v: JSONValue) -> [String] {
        switch v {
        case .null: ["null"]
        case .bool: ["boolean"]
        case .integer: ["integer", "number"]
        case .number(let d): d == d.rounded() ? ["integer", "number"] : ["number"]
        case .string: ["string"]
        case .array: ["array"]
        case .object: ["object"]
        }
    }

    private static func numeric(_ v: JSONValue) -> Double? {
        switch v {
        case .integer(let i): Double(i)
        case .number(let d): d
        default: nil
        }
    }

    /// JSON equality (an integer equals the same number).
    private static func same(_ a: JSONValue, _ b: JSONValue) -> Bool {
        if let x = numeric(a), let y = numeric(b) { return x == y }
        return a == b
    }

    private func check(_ value: JSONValue, _ schema: JSONValue, _ path: String, _ out: inout [String]) {
        guard case .object(let s) = schema else {
            if case .bool(let allowed) = schema, !allowed { out.append("\(path): not allowed") }
            return
        }
        for (keyword, argument) in s.sorted(by: { $0.key < $1.key }) {
            switch keyword {
            case _ where Self.annotations.contains(keyword):
                continue
            case "$ref":
                guard case .string(let ref) = argument, let target = resolve(ref) else {
                    out.append("\(path): unresolvable $ref \(argument)")
                    continue
                }
                check(value, target, path, &out)
            case "type":
                let allowed: [String]
                switch argument {
                case .string(let t): allowed = [t]
                case .array(let ts): allowed = ts.compactMap { if case .string(let t) = $0 { t } else { nil } }
                default: allowed = []
                }
                if !Self.typeName(value).contains(where: allowed.contains) {
                    out.append("\(path): is \(Self.typeName(value)[0]), expected \(allowed.joined(separator: " or "))")
                }
            case "enum":
                guard case .array(let options) = argument else { continue }
                if !options.contains(where: { Self.same($0, value) }) { out.append("\(path): \(value) is not one of \(options)") }
            case "const":
                if !Self.same(argument, value) { out.append("\(path): \(value) is not \(argument)") }
            case "properties":
                guard case .object(let o) = value, case .object(let props) = argument else { continue }
                for (k, sub) in props where o[k] != nil { check(o[k]!, sub, "\(path).\(k)", &out) }
            case "required":
                guard case .object(let o) = value, case .array(let keys) = argument else { continue }
                for case .string(let k) in keys where o[k] == nil { out.append("\(path): missing required \(k)") }
            case "additionalProperties":
                guard case .object(let o) = value else { continue }
                var declared: Set<String> = []
                if case .object(let p)? = s["properties"] { declared = Set(p.keys) }
                for (k, v) in o where !declared.contains(k) {
                    if case .bool(let allowed) = argument {
                        if !allowed { out.append("\(path): unexpected property \(k)") }
                    } else {
                        check(v, argument, "\(path).\(k)", &out)
                    }
                }
            case "items":
                guard case .array(let a) = value else { continue }
                for (i, v) in a.enumerated() { check(v, argument, "\(path)[\(i)]", &out) }
            case "minItems", "maxItems":
                guard case .array(let a) = value, let limit = Self.numeric(argument) else { continue }
                if keyword == "minItems" ? Double(a.count) < limit : Double(a.count) > limit {
                    out.append("\(path): \(a.count) items, \(keyword) \(Int(limit))")
                }
            case "minimum", "maximum":
                guard let v = Self.numeric(value), let limit = Self.numeric(argument) else { continue }
                if keyword == "minimum" ? v < limit : v > limit { out.append("\(path): \(v) is beyond \(keyword) \(limit)") }
            case "pattern":
                guard case .string(let text) = value, case .string(let pattern) = argument else { continue }
                guard let regex = try? NSRegularExpression(pattern: pattern) else {
                    out.append("\(path): bad pattern \(pattern)")
                    continue
                }
                if regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) == nil {
                    out.append("\(path): \(text.debugDescription) does not match \(pattern)")
                }
            case "oneOf":
                guard case .array(let options) = argument else { continue }
                let passing = options.filter { option in
                    var sub: [String] = []
                    check(value, option, path, &sub)
                    return sub.isEmpty
                }.count
                if passing != 1 { out.append("\(path): matches \(passing) of oneOf's \(options.count) schemas, expected 1") }
            default:
                out.append("\(path): schema keyword \(keyword) is not supported by this validator")
            }
        }
    }
}
