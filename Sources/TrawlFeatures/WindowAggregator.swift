import Dispatch
import TrawlModel

/// A bucket of one account's window in binary form: what a live run's checkpoint stores.
public struct WindowBucketRecord: Sendable, Equatable {
    public var accountID: String
    /// The window's span, which names it.
    public var spanMillis: Int64
    /// The bucket's number (`ts / bucketMillis` of the window).
    public var bucket: Int64
    /// `AccountDayState.encoded()` of the bucket's events.
    public var state: [UInt8]

    public init(accountID: String, spanMillis: Int64, bucket: Int64, state: [UInt8]) {
        self.accountID = accountID
        self.spanMillis = spanMillis
        self.bucket = bucket
        self.state = state
    }
}

/// The first bucket a window still holds: a checkpoint deletes its stored buckets before it.
public struct WindowStart: Sendable, Equatable {
    public var spanMillis: Int64
    public var bucket: Int64
    public init(spanMillis: Int64, bucket: Int64) {
        self.spanMillis = spanMillis
        self.bucket = bucket
    }
}

/// The sliding windows of every active account in a live run (`trawl tail`).
///
/// Fed with the states a `FeatureAccumulator` drains (its period set to the finest window's
/// bucket), one state per account and period: each goes into its bucket in every window
/// that still holds that time, and into those windows' running states. Event time drives
/// the windows: the `watermark` is the latest request time seen, and a bucket leaves a
/// window when the watermark has moved a span past it. Accounts with no bucket left are
/// forgotten, so memory is bounded by the accounts active within the longest window, not
/// by the events.
///
/// Staggered (as live runs use it), each account's buckets begin at its own phase within the
/// finest bucket (`WindowSpec.phase`), fed by an accumulator staggered the same way: a
/// window still reaches back between its span less one bucket and its span, but accounts
/// cross bucket boundaries at different moments, so sealing buckets and rebuilding running
/// states is spread over the finest bucket instead of falling on every account in one tick.
///
/// Keeps what a checkpoint needs: the buckets changed since the last one
/// (`checkpointChanges()`), and rebuilds itself from the stored buckets (`init(specs:records:)`).
/// - Complexity: `apply` is one merge into the state's bucket and one per window holding it;
///   `advance` walks every account whenever the watermark moved, and slides each once per
///   finest bucket of event time (a bucket leaving a window is merged into the next window's
///   once); a running state is rebuilt (one merge per bucket) once after buckets left it.
public struct WindowAggregator: Sendable {
    /// The windows, shortest first.
    public let specs: [WindowSpec]
    /// The finest bucket: the period the feeding accumulator must use.
    public let periodMillis: Int64
    /// Accounts' buckets begin at their own phase (the feeding accumulator must be staggered too).
    public let staggered: Bool
    /// The latest request time applied (`Timestamp.min` before any).
    public private(set) var watermark: Timestamp = .min
    /// The accounts, split among lanes by a hash of their id. Applying, sliding, taking a
    /// checkpoint's buckets and `mapAccounts` run one thread per lane: every account's
    /// windows are its own, so lanes change nothing they share (they read the specs and the
    /// watermark, set before they start), and a run's results do not depend on their number.
    var lanes: [Lane]
    /// The watermark the windows were last slid at (each account keeps the finest bucket it
    /// was slid to).
    private var slidAt: Timestamp = .min

    /// One lane's accounts.
    struct Lane: Sendable {
        var accounts: [String: AccountWindowState] = [:]
        /// Accounts changed since `takeChanged()`, and since `checkpointChanges()`.
        var changed: Set<String> = []
        var unsaved: Set<String> = []
        var lateRequests = 0
        /// States to apply (moved here from a drained partition, then applied on the lane's thread).
        var inbox: [(state: AccountDayState, accountID: String, phase: Int64, period: Int64)] = []
        /// Each window's bounds at a (shifted) watermark, recomputed when it changes.
        private var bounds: [AccountWindowState.Bounds] = []
        private var boundsAt: Timestamp = .min

        /// The windows' bounds at the watermark, for an account of `phase`.
        mutating func currentBounds(phase: Int64, _ shape: Shape) -> [AccountWindowState.Bounds] {
            let at = shape.watermark == .min ? Timestamp.min : shape.watermark - phase
            if boundsAt != at || bounds.isEmpty {
                boundsAt = at
                bounds.removeAll(keepingCapacity: true)
                for spec in shape.specs {
                    bounds.append(
                        at == .min
                            ? AccountWindowState.Bounds(first: .min, current: .min)
                            : AccountWindowState.Bounds(first: spec.firstBucket(at: at), current: spec.bucket(of: at)))
                }
            }
            return bounds
        }

        mutating func apply(_ state: AccountDayState, accountID: String, phase: Int64, period: Int64, _ shape: Shape) {
            let bounds = currentBounds(phase: phase, shape)
            // Times in the account's buckets are shifted back by its phase: `period` counts them.
            let held = accounts[accountID, default: AccountWindowState(windows: shape.specs.count, phase: phase)].add(
                state, at: period * shape.periodMillis, specs: shape.specs, bounds: bounds)
            guard held else {
                if accounts[accountID]?.isEmpty == true { accounts[accountID] = nil }
                lateRequests += state.requests
                return
            }
            changed.insert(accountID)
            unsaved.insert(accountID)
        }

        mutating func applyInbox(_ shape: Shape) {
            // States are moved out, not copied (a copy retains every array a state holds).
            var items: [(state: AccountDayState, accountID: String, phase: Int64, period: Int64)] = []
            swap(&items, &inbox)
            // In the order the partition held them (the inbox took them from its end): merges
            // past a top-k summary's capacity depend on the order.
            items.reverse()
            while let item = items.popLast() { apply(item.state, accountID: item.accountID, phase: item.phase, period: item.period, shape) }
            // The capacity is kept for the next tick, unless a catch-up's drain made it large
            // (a state is about 1 KB inline).
            if items.capacity <= Self.inboxKept { swap(&items, &inbox) }
        }

        static let inboxKept = 4096

        /// Slides the windows of every account whose finest bucket at the watermark is past
        /// the one it was last slid to; forgets those left with nothing.
        mutating func slideAll(_ shape: Shape) -> Bool {
            var slid = false
            var idle: [String] = []
            // Walked by index, not `for i in accounts.indices`: a dictionary's `indices` holds
            // the dictionary, so the first change copied its storage and then every account's
            // window arrays (4 KiB per account at each bucket boundary: +160 MB of resident
            // memory for 40,000 accounts that the heap kept, and the time to copy it).
            var i = accounts.startIndex
            while i != accounts.endIndex {
                let phase = accounts.values[i].phase
                let now = WindowAggregator.bucket(shape.watermark - phase, shape.periodMillis)
                if now > accounts.values[i].slidTo {
                    accounts.values[i].slidTo = now
                    slid = true
                    let bounds = currentBounds(phase: phase, shape)
                    accounts.values[i].slide(specs: shape.specs, bounds: bounds)
                    if accounts.values[i].isEmpty { idle.append(accounts.keys[i]) }
                }
                accounts.formIndex(after: &i)
            }
            for id in idle {
                accounts[id] = nil
                changed.remove(id)
                unsaved.remove(id)
            }
            return slid
        }

        /// The buckets changed since the last call, by account.
        mutating func checkpointChanges(_ specs: [WindowSpec]) -> [(accountID: String, records: [WindowBucketRecord])] {
            var out: [(accountID: String, records: [WindowBucketRecord])] = []
            out.reserveCapacity(unsaved.count)
            for id in unsaved {
                guard let i = accounts.index(forKey: id) else { continue }
                var records: [WindowBucketRecord] = []
                for w in specs.indices {
                    for k in accounts.values[i].windows[w].open.indices where accounts.values[i].windows[w].open[k].dirty {
                        accounts.values[i].windows[w].open[k].dirty = false
                        let b = accounts.values[i].windows[w].open[k]
                        records.append(
                            WindowBucketRecord(accountID: id, spanMillis: specs[w].spanMillis, bucket: b.index, state: b.state.encoded()))
                    }
                    for k in accounts.values[i].windows[w].sealed.indices where accounts.values[i].windows[w].sealed[k].dirty {
                        accounts.values[i].windows[w].sealed[k].dirty = false
                        let b = accounts.values[i].windows[w].sealed[k]
                        records.append(WindowBucketRecord(accountID: id, spanMillis: specs[w].spanMillis, bucket: b.index, state: b.bytes))
                    }
                }
                if !records.isEmpty { out.append((id, records)) }
            }
            unsaved.removeAll(keepingCapacity: true)
            return out
        }
    }

    /// What a lane needs to know of the whole.
    struct Shape: Sendable {
        var specs: [WindowSpec]
        var periodMillis: Int64
        var watermark: Timestamp
    }

    private var shape: Shape { Shape(specs: specs, periodMillis: periodMillis, watermark: watermark) }

    /// - Parameter specs: the windows (at least one), sorted by span, whose buckets nest
    ///   (as `WindowSpec.parseList` returns them).
    /// - Parameter staggered: each account's buckets begin at its own phase.
    /// - Parameter lanes: threads the accounts are split over (at least 1).
    public init(specs: [WindowSpec], staggered: Bool = false, lanes: Int = 1) {
        precondition(!specs.isEmpty, "at least one window")
        self.specs = specs
        self.staggered = staggered
        periodMillis = specs.map(\.bucketMillis).min()!
        self.lanes = Array(repeating: Lane(), count: max(1, lanes))
    }

    /// The lanes the accounts are split over.
    public var laneCount: Int { lanes.count }

    /// An account's phase (0 when not staggered) and lane.
    @inline(__always) private func place(_ accountID: String) -> (phase: Int64, lane: Int) {
        guard staggered || lanes.count > 1 else { return (0, 0) }
        let h = stableHash(accountID)
        return (staggered ? WindowSpec.phase(accountHash: h, periodMillis: periodMillis) : 0, lane(hash: h))
    }

    @inline(__always) private func lane(hash h: UInt64) -> Int {
        lanes.count == 1 ? 0 : Int(mix64(h ^ 0x1A9E_5EED_0F_7A11) % UInt64(lanes.count))
    }

    @inline(__always) private func lane(of accountID: String) -> Int { lanes.count == 1 ? 0 : lane(hash: stableHash(accountID)) }

    /// Runs `body` on every lane where it lies, a thread per lane when there are several
    /// and `work` (items to handle) makes the threads worth waking.
    private mutating func eachLane<T: Sendable>(work: Int = .max, _ body: @Sendable (Int, inout Lane) -> T) -> [T] {
        if lanes.count == 1 { return [body(0, &lanes[0])] }
        if work < Self.parallelWork { return lanes.indices.map { body($0, &lanes[$0]) } }
        var results = [T?](repeating: nil, count: lanes.count)
        lanes.withUnsafeMutableBufferPointer { lanes in
            results.withUnsafeMutableBufferPointer { results in
                // Each thread touches its own lane and its own result slot only.
                let slots = LaneSlots(lanes: lanes, results: results)
                DispatchQueue.concurrentPerform(iterations: lanes.count) { i in slots.results[i] = body(i, &slots.lanes[i]) }
            }
        }
        return results.map { $0! }
    }

    /// Fewer items than this are handled on the calling thread.
    static let parallelWork = 64

    /// Restores the windows from a checkpoint's buckets. Buckets of windows not in `specs`
    /// (the run's `--window` changed) and buckets already out of their window are skipped.
    /// - Throws: `FeatureStateError` when a stored bucket does not decode.
    public init(
        specs: [WindowSpec], records: [WindowBucketRecord], watermark: Timestamp, staggered: Bool = false, lanes: Int = 1
    ) throws {
        self.init(specs: specs, staggered: staggered, lanes: lanes)
        self.watermark = watermark
        let window = Dictionary(uniqueKeysWithValues: specs.enumerated().map { ($1.spanMillis, $0) })
        for r in records {
            guard let w = window[r.spanMillis] else { continue }
            // Decoded to check it (a damaged store stops the run here, not later).
            let state = try AccountDayState(decoding: r.state)
            let (phase, l) = place(r.accountID)
            // A bucket before the account's window had already moved on into the next window
            // when the checkpoint was taken (kept only because the store keeps buckets from
            // the earliest phase's first one): that window's bucket holds it.
            if watermark != .min && r.bucket < specs[w].firstBucket(at: watermark - phase) { continue }
            let current = watermark == .min ? Int64.max : specs[0].bucket(of: watermark - phase)
            self.lanes[l].accounts[r.accountID, default: AccountWindowState(windows: specs.count, phase: phase)].restore(
                state, bytes: r.state, index: r.bucket, window: w, current: current)
        }
        if watermark != .min {
            slidAt = watermark
            let shape = self.shape
            _ = eachLane { $1.slideAll(shape) }
        }
    }

    /// Accounts held.
    public var accountCount: Int { lanes.reduce(0) { $0 + $1.accounts.count } }

    /// Every account held (in no particular order).
    public var accountIDs: [String] { lanes.flatMap(\.accounts.keys) }

    /// Whether an account is held.
    public func holds(_ accountID: String) -> Bool { lanes[lane(of: accountID)].accounts[accountID] != nil }

    /// Every account's windows (for tests).
    var accounts: [String: AccountWindowState] {
        if lanes.count == 1 { return lanes[0].accounts }
        return lanes.reduce(into: [:]) { all, lane in all.merge(lane.accounts) { a, _ in a } }
    }

    /// Requests older than every window when they arrived (not counted anywhere).
    public var lateRequests: Int { lanes.reduce(0) { $0 + $1.lateRequests } }

    /// Buckets held over all accounts and windows (sealed, open).
    public var bucketCounts: (sealed: Int, open: Int) {
        lanes.reduce((0, 0)) { t, lane in
            lane.accounts.values.reduce(t) { t, a in
                let c = a.bucketCounts
                return (t.0 + c.sealed, t.1 + c.open)
            }
        }
    }

    /// Adds drained states: keys hold the account and the period number (`ts / periodMillis`),
    /// as a `FeatureAccumulator` with `periodMillis` set to this one's drains them.
    public mutating func apply(_ part: consuming AccountDayPartition) {
        for state in part.states where state.lastSeen > watermark { watermark = state.lastSeen }
        // States are moved out, not copied (a copy retains every array a state holds).
        while let (key, state) = part.popLast() {
            let (phase, l) = place(key.accountID)
            lanes[l].inbox.append((state, key.accountID, phase, Int64(key.day)))
        }
        let shape = self.shape
        _ = eachLane(work: lanes.reduce(0) { $0 + $1.inbox.count }) { $1.applyInbox(shape) }
    }

    /// Adds the state of one account's requests in one period.
    public mutating func apply(_ state: AccountDayState, accountID: String, period: Int64) {
        if state.lastSeen > watermark { watermark = state.lastSeen }
        let (phase, l) = place(accountID)
        lanes[l].apply(state, accountID: accountID, phase: phase, period: period, shape)
    }

    /// Slides the windows of every account whose finest bucket (its own, when staggered) the
    /// watermark has moved past: drops the buckets that left, seals the ones that can no
    /// longer grow, forgets idle accounts. Call after `apply` and before scoring.
    /// - Returns: whether some account's windows slid.
    @discardableResult
    public mutating func advance() -> Bool {
        guard watermark != .min, watermark != slidAt else { return false }
        slidAt = watermark
        let shape = self.shape
        return eachLane { $1.slideAll(shape) }.contains(true)
    }

    /// The accounts changed since the last call, sorted.
    public mutating func takeChanged() -> [String] {
        var out: [String] = []
        for l in lanes.indices {
            out.append(contentsOf: lanes[l].changed)
            lanes[l].changed.removeAll(keepingCapacity: true)
        }
        return out.sorted()
    }

    /// The running state of an account's window `w` (rebuilt first if a bucket left it);
    /// `nil` when the account is not held.
    public mutating func running(_ accountID: String, window w: Int) -> AccountDayState? {
        lanes[lane(of: accountID)].accounts[accountID]?.running(window: w)
    }

    /// Calls `body` with the running state of an account's window `w` where it lies
    /// (rebuilt first if a bucket left it), without copying it; `nil` when not held.
    /// (`inout` only so that it is passed where it lies: `body` must not change it.)
    public mutating func withRunning<T>(_ accountID: String, window w: Int, _ body: (inout AccountDayState) throws -> T) rethrows -> T? {
        let l = lane(of: accountID)
        guard let i = lanes[l].accounts.index(forKey: accountID) else { return nil }
        return try lanes[l].accounts.values[i].withRunning(window: w, body)
    }

    /// `body` of each held account of `ids` with its windows where they lie (`nil` for an
    /// account not held), the lanes in parallel; in the order of `ids`. `body` may rebuild
    /// running states (`AccountWindowState.withRunning`) and must change nothing else.
    public mutating func mapAccounts<T: Sendable>(_ ids: [String], _ body: @Sendable (String, inout AccountWindowState) -> T) -> [T?] {
        var byLane = [[Int]](repeating: [], count: lanes.count)
        for (n, id) in ids.enumerated() { byLane[lane(of: id)].append(n) }
        let parts = eachLane(work: ids.count) { [byLane] l, lane -> [(Int, T)] in
            var out: [(Int, T)] = []
            out.reserveCapacity(byLane[l].count)
            for n in byLane[l] {
                guard let i = lane.accounts.index(forKey: ids[n]) else { continue }
                out.append((n, body(ids[n], &lane.accounts.values[i])))
            }
            return out
        }
        var results = [T?](repeating: nil, count: ids.count)
        for part in parts { for (n, value) in part { results[n] = value } }
        return results
    }

    /// Requests of an account in window `w` (0 when not held).
    public func requests(_ accountID: String, window w: Int) -> Int {
        lanes[lane(of: accountID)].accounts[accountID]?.requests(window: w) ?? 0
    }

    /// What changed since the last call, for a checkpoint: every bucket changed (in binary
    /// form, by account), and per window the first bucket still held (stored buckets before
    /// it are gone).
    public mutating func checkpointChanges() -> (buckets: [WindowBucketRecord], keepFrom: [WindowStart]) {
        let specs = self.specs
        var byAccount = eachLane { $1.checkpointChanges(specs) }.flatMap { $0 }
        byAccount.sort { $0.accountID < $1.accountID }
        let records = byAccount.flatMap(\.records)
        // Nothing read yet: no window has a first bucket (and `watermark - …` would overflow).
        guard watermark != .min else { return (records, []) }
        // Staggered, the earliest first bucket of any phase (an account's is this one or the
        // next): stored buckets that no window holds any more are skipped when restored.
        let earliest = staggered ? watermark - (periodMillis - 1) : watermark
        return (records, specs.map { WindowStart(spanMillis: $0.spanMillis, bucket: $0.firstBucket(at: earliest)) })
    }

    @inline(__always) static func bucket(_ ts: Timestamp, _ millis: Int64) -> Int64 {
        ts >= 0 ? ts / millis : (ts - millis + 1) / millis
    }
}

/// The lanes and result slots `eachLane` hands its threads: each thread takes one index of
/// both (hence unchecked).
private struct LaneSlots<T>: @unchecked Sendable {
    let lanes: UnsafeMutableBufferPointer<WindowAggregator.Lane>
    let results: UnsafeMutableBufferPointer<T?>
}
