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
    @usableFromInline struct Entry: Sendable {
        @usableFromInline var hash: UInt64
        var offset: Int
        var length: UInt32
    }

    private var arena: [UInt8] = []
    @usableFromInline var entries: [Entry] = [Entry(hash: 0, offset: 0, length: 0)]
    private var slots: [UInt32] = Array(repeating: 0, count: 1024)
    private var mask = 1023

    public init() {}

    /// Number of distinct strings interned (excluding the reserved id 0).
    public var count: Int { entries.count - 1 }

    /// The id of `bytes`, adding it when new.
    public mutating func intern(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        let h = stableHash(bytes)
        let n = UInt32(min(bytes.count, Int(UInt32.max)))
        var slot = Int(truncatingIfNeeded: h) & mask
        let mask = self.mask
        // One pass over raw buffers: no bounds checks or retains in the probe loop.
        let hit: UInt32 = slots.withUnsafeBufferPointer { sl in
            entries.withUnsafeBufferPointer { es in
                arena.withUnsafeBytes { a in
                    while true {
                        let id = sl[slot]
                        if id == 0 { return 0 }
                        let e = es[Int(id)]
                        if e.hash == h && e.length == n
                            && (n == 0 || memcmp(a.baseAddress! + e.offset, bytes.baseAddress!, Int(n)) == 0)
                        {
                            return id
                        }
                        slot = (slot + 1) & mask
                    }
                }
            }
        }
        if hit != 0 { return hit }
        let id = UInt32(entries.count)
        entries.append(Entry(hash: h, offset: arena.count, length: n))
        arena.append(contentsOf: bytes)
        slots[slot] = id
        if entries.count * 2 > slots.count { grow() }
        return id
    }

    /// The id of `text`, adding it when new.
    public mutating func intern(_ text: String) -> UInt32 {
        var copy = text
        return copy.withUTF8 { intern(UnsafeRawBufferPointer($0)) }
    }

    /// The text of an id (`""` for id 0).
    public func string(_ id: UInt32) -> String {
        let e = entries[Int(id)]
        let off = e.offset, len = Int(e.length)
        return arena.withUnsafeBufferPointer { a in
            String(decoding: UnsafeBufferPointer(rebasing: a[off..<(off + len)]), as: UTF8.self)
        }
    }

    /// The stable content hash of an id's text; equal texts hash equally in every interner.
    @inlinable public func hash(_ id: UInt32) -> UInt64 { entries[Int(id)].hash }

    private mutating func grow() {
        let capacity = slots.count * 2
        slots = Array(repeating: 0, count: capacity)
        mask = capacity - 1
        for id in 1..<entries.count {
            var slot = Int(truncatingIfNeeded: entries[id].hash) & mask
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
