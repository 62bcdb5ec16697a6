/// Rendered log lines of one day, in generation order, with the keys to sort them.
///
/// Lines are rendered once into `bytes`; sorting works on a `[UInt64]` of
/// `(millisecond of day << 36) | line number`, so no line is moved until it is written.
struct DayArena: Sendable {
    var bytes: [UInt8] = []
    /// Start offset of each line in `bytes` (a line ends where the next starts).
    var starts: [Int] = []
    /// Milliseconds since the start of the arena's day.
    var millis: [UInt32] = []
    /// Part file of each line.
    var parts: [UInt8] = []
    /// Connections the lines go over (worlds with a capture only).
    var connections: [SimulatedConnection] = []

    var count: Int { starts.count }

    /// Marks the start of a line about to be appended to `bytes`.
    @inline(__always) mutating func begin() { starts.append(bytes.count) }

    @inline(__always) mutating func end(millisOfDay: Int64, part: Int) {
        millis.append(UInt32(truncatingIfNeeded: millisOfDay))
        parts.append(UInt8(truncatingIfNeeded: part))
    }

    func end(ofLine i: Int) -> Int { i + 1 < starts.count ? starts[i + 1] : bytes.count }

    mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        starts.removeAll(keepingCapacity: true)
        millis.removeAll(keepingCapacity: true)
        parts.removeAll(keepingCapacity: true)
        connections.removeAll(keepingCapacity: true)
    }
}

/// The arenas of one day in a fixed order, sorted by time.
struct SortedDay: Sendable {
    let arenas: [DayArena]
    /// `millis << 36 | global line number`, ascending.
    let keys: [UInt64]
    /// Global line number of each arena's first line.
    let bases: [Int]

    static let lineMask: UInt64 = (1 << 36) - 1

    init(arenas: [DayArena]) {
        self.arenas = arenas
        var bases: [Int] = []
        var keys: [UInt64] = []
        var total = 0
        for a in arenas {
            bases.append(total)
            total += a.count
        }
        keys.reserveCapacity(total)
        for (k, a) in arenas.enumerated() {
            let base = UInt64(bases[k])
            for i in 0..<a.count { keys.append(UInt64(a.millis[i]) << 36 | (base + UInt64(i))) }
        }
        keys.sort()
        self.keys = keys
        self.bases = bases
    }

    /// The arena and local line index of a global line number.
    @inline(__always) func locate(_ line: Int) -> (Int, Int) {
        var lo = 0, hi = bases.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if bases[mid] <= line { lo = mid } else { hi = mid - 1 }
        }
        return (lo, line - bases[lo])
    }
}
