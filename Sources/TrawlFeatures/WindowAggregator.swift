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
    /// Requests older than every window when they arrived (not counted anywhere).
    public private(set) var lateRequests = 0
    var accounts: [String: AccountWindowState] = [:]
    /// Accounts changed since `takeChanged()`, and since `checkpointChanges()`.
    private var changed: Set<String> = []
    private var unsaved: Set<String> = []
    /// The watermark the windows were last slid at (each account keeps the finest bucket it
    /// was slid to).
    private var slidAt: Timestamp = .min
    /// Each window's bounds at a (shifted) watermark, recomputed when it changes.
    private var bounds: [AccountWindowState.Bounds] = []
    private var boundsAt: Timestamp = .min

    /// - Parameter specs: the windows (at least one), sorted by span, whose buckets nest
    ///   (as `WindowSpec.parseList` returns them).
    /// - Parameter staggered: each account's buckets begin at its own phase.
    public init(specs: [WindowSpec], staggered: Bool = false) {
        precondition(!specs.isEmpty, "at least one window")
        self.specs = specs
        self.staggered = staggered
        periodMillis = specs.map(\.bucketMillis).min()!
    }

    /// An account's phase (0 when not staggered).
    private func phase(of accountID: String) -> Int64 {
        staggered ? WindowSpec.phase(account: accountID, periodMillis: periodMillis) : 0
    }

    /// The windows' bounds at the watermark, for an account of `phase`.
    private mutating func currentBounds(phase: Int64) -> [AccountWindowState.Bounds] {
        let at = watermark == .min ? Timestamp.min : watermark - phase
        if boundsAt != at || bounds.isEmpty {
            boundsAt = at
            bounds.removeAll(keepingCapacity: true)
            for spec in specs {
                bounds.append(
                    at == .min
                        ? AccountWindowState.Bounds(first: .min, current: .min)
                        : AccountWindowState.Bounds(first: spec.firstBucket(at: at), current: spec.bucket(of: at)))
            }
        }
        return bounds
    }

    /// Restores the windows from a checkpoint's buckets. Buckets of windows not in `specs`
    /// (the run's `--window` changed) and buckets already out of their window are skipped.
    /// - Throws: `FeatureStateError` when a stored bucket does not decode.
    public init(specs: [WindowSpec], records: [WindowBucketRecord], watermark: Timestamp, staggered: Bool = false) throws {
        self.init(specs: specs, staggered: staggered)
        self.watermark = watermark
        let window = Dictionary(uniqueKeysWithValues: specs.enumerated().map { ($1.spanMillis, $0) })
        for r in records {
            guard let w = window[r.spanMillis] else { continue }
            // Decoded to check it (a damaged store stops the run here, not later).
            let state = try AccountDayState(decoding: r.state)
            let phase = phase(of: r.accountID)
            // A bucket before the account's window had already moved on into the next window
            // when the checkpoint was taken (kept only because the store keeps buckets from
            // the earliest phase's first one): that window's bucket holds it.
            if watermark != .min && r.bucket < specs[w].firstBucket(at: watermark - phase) { continue }
            let current = watermark == .min ? Int64.max : specs[0].bucket(of: watermark - phase)
            accounts[r.accountID, default: AccountWindowState(windows: specs.count, phase: phase)].restore(
                state, bytes: r.state, index: r.bucket, window: w, current: current)
        }
        if watermark != .min {
            slidAt = watermark
            slideAll()
        }
    }

    /// Accounts held.
    public var accountCount: Int { accounts.count }

    /// Every account held.
    public var accountIDs: Dictionary<String, AccountWindowState>.Keys { accounts.keys }

    /// Buckets held over all accounts and windows (sealed, open).
    public var bucketCounts: (sealed: Int, open: Int) {
        accounts.values.reduce((0, 0)) { t, a in
            let c = a.bucketCounts
            return (t.0 + c.sealed, t.1 + c.open)
        }
    }

    /// Adds drained states: keys hold the account and the period number (`ts / periodMillis`),
    /// as a `FeatureAccumulator` with `periodMillis` set to this one's drains them.
    public mutating func apply(_ part: consuming AccountDayPartition) {
        for state in part.states where state.lastSeen > watermark { watermark = state.lastSeen }
        // States are moved out, not copied (a copy retains every array a state holds).
        while let (key, state) = part.popLast() { apply(state, accountID: key.accountID, period: Int64(key.day)) }
    }

    /// Adds the state of one account's requests in one period.
    public mutating func apply(_ state: AccountDayState, accountID: String, period: Int64) {
        if state.lastSeen > watermark { watermark = state.lastSeen }
        let phase = phase(of: accountID)
        let bounds = currentBounds(phase: phase)
        // Times in the account's buckets are shifted back by its phase: `period` counts them.
        let held = accounts[accountID, default: AccountWindowState(windows: specs.count, phase: phase)].add(
            state, at: period * periodMillis, specs: specs, bounds: bounds)
        guard held else {
            if accounts[accountID]?.isEmpty == true { accounts[accountID] = nil }
            lateRequests += state.requests
            return
        }
        changed.insert(accountID)
        unsaved.insert(accountID)
    }

    /// Slides the windows of every account whose finest bucket (its own, when staggered) the
    /// watermark has moved past: drops the buckets that left, seals the ones that can no
    /// longer grow, forgets idle accounts. Call after `apply` and before scoring.
    /// - Returns: whether some account's windows slid.
    @discardableResult
    public mutating func advance() -> Bool {
        guard watermark != .min, watermark != slidAt else { return false }
        slidAt = watermark
        return slideAll()
    }

    /// Slides the windows of every account whose finest bucket at the watermark is past the
    /// one it was last slid to; forgets those left with nothing.
    @discardableResult
    private mutating func slideAll() -> Bool {
        var slid = false
        var idle: [String] = []
        // Walked by index, not `for i in accounts.indices`: a dictionary's `indices` holds
        // the dictionary, so the first change copied its storage and then every account's
        // window arrays (4 KiB per account at each bucket boundary: +160 MB of resident
        // memory for 40,000 accounts that the heap kept, and the time to copy it).
        var i = accounts.startIndex
        while i != accounts.endIndex {
            let phase = accounts.values[i].phase
            let now = Self.bucket(watermark - phase, periodMillis)
            if now > accounts.values[i].slidTo {
                accounts.values[i].slidTo = now
                slid = true
                let bounds = currentBounds(phase: phase)
                accounts.values[i].slide(specs: specs, bounds: bounds)
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

    /// The accounts changed since the last call, sorted.
    public mutating func takeChanged() -> [String] {
        defer { changed.removeAll(keepingCapacity: true) }
        return changed.sorted()
    }

    /// The running state of an account's window `w` (rebuilt first if a bucket left it);
    /// `nil` when the account is not held.
    public mutating func running(_ accountID: String, window w: Int) -> AccountDayState? {
        accounts[accountID]?.running(window: w)
    }

    /// Calls `body` with the running state of an account's window `w` where it lies
    /// (rebuilt first if a bucket left it), without copying it; `nil` when not held.
    /// (`inout` only so that it is passed where it lies: `body` must not change it.)
    public mutating func withRunning<T>(_ accountID: String, window w: Int, _ body: (inout AccountDayState) throws -> T) rethrows -> T? {
        guard let i = accounts.index(forKey: accountID) else { return nil }
        accounts.values[i].rebuild(window: w)
        return try body(&accounts.values[i].windows[w].running)
    }

    /// Requests of an account in window `w` (0 when not held).
    public func requests(_ accountID: String, window w: Int) -> Int { accounts[accountID]?.requests(window: w) ?? 0 }

    /// What changed since the last call, for a checkpoint: every bucket changed (in binary
    /// form), and per window the first bucket still held (stored buckets before it are gone).
    public mutating func checkpointChanges() -> (buckets: [WindowBucketRecord], keepFrom: [WindowStart]) {
        var out: [WindowBucketRecord] = []
        for id in unsaved.sorted() {
            guard let i = accounts.index(forKey: id) else { continue }
            for w in specs.indices {
                for k in accounts.values[i].windows[w].open.indices where accounts.values[i].windows[w].open[k].dirty {
                    accounts.values[i].windows[w].open[k].dirty = false
                    let b = accounts.values[i].windows[w].open[k]
                    out.append(
                        WindowBucketRecord(accountID: id, spanMillis: specs[w].spanMillis, bucket: b.index, state: b.state.encoded()))
                }
                for k in accounts.values[i].windows[w].sealed.indices where accounts.values[i].windows[w].sealed[k].dirty {
                    accounts.values[i].windows[w].sealed[k].dirty = false
                    let b = accounts.values[i].windows[w].sealed[k]
                    out.append(WindowBucketRecord(accountID: id, spanMillis: specs[w].spanMillis, bucket: b.index, state: b.bytes))
                }
            }
        }
        unsaved.removeAll(keepingCapacity: true)
        // Staggered, the earliest first bucket of any phase (an account's is this one or the
        // next): stored buckets that no window holds any more are skipped when restored.
        let earliest = staggered ? watermark - (periodMillis - 1) : watermark
        let keep = watermark == .min ? [] : specs.map { WindowStart(spanMillis: $0.spanMillis, bucket: $0.firstBucket(at: earliest)) }
        return (out, keep)
    }

    @inline(__always) static func bucket(_ ts: Timestamp, _ millis: Int64) -> Int64 {
        ts >= 0 ? ts / millis : (ts - millis + 1) / millis
    }
}
