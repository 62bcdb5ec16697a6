/// A fixed number of integer counters kept inside the value that holds them.
///
/// For the small per-day tables of `AccountDayState` (requests per hour, active-minute
/// bits, tokens per plan window): as `Array`s each was a heap block of its own, allocated
/// for every account-day of every worker, retained on each copy and, for a request of an
/// account last seen long ago, one more cache miss.
public struct InlineCounts<let count: Int, Element: FixedWidthInteger & Sendable>: Sendable, Equatable {
    private var storage: InlineArray<count, Element>

    public init() { storage = InlineArray(repeating: 0) }

    @inline(__always) public subscript(i: Int) -> Element {
        get { storage[i] }
        set { storage[i] = newValue }
    }

    /// The counters as an array, for code that reads them once.
    public var elements: [Element] { (0..<count).map { storage[$0] } }

    public static func == (a: Self, b: Self) -> Bool {
        for i in 0..<count where a.storage[i] != b.storage[i] { return false }
        return true
    }
}
