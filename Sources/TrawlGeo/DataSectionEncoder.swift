/// Encodes values in the MaxMind DB data-section format (spec 2.0, "Output Data Section").
///
/// Each field is a control byte (3 bits of type, 5 bits of size), an extended-type byte
/// for types above 7, 0-3 more size bytes, then the payload; numbers are big-endian and
/// integers use as few bytes as their value needs. With `deduplicating` on, a string
/// (map key or value) already written is replaced by a pointer to its first copy when the
/// pointer is shorter, and `append` returns the offset of an identical record written
/// before instead of writing it again.
struct DataSectionEncoder {
    private(set) var bytes: [UInt8] = []
    private let deduplicating: Bool
    private var stringOffsets: [String: Int] = [:]
    private var recordOffsets: [MaxMindValue: Int] = [:]

    init(deduplicating: Bool) {
        self.deduplicating = deduplicating
    }

    /// Writes a top-level value (the record of a network) and returns its offset in the section.
    mutating func append(_ value: MaxMindValue) -> Int {
        if deduplicating, let offset = recordOffsets[value] { return offset }
        let offset = bytes.count
        encode(value)
        if deduplicating { recordOffsets[value] = offset }
        return offset
    }

    private mutating func encode(_ value: MaxMindValue) {
        switch value {
        case .string(let s): encodeString(s)
        case .double(let d):
            control(type: 3, size: 8)
            appendBigEndian(d.bitPattern, byteCount: 8)
        case .float(let f):
            control(type: 15, size: 4)
            appendBigEndian(UInt64(f.bitPattern), byteCount: 4)
        case .bytes(let b):
            control(type: 4, size: b.count)
            bytes.append(contentsOf: b)
        case .uint16(let v): encodeUnsigned(UInt64(v), type: 5)
        case .uint32(let v): encodeUnsigned(UInt64(v), type: 6)
        case .uint64(let v): encodeUnsigned(v, type: 9)
        case .uint128(let v):
            let count = (128 - v.leadingZeroBitCount + 7) / 8
            control(type: 10, size: count)
            for i in stride(from: count - 1, through: 0, by: -1) { bytes.append(UInt8(truncatingIfNeeded: v >> UInt128(8 * i))) }
        case .int32(let v):
            // Shorter than 4 bytes is always positive, so negative values take all 4.
            if v < 0 {
                control(type: 8, size: 4)
                appendBigEndian(UInt64(UInt32(bitPattern: v)), byteCount: 4)
            } else {
                encodeUnsigned(UInt64(v), type: 8)
            }
        case .boolean(let b): control(type: 14, size: b ? 1 : 0)
        case .array(let items):
            control(type: 11, size: items.count)
            for item in items { encode(item) }
        case .map(let pairs):
            control(type: 7, size: pairs.count)
            for key in pairs.keys.sorted() {
                encodeString(key)
                encode(pairs[key]!)
            }
        }
    }

    private mutating func encodeString(_ s: String) {
        let utf8 = s.utf8
        if deduplicating, let offset = stringOffsets[s], Self.pointerLength(offset) < Self.headerLength(utf8.count) + utf8.count {
            pointer(to: offset)
            return
        }
        if deduplicating && stringOffsets[s] == nil { stringOffsets[s] = bytes.count }
        control(type: 2, size: utf8.count)
        bytes.append(contentsOf: utf8)
    }

    private mutating func encodeUnsigned(_ v: UInt64, type: Int) {
        let count = (64 - v.leadingZeroBitCount + 7) / 8
        control(type: type, size: count)
        appendBigEndian(v, byteCount: count)
    }

    private mutating func appendBigEndian(_ v: UInt64, byteCount: Int) {
        for i in stride(from: byteCount - 1, through: 0, by: -1) { bytes.append(UInt8(truncatingIfNeeded: v >> UInt64(8 * i))) }
    }

    /// The control byte(s) of a field: type (extended above 7) and payload size or count.
    private mutating func control(type: Int, size: Int) {
        precondition(size <= Self.maximumSize, "field larger than the format allows")
        let typeBits = UInt8(type <= 7 ? type : 0) << 5
        switch size {
        case ..<29:
            bytes.append(typeBits | UInt8(size))
            if type > 7 { bytes.append(UInt8(type - 7)) }
        case ..<285:
            bytes.append(typeBits | 29)
            if type > 7 { bytes.append(UInt8(type - 7)) }
            bytes.append(UInt8(size - 29))
        case ..<65_821:
            bytes.append(typeBits | 30)
            if type > 7 { bytes.append(UInt8(type - 7)) }
            appendBigEndian(UInt64(size - 285), byteCount: 2)
        default:
            bytes.append(typeBits | 31)
            if type > 7 { bytes.append(UInt8(type - 7)) }
            appendBigEndian(UInt64(size - 65_821), byteCount: 3)
        }
    }

    /// The largest payload size (or map/array count) a control byte can say.
    static let maximumSize = 65_821 + 0xFF_FFFF

    static func headerLength(_ size: Int) -> Int {
        switch size {
        case ..<29: 1
        case ..<285: 2
        case ..<65_821: 3
        default: 4
        }
    }

    /// A pointer (type 1, `001SSVVV`): 11, 19 or 27 bits biased by 0, 2048, 526336, or 32 bits.
    private mutating func pointer(to offset: Int) {
        switch offset {
        case ..<2048:
            bytes.append(0x20 | UInt8(offset >> 8))
            bytes.append(UInt8(truncatingIfNeeded: offset))
        case ..<526_336:
            let v = offset - 2048
            bytes.append(0x28 | UInt8(v >> 16))
            appendBigEndian(UInt64(v), byteCount: 2)
        case ..<134_744_064:
            let v = offset - 526_336
            bytes.append(0x30 | UInt8(v >> 24))
            appendBigEndian(UInt64(v), byteCount: 3)
        default:
            bytes.append(0x38)
            appendBigEndian(UInt64(offset), byteCount: 4)
        }
    }

    static func pointerLength(_ offset: Int) -> Int {
        switch offset {
        case ..<2048: 2
        case ..<526_336: 3
        case ..<134_744_064: 4
        default: 5
        }
    }
}
