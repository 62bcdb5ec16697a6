/// One value of a MaxMind DB data section (format spec 2.0, "Output Data Section").
///
/// What the writer encodes and what `GeoDatabase.lookupValue` decodes generically.
/// Maps are unordered here; the writer encodes their keys in sorted order so the same
/// input always gives the same bytes.
public enum MaxMindValue: Hashable, Sendable {
    case string(String)
    case double(Double)
    case float(Float)
    case bytes([UInt8])
    case uint16(UInt16)
    case uint32(UInt32)
    case int32(Int32)
    case uint64(UInt64)
    case uint128(UInt128)
    case boolean(Bool)
    case array([MaxMindValue])
    case map([String: MaxMindValue])

    /// The value under `key` when this is a map.
    public subscript(key: String) -> MaxMindValue? {
        if case .map(let m) = self { return m[key] }
        return nil
    }

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// Any integer type as an unsigned 64-bit value, when it fits.
    public var unsignedValue: UInt64? {
        switch self {
        case .uint16(let v): UInt64(v)
        case .uint32(let v): UInt64(v)
        case .uint64(let v): v
        case .int32(let v): v >= 0 ? UInt64(v) : nil
        case .uint128(let v): v <= UInt128(UInt64.max) ? UInt64(v) : nil
        default: nil
        }
    }

    /// A double or float as a double.
    public var doubleValue: Double? {
        switch self {
        case .double(let v): v
        case .float(let v): Double(v)
        default: nil
        }
    }

    public var boolValue: Bool? {
        if case .boolean(let b) = self { return b }
        return nil
    }
}

/// JSON for `trawl intel lookup`: maps as objects, integers as numbers (a 128-bit integer
/// as a decimal string, which JSON readers could not hold), bytes as an array of numbers,
/// non-finite floating-point values as `null`.
extension MaxMindValue: Encodable {
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .string(let s): try c.encode(s)
        case .double(let d): if d.isFinite { try c.encode(d) } else { try c.encodeNil() }
        case .float(let f): if f.isFinite { try c.encode(f) } else { try c.encodeNil() }
        case .bytes(let b): try c.encode(b)
        case .uint16(let v): try c.encode(v)
        case .uint32(let v): try c.encode(v)
        case .int32(let v): try c.encode(v)
        case .uint64(let v): try c.encode(v)
        case .uint128(let v): try c.encode(String(v))
        case .boolean(let b): try c.encode(b)
        case .array(let a): try c.encode(a)
        case .map(let m): try c.encode(m)
        }
    }
}
