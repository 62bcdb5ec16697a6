import TrawlModel

/// What world to generate: how many accounts, how many days, from which seed.
///
/// The same spec always gives byte-identical files.
///
/// **Size.** At `requestScale` 1 an average account writes about 435 KB of uncompressed
/// log a day (`bytesPerAccountDay`: ≈ 580 requests of ≈ 750 bytes; resellers, distillers,
/// batch jobs, agents, benchmark runs and power users write most of it, an individual
/// 20–300 requests). Log bytes grow
/// linearly with `requestScale`; the registry and labels add about 445 bytes per account
/// and `networks.csv` about 200 KB. Gzip shrinks logs about 5.5×. A 2,000-account 7-day
/// world at scale 1 is therefore ≈ 6 GB; demos want `requestScale` 0.05–0.2.
///
/// **Memory.** One day of uncompressed log is held in memory while it is sorted.
public struct WorldSpec: Sendable, Equatable, Codable {
    public enum Compression: String, Sendable, Codable {
        case none, gzip
    }

    /// Seed of every random choice.
    public var seed: UInt64
    /// Number of accounts (split over populations by `Population.share`).
    public var accounts: Int
    /// Number of days of log.
    public var days: Int
    /// First day, `YYYY-MM-DD` (UTC).
    public var startDay: String
    /// Compression of the log files (`.jsonl` or `.jsonl.gz`); the registry and labels stay plain.
    public var compression: Compression
    /// Multiplies every account's request volume. Pooled accounts keep their plan-window
    /// saturation by sending larger requests at lower scales (down to about 0.05, below
    /// which requests hit the context-size cap).
    public var requestScale: Double

    public init(
        seed: UInt64, accounts: Int, days: Int, startDay: String = "2026-11-21",
        compression: Compression = .none, requestScale: Double = 1.0
    ) {
        self.seed = seed
        self.accounts = accounts
        self.days = days
        self.startDay = startDay
        self.compression = compression
        self.requestScale = requestScale
    }

    /// Uncompressed log bytes per account per day at `requestScale` 1 (measured).
    public static let bytesPerAccountDay = 435_000.0
    /// Registry plus labels bytes per account.
    static let fixedBytesPerAccount = 445.0
    /// `networks.csv`.
    static let fixedBytes = 200_000.0

    /// A 3-day world of about `bytes` uncompressed bytes: 50,000 accounts (fewer for small
    /// targets, so that each account keeps at least a few requests a day) with `requestScale`
    /// solved from `bytesPerAccountDay`.
    public static func spec(forApproximateBytes bytes: Int, seed: UInt64) -> WorldSpec {
        let days = 3
        let target = Double(max(bytes, 100_000))
        // At least ~1% of full volume per account, at most 50,000 accounts.
        let perAccountAtFloor = Double(days) * bytesPerAccountDay * 0.01 + fixedBytesPerAccount
        let accounts = max(50, min(50_000, Int(target / perAccountAtFloor)))
        let logBytes = max(0, target - fixedBytes - Double(accounts) * fixedBytesPerAccount)
        let scale = logBytes / (Double(accounts) * Double(days) * bytesPerAccountDay)
        return WorldSpec(seed: seed, accounts: accounts, days: days, requestScale: min(10, max(0.001, scale)))
    }

    /// Checks ranges; returns the first day number.
    func validated() throws -> Int32 {
        guard accounts >= 1, accounts <= 10_000_000 else {
            throw SimulatorError(reason: .invalidSpec("accounts must be 1...10000000, got \(accounts)"))
        }
        guard days >= 1, days <= 3660 else { throw SimulatorError(reason: .invalidSpec("days must be 1...3660, got \(days)")) }
        guard requestScale > 0, requestScale <= 100, requestScale.isFinite else {
            throw SimulatorError(reason: .invalidSpec("requestScale must be in (0, 100], got \(requestScale)"))
        }
        guard let day = TimestampParser.parseDay(startDay), TimestampParser.dayString(day) == startDay else {
            throw SimulatorError(reason: .invalidSpec("startDay must be YYYY-MM-DD, got \(startDay)"))
        }
        return day
    }
}
