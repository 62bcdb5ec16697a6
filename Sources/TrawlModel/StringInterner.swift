#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Maps repeated byte strings (account ids, user agents, keys) to dense integer ids.
///
/// Id `0` is reserved for "absent". Each decoding worker owns one interner; ids are
/// local to it and are translated through `string(_:)` or `hash(_:)` when state from
/// several workers is merged. Hand-written (open addressing over a byte arena) because
/// it runs for every string field of every line: no `String` is built on a hit.
/// - Complexity: O(length) per lookup, amortised.
public struct StringInterner: Sendable {
    private var arena: [UInt8] = []
    private var offsets: [UInt32] = [0]
    private var lengths: [UInt32] = [0]
    private var hashes: [UInt64] = [0]
    private var slots: [UInt32] = Array(repeating: 0, count: 1024)
    private var mask = 1023

    public init() {}

    /// Number of distinct strings interned (excluding the reserved id 0).
    public var count: Int { offsets.count - 1 }

    /// The id of `bytes`, adding it when new.
    public mutating func intern(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        let h = stableHash(bytes)
        var slot = Int(truncatingIfNeeded: h) & mask
        while true {
            let id = slots[slot]
            if id == 0 { break }
            if hashes[Int(id)] == h && lengths[Int(id)] == UInt32(bytes.count) {
                let off = Int(offsets[Int(id)])
                let same = arena.withUnsafeBytes { a in
                    bytes.count == 0 || memcmp(a.baseAddress! + off, bytes.baseAddress!, bytes.count) == 0
                }
                if same { return id }
            }
            slot = (slot + 1) & mask
        }
        let id = UInt32(offsets.count)
        offsets.append(UInt32(arena.count))
        lengths.append(UInt32(bytes.count))
        hashes.append(h)
        arena.append(contentsOf: bytes)
        slots[slot] = id
        if offsets.count * 2 > slots.count { grow() }
        return id
    }

    /// The id of `text`, adding it when new.
    public mutating func intern(_ text: String) -> UInt32 {
        var copy = text
        return copy.withUTF8 { intern(UnsafeRawBufferPointer($0)) }
    }

    /// The text of an id (`""` for id 0).
    public func string(_ id: UInt32) -> String {
        let i = Int(id)
        let off = Int(offsets[i]), len = Int(lengths[i])
        return arena.withUnsafeBufferPointer { a in
            String(decoding: UnsafeBufferPointer(rebasing: a[off..<(off + len)]), as: UTF8.self)
        }
    }

    /// The stable content hash of an id's text; equal texts hash equally in every interner.
    @inlinable public func hash(_ id: UInt32) -> UInt64 { hashAt(Int(id)) }

    @usableFromInline func hashAt(_ i: Int) -> UInt64 { hashes[i] }

    private mutating func grow() {
        let capacity = slots.count * 2
        slots = Array(repeating: 0, count: capacity)
        mask = capacity - 1
        for id in 1..<offsets.count {
            var slot = Int(truncatingIfNeeded: hashes[id]) & mask
            while slots[slot] != 0 { slot = (slot + 1) & mask }
            slots[slot] = UInt32(id)
        }
    }
}

/// State that can be combined: `merge` is associative and commutative, so partial
/// states built per file, per core or per machine combine into the state of all input.
public protocol Mergeable {
    mutating func merge(_ other: Self)
}
