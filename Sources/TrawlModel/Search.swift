/// The first index in `0..<count` for which `isBelow` is false, for a predicate that is
/// true for a prefix of the indices and false after it (a binary search: the insertion
/// point of a value in a sorted array).
/// - Complexity: O(log count) calls of `isBelow`.
@inlinable public func partitionIndex(count: Int, isBelow: (Int) -> Bool) -> Int {
    var lo = 0, hi = count
    while lo < hi {
        let mid = (lo + hi) / 2
        if isBelow(mid) { lo = mid + 1 } else { hi = mid }
    }
    return lo
}
