/// Reads what `StateWriter` wrote; every read checks the bounds and throws
/// `FeatureStateError` (with the byte offset) on damage instead of trapping.
public struct StateReader {
    private let bytes: [UInt8]
    public private(set) var offset: Int

    public init(_ bytes: [UInt8], offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    public var isAtEnd: Bool { offset == bytes.count }

    public func fail(_ reason: String) -> FeatureStateError { FeatureStateError(offset: offset, reason: reason) }

    public mutating func byte() throws -> UInt8 {
        guard offset < bytes.count else { throw fail("ends early") }
        defer { offset += 1 }
        return bytes[offset]
    }

    public mutating func bool() throws -> Bool {
        switch try byte() {
        case 0: return false
        case 1: return true
        default: throw fail("not a boolean")
        }
    }

    public mutating func varint() throws -> UInt64 {
        var v: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let b = try byte()
            guard shift < 64, shift < 63 || b <= 1 else { throw fail("varint too long") }
            v |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return v }
            shift += 7
        }
    }

    public mutating func int64() throws -> Int64 {
        let z = try varint()
        return Int64(bitPattern: (z >> 1) ^ (0 &- (z & 1)))
    }

    public mutating func int() throws -> Int {
        let v = try int64()
        guard let i = Int(exactly: v) else { throw fail("integer out of range") }
        return i
    }

    /// A count that must lie in `0...limit` (array lengths, counters).
    public mutating func count(max limit: Int) throws -> Int {
        let v = try varint()
        guard v <= UInt64(limit) else { throw fail("count \(v) over \(limit)") }
        return Int(v)
    }

    public mutating func fixed64() throws -> UInt64 {
        guard bytes.count - offset >= 8 else { throw fail("ends early") }
        var v: UInt64 = 0
        for k in 0..<8 { v |= UInt64(bytes[offset + k]) << UInt64(8 * k) }
        offset += 8
        return v
    }

    public mutating func float() throws -> Float {
        guard bytes.count - offset >= 4 else { throw fail("ends early") }
        var v: UInt32 = 0
        for k in 0..<4 { v |= UInt32(bytes[offset + k]) << UInt32(8 * k) }
        offset += 4
        return Float(bitPattern: v)
    }

    public mutating func string(maxBytes: Int = 1 << 24) throws -> String {
        let n = try count(max: maxBytes)
        guard bytes.count - offset >= n else { throw fail("ends early") }
        defer { offset += n }
        return String(decoding: bytes[offset..<(offset + n)], as: UTF8.self)
    }

    public mutating func raw(_ n: Int) throws -> ArraySlice<UInt8> {
        guard n >= 0, bytes.count - offset >= n else { throw fail("ends early") }
        defer { offset += n }
        return bytes[offset..<(offset + n)]
    }
}
