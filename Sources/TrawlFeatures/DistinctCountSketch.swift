import TrawlModel

/// Estimates the number of distinct items (addresses, user agents, sessions) in fixed memory.
///
/// Exact up to `sparseLimit` items (the hashes themselves are kept, so small counts in an
/// explanation are true counts); past that a HyperLogLog with 2^12 registers, whose
/// relative standard error is about 1.04 / sqrt(4096) = 1.6%. Items are 64-bit stable
/// hashes, so sketches built by different workers or machines merge.
/// - Complexity: O(1) per insert (O(sparseLimit) while sparse); merge is O(4096).
public struct DistinctCountSketch: Sendable, Mergeable, Equatable {
    public static let precision = 12
    public static let registerCount = 1 << precision
    public static let sparseLimit = 64

    /// Sorted distinct hashes while small; empty once dense. (Internal, as the other stored
    /// parts of feature state: `AccountDayState+Coding.swift` reads and writes them.)
    var sparse: [UInt64] = []
    /// HyperLogLog registers once dense; empty while sparse.
    var registers: [UInt8] = []
    /// The last hash inserted (0: none). Requests of one account repeat the same address,
    /// key and session in runs; this answers those without touching the arrays, which
    /// live apart from the state and are seldom in cache. Not part of the value (`==`).
    private var recent: UInt64 = 0

    public init() {}

    public var isDense: Bool { !registers.isEmpty }
    public var isEmpty: Bool { sparse.isEmpty && registers.isEmpty }

    public static func == (a: DistinctCountSketch, b: DistinctCountSketch) -> Bool {
        a.sparse == b.sparse && a.registers == b.registers
    }

    @inline(__always) public mutating func insert(hash: UInt64) {
        if hash == recent && hash != 0 { return }
        recent = hash
        if !registers.isEmpty {
            Self.update(&registers, hash)
            return
        }
        // Binary search keeps the small set sorted, so equal sets compare equal.
        let lo = partitionIndex(count: sparse.count) { sparse[$0] < hash }
        if lo < sparse.count && sparse[lo] == hash { return }
        sparse.insert(hash, at: lo)
        if sparse.count > Self.sparseLimit { densify() }
    }

    @inline(__always) static func update(_ registers: inout [UInt8], _ hash: UInt64) {
        let index = Int(hash >> UInt64(64 - precision))
        let rest = hash << UInt64(precision)
        let rank = UInt8(min(rest.leadingZeroBitCount, 64 - precision) + 1)
        if registers[index] < rank { registers[index] = rank }
    }

    private mutating func densify() {
        registers = Array(repeating: 0, count: Self.registerCount)
        for h in sparse { Self.update(&registers, h) }
        sparse = []
    }

    public mutating func merge(_ other: DistinctCountSketch) {
        if other.isEmpty { return }
        if !registers.isEmpty || !other.registers.isEmpty {
            if registers.isEmpty { densify() }
            if other.registers.isEmpty {
                for h in other.sparse { Self.update(&registers, h) }
            } else {
                for i in 0..<Self.registerCount where other.registers[i] > registers[i] { registers[i] = other.registers[i] }
            }
            return
        }
        for h in other.sparse { insert(hash: h) }
    }

    /// The estimated number of distinct items (exact while sparse).
    public var estimate: Double {
        if registers.isEmpty { return Double(sparse.count) }
        let m = Double(Self.registerCount)
        var sum = 0.0
        var zeros = 0
        for r in registers {
            sum += 1.0 / Double(UInt64(1) << UInt64(r))
            if r == 0 { zeros += 1 }
        }
        let alpha = 0.7213 / (1 + 1.079 / m)
        let raw = alpha * m * m / sum
        if raw <= 2.5 * m && zeros > 0 {
            return m * log(m / Double(zeros))  // linear counting for the small range
        }
        return raw
    }

    /// The estimate rounded to a whole count.
    public var count: Int { Int(estimate.rounded()) }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
