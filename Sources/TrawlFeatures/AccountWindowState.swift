import TrawlModel

/// One account's sliding windows in a live run: per window, the buckets of mergeable state
/// it holds and the running state of the whole window.
///
/// Events are merged into their bucket and into the running state directly, so scoring an
/// account reads the running state and merges nothing. When a bucket leaves a window the
/// running state is rebuilt from the buckets that remain (on the account's next scoring).
/// A bucket is live state while it can still grow and is sealed into its binary form
/// (`AccountDayState.encoded()`, a fraction of the memory) once the window has moved past it.
public struct AccountWindowState: Sendable {
    struct Bucket: Sendable {
        var index: Int64
        /// The state while the bucket is open (empty once sealed). Not an optional: reading
        /// or testing an optional state copies it, retaining every array it holds.
        var state: AccountDayState
        /// The sealed state's binary form (empty while open).
        var bytes: [UInt8] = []
        var isSealed = false
        /// Changed since the last checkpoint.
        var dirty: Bool

        init(index: Int64, state: consuming AccountDayState, dirty: Bool) {
            self.index = index
            self.state = state
            self.dirty = dirty
        }

        /// The bucket's state, decoded if sealed.
        func decoded() -> AccountDayState {
            guard isSealed else { return state }
            do { return try AccountDayState(decoding: bytes) } catch {
                preconditionFailure("a sealed bucket written by this process does not decode: \(error)")
            }
        }

        /// The binary form, encoded if open.
        var encoded: [UInt8] { isSealed ? bytes : state.encoded() }

        mutating func seal() {
            guard !isSealed else { return }
            bytes = state.encoded()
            state = AccountDayState()
            isSealed = true
        }
    }

    struct Window: Sendable {
        /// Sorted by index.
        var buckets: [Bucket] = []
        var running = AccountDayState()
        /// `running` is the merge of every bucket (else it is rebuilt before use).
        var runningValid = true
    }

    var windows: [Window]

    init(windows: Int) { self.windows = Array(repeating: Window(), count: windows) }

    var isEmpty: Bool { windows.allSatisfy { $0.buckets.isEmpty } }

    /// Merges the state of one bucket's events into window `w`.
    mutating func add(_ state: AccountDayState, bucket index: Int64, window w: Int) {
        let wasEmpty = windows[w].buckets.isEmpty
        var i = windows[w].buckets.count
        while i > 0 && windows[w].buckets[i - 1].index > index { i -= 1 }
        if i > 0 && windows[w].buckets[i - 1].index == index {
            let k = i - 1
            if !windows[w].buckets[k].isSealed {
                windows[w].buckets[k].state.merge(state)
            } else {
                // An event late for a sealed bucket (sources are not in time order across files).
                var merged = windows[w].buckets[k].decoded()
                merged.merge(state)
                windows[w].buckets[k].bytes = merged.encoded()
            }
            windows[w].buckets[k].dirty = true
        } else {
            windows[w].buckets.insert(Bucket(index: index, state: state, dirty: true), at: i)
        }
        if windows[w].runningValid {
            if wasEmpty { windows[w].running = state } else { windows[w].running.merge(state) }
        }
    }

    /// Drops buckets before `first` (the running state is then rebuilt before its next use)
    /// and seals open buckets before `current`.
    mutating func slide(window w: Int, first: Int64, current: Int64) {
        var dropped = 0
        while dropped < windows[w].buckets.count && windows[w].buckets[dropped].index < first { dropped += 1 }
        if dropped > 0 {
            windows[w].buckets.removeFirst(dropped)
            windows[w].runningValid = false
            if windows[w].buckets.isEmpty {
                windows[w].running = AccountDayState()
                windows[w].runningValid = true
            }
        }
        for k in windows[w].buckets.indices where windows[w].buckets[k].index < current { windows[w].buckets[k].seal() }
    }

    /// The running state of window `w`, rebuilt first when a bucket left it.
    mutating func running(window w: Int) -> AccountDayState {
        rebuild(window: w)
        return windows[w].running
    }

    /// Rebuilds the running state of window `w` from its buckets when a bucket left it.
    mutating func rebuild(window w: Int) {
        if !windows[w].runningValid {
            var merged = AccountDayState()
            for b in windows[w].buckets { merged.merge(b.decoded()) }
            windows[w].running = merged
            windows[w].runningValid = true
        }
    }

    /// Requests in window `w`, summed over its buckets (needs no running state).
    func requests(window w: Int) -> Int {
        if windows[w].runningValid { return windows[w].running.requests }
        return windows[w].buckets.reduce(0) { $0 + $1.decoded().requests }
    }

    /// Buckets held (all windows), sealed and open.
    var bucketCounts: (sealed: Int, open: Int) {
        var sealed = 0, open = 0
        for w in windows { for b in w.buckets { if b.isSealed { sealed += 1 } else { open += 1 } } }
        return (sealed, open)
    }
}
