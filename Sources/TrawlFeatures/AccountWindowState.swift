import TrawlModel

/// One account's sliding windows in a live run: the buckets of mergeable state they hold,
/// and a running state per window.
///
/// Windows nest (shortest first, each containing the one before it), and every request is
/// held in exactly one bucket: in a bucket of the shortest window that still holds its
/// time. A bucket leaving a window moves into the next window's bucket that holds its time
/// (requests an hour old leave the 5-minute buckets of the 1 h window for the 1-hour buckets
/// of the 24 h window). Window `w`'s requests are therefore those of the buckets of windows
/// `0…w`, and its running state is their merge. Requests are merged into their bucket and
/// into the running state of every window holding them, so scoring an account reads a
/// running state and merges nothing; when buckets leave a window for good, its running
/// state is rebuilt from the buckets that remain (on the account's next scoring).
///
/// Buckets of the shortest window are live state while they can grow; the others are
/// sealed into the binary form (`AccountDayState.encoded()`, a fraction of the memory).
/// With 1 h and 24 h windows an account holds three live states (a 5-minute bucket and two
/// running states) and up to 35 sealed buckets.
public struct AccountWindowState: Sendable {
    struct OpenBucket: Sendable {
        var index: Int64
        var state: AccountDayState
        /// Changed since the last checkpoint.
        var dirty: Bool
    }

    struct SealedBucket: Sendable {
        var index: Int64
        var bytes: [UInt8]
        var dirty: Bool

        func decoded() -> AccountDayState {
            do { return try AccountDayState(decoding: bytes) } catch {
                preconditionFailure("a sealed bucket written by this process does not decode: \(error)")
            }
        }

        /// Merges `state` into the sealed state.
        mutating func merge(_ state: AccountDayState) {
            var merged = decoded()
            merged.merge(state)
            bytes = merged.encoded()
            dirty = true
        }
    }

    struct Window: Sendable {
        /// Live buckets (the shortest window only), sorted by index.
        var open: [OpenBucket] = []
        /// Sealed buckets, sorted by index.
        var sealed: [SealedBucket] = []
        var running = AccountDayState()
        /// `running` is the merge of the buckets of this window and the shorter ones.
        var runningValid = true

        var isEmpty: Bool { open.isEmpty && sealed.isEmpty }
    }

    /// Where a window stands at the watermark: its oldest bucket and the bucket of the watermark.
    struct Bounds {
        var first: Int64
        var current: Int64
    }

    var windows: [Window]
    /// Where this account's buckets begin within the finest bucket (0: on the epoch's grid);
    /// every bucket index of the account counts time shifted back by it.
    let phase: Int64
    /// The finest bucket (in shifted time) the windows were last slid to.
    var slidTo: Int64 = .min

    init(windows: Int, phase: Int64 = 0) {
        self.windows = Array(repeating: Window(), count: windows)
        self.phase = phase
    }

    var isEmpty: Bool { windows.allSatisfy(\.isEmpty) }

    /// Merges the state of requests in one finest period (starting at `ts`) into the bucket of
    /// the shortest window that holds `ts` and into the running states of the windows that
    /// hold it. Returns `false` (and adds nothing) when no window holds `ts` any more.
    mutating func add(_ state: AccountDayState, at ts: Timestamp, specs: [WindowSpec], bounds: [Bounds]) -> Bool {
        guard let home = specs.indices.first(where: { specs[$0].bucket(of: ts) >= bounds[$0].first }) else { return false }
        let index = specs[home].bucket(of: ts)
        // The running state of every window from `home` on (window `w` covers the buckets of
        // windows 0…w: when they hold nothing yet, its running state becomes this one).
        var emptySoFar = true
        for w in windows.indices {
            emptySoFar = emptySoFar && windows[w].isEmpty
            guard w >= home, windows[w].runningValid else { continue }
            if emptySoFar { windows[w].running = state } else { windows[w].running.merge(state) }
        }
        if home == 0 {
            if let k = windows[0].open.lastIndex(where: { $0.index == index }) {
                windows[0].open[k].state.merge(state)
                windows[0].open[k].dirty = true
            } else if let k = windows[0].sealed.lastIndex(where: { $0.index == index }) {
                // Late for a sealed bucket (sources are not in time order across files).
                windows[0].sealed[k].merge(state)
            } else {
                var k = windows[0].open.count
                while k > 0 && windows[0].open[k - 1].index > index { k -= 1 }
                windows[0].open.insert(OpenBucket(index: index, state: state, dirty: true), at: k)
            }
        } else {
            insertSealed(state.encoded(), or: state, index: index, window: home)
        }
        return true
    }

    /// Puts sealed bytes (or merges `state`) into window `w`'s bucket `index`.
    private mutating func insertSealed(_ bytes: @autoclosure () -> [UInt8], or state: AccountDayState?, index: Int64, window w: Int) {
        if let k = windows[w].sealed.lastIndex(where: { $0.index == index }) {
            windows[w].sealed[k].merge(state ?? SealedBucket(index: index, bytes: bytes(), dirty: true).decoded())
            return
        }
        var k = windows[w].sealed.count
        while k > 0 && windows[w].sealed[k - 1].index > index { k -= 1 }
        windows[w].sealed.insert(SealedBucket(index: index, bytes: bytes(), dirty: true), at: k)
    }

    /// Slides every window to new bounds: seals live buckets the shortest window has moved
    /// past, and moves the buckets that left each window into the next window that holds
    /// them (dropping those no window holds). Running states that lost requests are rebuilt
    /// before their next use.
    mutating func slide(specs: [WindowSpec], bounds: [Bounds]) {
        var k = 0
        while k < windows[0].open.count {
            guard windows[0].open[k].index < bounds[0].current else {
                k += 1
                continue
            }
            let b = windows[0].open.remove(at: k)
            var at = windows[0].sealed.count
            while at > 0 && windows[0].sealed[at - 1].index > b.index { at -= 1 }
            windows[0].sealed.insert(SealedBucket(index: b.index, bytes: b.state.encoded(), dirty: b.dirty), at: at)
        }
        for w in windows.indices {
            var leaving = 0
            while leaving < windows[w].sealed.count && windows[w].sealed[leaving].index < bounds[w].first { leaving += 1 }
            guard leaving > 0 else { continue }
            let moved = windows[w].sealed.prefix(leaving)
            windows[w].sealed.removeFirst(leaving)
            windows[w].runningValid = false
            for b in moved {
                let ts = b.index * specs[w].bucketMillis
                // The next window that still holds its time; the windows between lose it too.
                var target = w + 1
                while target < windows.count && specs[target].bucket(of: ts) < bounds[target].first {
                    windows[target].runningValid = false
                    target += 1
                }
                guard target < windows.count else { continue }
                insertSealed(b.bytes, or: nil, index: specs[target].bucket(of: ts), window: target)
            }
        }
        // A window left with nothing holds nothing: its running state is empty, not stale.
        var emptySoFar = true
        for w in windows.indices {
            if !windows[w].isEmpty { emptySoFar = false }
            if emptySoFar && !windows[w].runningValid {
                windows[w].running = AccountDayState()
                windows[w].runningValid = true
            }
        }
    }

    /// Rebuilds the running state of window `w` when some buckets left it: the running state
    /// of window `w - 1` (the merge of windows `0…w-1`'s buckets, rebuilt first if need be)
    /// merged with window `w`'s own buckets, so the shorter windows' buckets are not decoded
    /// again for every longer window.
    mutating func rebuild(window w: Int) {
        guard !windows[w].runningValid else { return }
        var merged = AccountDayState()
        if w > 0 {
            rebuild(window: w - 1)
            merged = windows[w - 1].running
        }
        for b in windows[w].open { merged.merge(b.state) }
        for b in windows[w].sealed { merged.merge(b.decoded()) }
        windows[w].running = merged
        windows[w].runningValid = true
    }

    /// Calls `body` with the running state of window `w` where it lies (rebuilt first when
    /// buckets left it). (`inout` only so that it is passed where it lies: `body` must not
    /// change it.)
    public mutating func withRunning<T>(window w: Int, _ body: (inout AccountDayState) throws -> T) rethrows -> T {
        rebuild(window: w)
        return try body(&windows[w].running)
    }

    /// The running state of window `w`, rebuilt first when buckets left it.
    mutating func running(window w: Int) -> AccountDayState {
        rebuild(window: w)
        return windows[w].running
    }

    /// Requests in window `w` (needs no running state).
    func requests(window w: Int) -> Int {
        if windows[w].runningValid { return windows[w].running.requests }
        var n = 0
        for v in 0...w {
            for b in windows[v].open { n += b.state.requests }
            for b in windows[v].sealed { n += b.decoded().requests }
        }
        return n
    }

    /// Buckets held (all windows), sealed and live.
    var bucketCounts: (sealed: Int, open: Int) {
        windows.reduce((0, 0)) { ($0.0 + $1.sealed.count, $0.1 + $1.open.count) }
    }

    /// Adds a stored bucket of window `w` (restoring a checkpoint): live when it is the
    /// shortest window's current bucket or later, else sealed as stored.
    mutating func restore(_ state: AccountDayState, bytes: [UInt8], index: Int64, window w: Int, current: Int64) {
        if w == 0 && index >= current {
            windows[0].open.append(OpenBucket(index: index, state: state, dirty: false))
            windows[0].open.sort { $0.index < $1.index }
        } else {
            windows[w].sealed.append(SealedBucket(index: index, bytes: bytes, dirty: false))
            windows[w].sealed.sort { $0.index < $1.index }
        }
        for v in w..<windows.count { windows[v].runningValid = false }
    }
}
