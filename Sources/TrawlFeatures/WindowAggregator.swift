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
/// Keeps what a checkpoint needs: the buckets changed since the last one
/// (`checkpointChanges()`), and rebuilds itself from the stored buckets (`init(specs:records:)`).
/// - Complexity: `apply` is one merge per window per drained state; `advance` walks every
///   account once per finest bucket of event time; a running state is rebuilt (one merge per
///   bucket) once after a bucket left it.
public struct WindowAggregator: Sendable {
    /// The windows, shortest first.
    public let specs: [WindowSpec]
    /// The finest bucket: the period the feeding accumulator must use.
    public let periodMillis: Int64
    /// The latest request time applied (`Timestamp.min` before any).
    public private(set) var watermark: Timestamp = .min
    /// Requests older than every window when they arrived (not counted anywhere).
    public private(set) var lateRequests = 0
    var accounts: [String: AccountWindowState] = [:]
    /// Accounts changed since `takeChanged()`, and since `checkpointChanges()`.
    private var changed: Set<String> = []
    private var unsaved: Set<String> = []
    /// The finest bucket the windows were last slid to.
    private var slidTo: Int64 = .min

    /// - Parameter specs: the windows (at least one), sorted by span, whose buckets nest
    ///   (as `WindowSpec.parseList` returns them).
    public init(specs: [WindowSpec]) {
        precondition(!specs.isEmpty, "at least one window")
        self.specs = specs
        periodMillis = specs.map(\.bucketMillis).min()!
    }

    /// Restores the windows from a checkpoint's buckets. Buckets of windows not in `specs`
    /// (the run's `--window` changed) and buckets already out of their window are skipped.
    /// - Throws: `FeatureStateError` when a stored bucket does not decode.
    public init(specs: [WindowSpec], records: [WindowBucketRecord], watermark: Timestamp) throws {
        self.init(specs: specs)
        self.watermark = watermark
        let window = Dictionary(uniqueKeysWithValues: specs.enumerated().map { ($1.spanMillis, $0) })
        for r in records {
            guard let w = window[r.spanMillis], watermark == .min || r.bucket >= specs[w].firstBucket(at: watermark) else { continue }
            let state = try AccountDayState(decoding: r.state)
            var a = accounts[r.accountID] ?? AccountWindowState(windows: specs.count)
            a.add(state, bucket: r.bucket, window: w)
            accounts[r.accountID] = a
        }
        for id in accounts.keys {
            for w in specs.indices {
                accounts[id]!.windows[w].runningValid = false
                for k in accounts[id]!.windows[w].buckets.indices { accounts[id]!.windows[w].buckets[k].dirty = false }
            }
        }
        if watermark != .min {
            slidTo = Self.bucket(watermark, periodMillis)
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
        let ts = period * periodMillis
        var held = false
        for (w, spec) in specs.enumerated() {
            let bucket = spec.bucket(of: ts)
            guard bucket >= spec.firstBucket(at: watermark) else { continue }
            accounts[accountID, default: AccountWindowState(windows: specs.count)].add(state, bucket: bucket, window: w)
            held = true
        }
        guard held else {
            lateRequests += state.requests
            return
        }
        changed.insert(accountID)
        unsaved.insert(accountID)
    }

    /// Slides every window to the watermark when it has entered a new finest bucket: drops
    /// the buckets that left, seals the ones that can no longer grow, forgets idle accounts.
    /// Call after `apply` and before scoring.
    public mutating func advance() {
        guard watermark != .min else { return }
        let now = Self.bucket(watermark, periodMillis)
        guard now > slidTo else { return }
        slidTo = now
        slideAll()
    }

    private mutating func slideAll() {
        let bounds = specs.map { ($0.firstBucket(at: watermark), $0.bucket(of: watermark)) }
        var idle: [String] = []
        for i in accounts.indices {
            for w in specs.indices { accounts.values[i].slide(window: w, first: bounds[w].0, current: bounds[w].1) }
            if accounts.values[i].isEmpty { idle.append(accounts.keys[i]) }
        }
        for id in idle {
            accounts[id] = nil
            changed.remove(id)
            unsaved.remove(id)
        }
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
                for k in accounts.values[i].windows[w].buckets.indices where accounts.values[i].windows[w].buckets[k].dirty {
                    accounts.values[i].windows[w].buckets[k].dirty = false
                    let b = accounts.values[i].windows[w].buckets[k]
                    out.append(WindowBucketRecord(accountID: id, spanMillis: specs[w].spanMillis, bucket: b.index, state: b.encoded))
                }
            }
        }
        unsaved.removeAll(keepingCapacity: true)
        let keep = watermark == .min ? [] : specs.map { WindowStart(spanMillis: $0.spanMillis, bucket: $0.firstBucket(at: watermark)) }
        return (out, keep)
    }

    @inline(__always) static func bucket(_ ts: Timestamp, _ millis: Int64) -> Int64 {
        ts >= 0 ? ts / millis : (ts - millis + 1) / millis
    }
}
