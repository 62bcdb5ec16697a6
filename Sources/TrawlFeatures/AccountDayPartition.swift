/// Account-day states of one share of the accounts, in two parallel arrays.
///
/// Arrays, not a dictionary keyed by account-day: states are large values, and the
/// pipeline moves each one once into place, merges into it in place and reads it where
/// it lies (`Array` passes an element by address; a dictionary lookup returns a copy,
/// which retains every sketch the state holds).
public struct AccountDayPartition: Sendable {
    public private(set) var keys: [AccountDayKey] = []
    public private(set) var states: [AccountDayState] = []
    /// The position of each key, built by `merge` on first use.
    private var positions: [AccountDayKey: Int]?

    public init() {}

    public var count: Int { keys.count }

    /// Adds a state whose key is not in the partition yet.
    public mutating func append(_ key: AccountDayKey, _ state: consuming AccountDayState) {
        positions?[key] = keys.count
        keys.append(key)
        states.append(state)
    }

    /// Merges another share of the same accounts into this one, emptying it.
    public mutating func merge(_ other: inout AccountDayPartition) {
        if positions == nil {
            var p: [AccountDayKey: Int] = [:]
            p.reserveCapacity(keys.count + other.count)
            for (i, k) in keys.enumerated() { p[k] = i }
            positions = p
        }
        keys.reserveCapacity(keys.count + other.count)
        states.reserveCapacity(states.count + other.count)
        while let state = other.states.popLast() {
            let key = other.keys.removeLast()
            if let i = positions![key] {
                states[i].merge(state)
            } else {
                append(key, state)
            }
        }
        other = AccountDayPartition()
    }

    public mutating func reserveCapacity(_ n: Int) {
        keys.reserveCapacity(n)
        states.reserveCapacity(n)
    }

    /// Removes and returns the last state (moved out, not copied); `nil` when empty.
    public mutating func popLast() -> (AccountDayKey, AccountDayState)? {
        guard let state = states.popLast() else { return nil }
        let key = keys.removeLast()
        positions?[key] = nil
        return (key, state)
    }

    /// Positions in key order (account id, then day).
    public func sortedPositions() -> [Int] {
        keys.indices.sorted { keys[$0] < keys[$1] }
    }

    /// Frees the lookup table `merge` builds (the states stay).
    public mutating func dropPositions() { positions = nil }
}
