/// The binary search tree of a MaxMind DB with IPv6 keys (spec 2.0, "Binary Search Tree
/// Section"), built in memory as two arrays of records.
///
/// A record is 0 (no data), a node index (`1..<2^31`), or `dataFlag | id` for the `id`-th
/// record of the data section. Networks must be inserted shortest prefix first: a network
/// inserted inside a shorter one copies the shorter one's data into the new branches it
/// opens ("pushes it down"), so the longest matching network wins.
struct SearchTreeBuilder {
    static let dataFlag: UInt32 = 0x8000_0000
    private(set) var left: [UInt32] = [0]
    private(set) var right: [UInt32] = [0]
    private var lastLength = 0

    var nodeCapacityExceeded: Bool { left.count >= Int(Self.dataFlag) }

    /// Sets the record of `key/length` (128-bit key space) to data record `id`.
    /// - Precondition: no network longer than `length` was inserted before.
    mutating func insert(key: UInt128, length: Int, data id: UInt32) {
        precondition(length >= lastLength, "insert networks shortest prefix first")
        lastLength = length
        let record = Self.dataFlag | id
        if length == 0 {
            // The whole space: both halves (a lookup reports /1, the shortest the format has).
            left[0] = record
            right[0] = record
            return
        }
        let node = walk(to: key, depth: length - 1)
        set(node, bit: Self.bit(key, length - 1), record)
    }

    /// Makes `::ffff:0:0/96` (IPv4-mapped IPv6) lead to the same records as `::/96` (IPv4).
    /// Called once, after every insert; the two branches then share nodes.
    mutating func aliasMappedIPv4() {
        // The ::/96 record: follow left records (zero bits) from the root.
        var node = 0
        var ipv4Root: UInt32 = 0
        for depth in 0..<96 {
            let r = left[node]
            if depth == 95 || !Self.isNode(r) {
                ipv4Root = r
                break
            }
            node = Int(r)
        }
        let mapped: UInt128 = 0xFFFF << 32
        let parent = walk(to: mapped, depth: 95)
        set(parent, bit: Self.bit(mapped, 95), ipv4Root)
    }

    /// The node at `depth` on the path of `key`, creating nodes (and pushing data down) as needed.
    private mutating func walk(to key: UInt128, depth: Int) -> Int {
        var node = 0
        for d in 0..<depth {
            let b = Self.bit(key, d)
            let r = b == 0 ? left[node] : right[node]
            if Self.isNode(r) {
                node = Int(r)
                continue
            }
            let child = left.count
            left.append(r)
            right.append(r)
            set(node, bit: b, UInt32(child))
            node = child
        }
        return node
    }

    private mutating func set(_ node: Int, bit: Int, _ record: UInt32) {
        if bit == 0 { left[node] = record } else { right[node] = record }
    }

    static func isNode(_ r: UInt32) -> Bool { r != 0 && r & dataFlag == 0 }

    /// Bit `index` of a 128-bit key, 0 being the most significant.
    static func bit(_ key: UInt128, _ index: Int) -> Int { Int(truncatingIfNeeded: (key >> UInt128(127 - index)) & 1) }

    /// The reachable nodes in breadth-first order from the root (root first), as a map
    /// from builder index to file index, and their count.
    func numbering() -> (fileIndex: [UInt32], count: Int) {
        var fileIndex = [UInt32](repeating: UInt32.max, count: left.count)
        var order: [Int] = [0]
        fileIndex[0] = 0
        var i = 0
        while i < order.count {
            let n = order[i]
            for r in [left[n], right[n]] where Self.isNode(r) && fileIndex[Int(r)] == UInt32.max {
                fileIndex[Int(r)] = UInt32(order.count)
                order.append(Int(r))
            }
            i += 1
        }
        return (fileIndex, order.count)
    }

    /// The tree section: `count` nodes of two `recordSize`-bit big-endian records each.
    /// `value(record)` gives a record's value in the file (node number, node count for
    /// no data, or node count + 16 + data offset).
    func serialize(fileIndex: [UInt32], count: Int, recordSize: Int, value: (UInt32) -> UInt64) -> [UInt8] {
        let nodeBytes = recordSize / 4
        var out = [UInt8](repeating: 0, count: count * nodeBytes)
        for n in 0..<left.count where fileIndex[n] != UInt32.max {
            let at = Int(fileIndex[n]) * nodeBytes
            let l = value(left[n]), r = value(right[n])
            switch recordSize {
            case 24:
                Self.store(l, bytes: 3, into: &out, at: at)
                Self.store(r, bytes: 3, into: &out, at: at + 3)
            case 28:
                // The top nibble of each record shares the middle byte, left's first.
                Self.store(l & 0xFF_FFFF, bytes: 3, into: &out, at: at)
                out[at + 3] = UInt8(truncatingIfNeeded: (l >> 24) << 4 | (r >> 24))
                Self.store(r & 0xFF_FFFF, bytes: 3, into: &out, at: at + 4)
            default:
                Self.store(l, bytes: 4, into: &out, at: at)
                Self.store(r, bytes: 4, into: &out, at: at + 4)
            }
        }
        return out
    }

    private static func store(_ v: UInt64, bytes: Int, into out: inout [UInt8], at: Int) {
        for i in 0..<bytes { out[at + i] = UInt8(truncatingIfNeeded: v >> UInt64(8 * (bytes - 1 - i))) }
    }
}
