import Foundation

/// The general JSON path for lines the byte scanner cannot take (escaped keys, integers
/// written as `1.0` or `1e3`): parses with Foundation and rewrites the canonical fields
/// in plain form for the scanner. Slow, and only ever used for such rare lines.
enum FallbackLineDecoder {
    struct Failure: Error {
        let reason: BadLineReason
        let detail: String
    }

    static let integerFields: Set<String> = [
        "client_port", "status", "input_tokens", "output_tokens", "cache_read_tokens", "max_tokens", "turns", "latency_ms",
    ]
    static let canonicalNames: Set<String> = Set(LogField.allCases.map(\.name))

    /// A JSON `true`/`false` as Foundation returns it: on Linux an `NSNumber` whose type
    /// is `char` (`value is Bool` also holds for the numbers 0 and 1, so it cannot tell).
    static func isBoolean(_ value: Any) -> Bool {
        guard let number = value as? NSNumber else { return false }
        return String(cString: number.objCType) == "c"
    }

    static func normalise(_ line: UnsafeBufferPointer<UInt8>) -> Result<[UInt8], Failure> {
        let data = Data(buffer: line)
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: data, options: [])
        } catch {
            return .failure(Failure(reason: .invalidJSON, detail: "invalid JSON"))
        }
        guard let object = parsed as? [String: Any] else {
            return .failure(Failure(reason: .invalidJSON, detail: "invalid JSON: the line is not an object"))
        }
        var out: [String: Any] = [:]
        for (key, value) in object where canonicalNames.contains(key) {
            if isBoolean(value) && (key == "ts" || integerFields.contains(key)) {
                out[key] = value  // passed through unchanged: the scanner rejects or ignores it
            } else if key == "ts", let number = value as? NSNumber, !(value is String) {
                let d = number.doubleValue
                guard d == d.rounded(), abs(d) < 9e15 else {
                    return .failure(Failure(reason: .invalidField(.ts), detail: "ts is not an integer of epoch milliseconds"))
                }
                out[key] = Int64(d)
            } else if integerFields.contains(key), let number = value as? NSNumber, !(value is String) {
                let d = number.doubleValue
                if d == d.rounded() && abs(d) < 9e15 { out[key] = Int64(d) } else { out[key] = "\(d)" }  // scanner ignores it
            } else {
                out[key] = value
            }
        }
        guard let bytes = try? JSONSerialization.data(withJSONObject: out, options: [.sortedKeys]) else {
            return .failure(Failure(reason: .invalidJSON, detail: "invalid JSON"))
        }
        return .success([UInt8](bytes))
    }
}
