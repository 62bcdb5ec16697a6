import TrawlModel

/// xoshiro256** seeded through SplitMix64: the only source of randomness in the simulator.
///
/// Hand-written (not `SystemRandomNumberGenerator`, not the standard library's
/// `shuffled()` or `random(in:)`, whose algorithms may change between releases) so that a
/// seed gives the same world on every platform and toolchain.
/// - Complexity: O(1) per draw.
struct SimulationRandom {
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64

    init(seed: UInt64) {
        var x = seed
        @inline(__always) func splitMix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitMix()
        s1 = splitMix()
        s2 = splitMix()
        s3 = splitMix()
    }

    /// A generator for one purpose: the world seed combined with tags (account index, day, ...).
    init(_ seed: UInt64, _ tags: UInt64...) {
        var h = mix64(seed)
        for t in tags { h = mix64(h ^ (t &* 0xD6E8_FEB8_6659_FD93)) }
        self.init(seed: h)
    }

    @inline(__always) mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = s3 << 45 | s3 >> 19
        return result
    }

    /// Uniform in `0..<n` (`n > 0`), by the multiply-high method.
    @inline(__always) mutating func int(_ n: Int) -> Int {
        Int(truncatingIfNeeded: next().multipliedFullWidth(by: UInt64(n)).high)
    }

    /// Uniform in a closed range.
    @inline(__always) mutating func int(_ lo: Int, _ hi: Int) -> Int {
        lo + int(hi - lo + 1)
    }

    /// Uniform in `[0, 1)`.
    @inline(__always) mutating func unit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    @inline(__always) mutating func uniform(_ lo: Double, _ hi: Double) -> Double {
        lo + (hi - lo) * unit()
    }

    @inline(__always) mutating func chance(_ p: Double) -> Bool { unit() < p }

    /// Standard normal (Box–Muller, one value per call).
    mutating func normal() -> Double {
        let u = max(unit(), 1e-300)
        let v = unit()
        return (-2 * _log(u)).squareRoot() * _cos(2 * Double.pi * v)
    }

    /// Log-normal with the given median and shape.
    mutating func logNormal(median: Double, sigma: Double) -> Double {
        median * _exp(sigma * normal())
    }

    /// Log-uniform in `[lo, hi]`.
    mutating func logUniform(_ lo: Double, _ hi: Double) -> Double {
        lo * _exp(unit() * _log(hi / lo))
    }

    mutating func exponential(mean: Double) -> Double {
        -mean * _log(1 - unit())
    }

    /// Poisson count; normal approximation above a mean of 40.
    mutating func poisson(_ mean: Double) -> Int {
        if mean <= 0 { return 0 }
        if mean > 40 { return max(0, Int((mean + mean.squareRoot() * normal()).rounded())) }
        let limit = _exp(-mean)
        var k = 0
        var p = unit()
        while p > limit {
            k += 1
            p *= unit()
        }
        return k
    }

    /// Geometric count `>= 1` with the given mean.
    mutating func geometric(mean: Double) -> Int {
        if mean <= 1 { return 1 }
        let p = 1 / mean
        return 1 + Int(_log(1 - unit()) / _log(1 - p))
    }

    mutating func pick<T>(_ values: [T]) -> T { values[int(values.count)] }

    /// An index drawn with probability proportional to `weights`.
    mutating func weighted(_ weights: [Double]) -> Int {
        var total = 0.0
        for w in weights { total += w }
        var x = unit() * total
        for (i, w) in weights.enumerated() {
            x -= w
            if x < 0 { return i }
        }
        return weights.count - 1
    }

    /// Fisher–Yates, with this generator.
    mutating func shuffle<T>(_ values: inout [T]) {
        var i = values.count - 1
        while i > 0 {
            let j = int(i + 1)
            values.swapAt(i, j)
            i -= 1
        }
    }

    /// `k` distinct indices of `0..<n` (`k <= n`), in draw order.
    mutating func sample(_ k: Int, of n: Int) -> [Int] {
        if k * 3 >= n {
            var all = Array(0..<n)
            shuffle(&all)
            return Array(all.prefix(k))
        }
        var seen = Set<Int>()
        var out: [Int] = []
        while out.count < k {
            let x = int(n)
            if seen.insert(x).inserted { out.append(x) }
        }
        return out
    }
}

#if canImport(Glibc)
    import Glibc
    @inline(__always) func _log(_ x: Double) -> Double { Glibc.log(x) }
    @inline(__always) func _exp(_ x: Double) -> Double { Glibc.exp(x) }
    @inline(__always) func _cos(_ x: Double) -> Double { Glibc.cos(x) }
    @inline(__always) func _sin(_ x: Double) -> Double { Glibc.sin(x) }
#elseif canImport(Darwin)
    import Darwin
    @inline(__always) func _log(_ x: Double) -> Double { Darwin.log(x) }
    @inline(__always) func _exp(_ x: Double) -> Double { Darwin.exp(x) }
    @inline(__always) func _cos(_ x: Double) -> Double { Darwin.cos(x) }
    @inline(__always) func _sin(_ x: Double) -> Double { Darwin.sin(x) }
#endif
