import TrawlModel

/// Writes feature state in Trawl's compact binary form (see `AccountDayState.encoded()`).
///
/// Integers are LEB128 varints (signed ones zigzag-encoded first), hashes fixed 8 bytes
/// little-endian, floats their IEEE bit patterns, strings a varint length and UTF-8.
/// Hand-written rather than `Codable`: a live run encodes every sealed bucket of every
/// active account, and a generic encoder's boxing per field cost more than the state.
public struct StateWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init(capacity: Int = 256) { bytes.reserveCapacity(capacity) }

    @inline(__always) public mutating func byte(_ v: UInt8) { bytes.append(v) }

    @inline(__always) public mutating func bool(_ v: Bool) { bytes.append(v ? 1 : 0) }

    @inline(__always) public mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    /// A signed integer, zigzag-encoded so that small negative values stay short.
    @inline(__always) public mutating func int(_ value: Int64) {
        varint(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    @inline(__always) public mutating func int(_ value: Int) { int(Int64(value)) }

    @inline(__always) public mutating func fixed64(_ value: UInt64) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    @inline(__always) public mutating func float(_ value: Float) {
        withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
    }

    public mutating func string(_ value: String) {
        var copy = value
        copy.withUTF8 { utf8 in
            varint(UInt64(utf8.count))
            bytes.append(contentsOf: utf8)
        }
    }

    public mutating func raw(_ data: some Collection<UInt8>) { bytes.append(contentsOf: data) }
}
