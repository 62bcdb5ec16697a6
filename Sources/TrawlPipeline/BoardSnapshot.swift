import Foundation
import TrawlModel

/// What the live board shows at one moment: input, alerts, and the top accounts and
/// clusters by score. Strings in it come from the logs as they are: `TailBoard` sanitises
/// every one before it reaches a terminal.
public struct BoardSnapshot: Sendable {
    public struct AccountRow: Sendable {
        public var accountID: String
        public var score: Double
        public var window: String
        public var requests: Int
        public var networks: Int?
        public var addresses: Int?
        public var concurrency: Double?
        /// The most used User-Agent.
        public var userAgent: String?
        /// Rules that fired, heaviest first.
        public var rules: [String]
        /// A kept prompt sample (redacted), with `--keep-samples`.
        public var promptSample: String?
        /// The alert band reached (0: none).
        public var band: Int

        public init(
            accountID: String, score: Double, window: String, requests: Int, networks: Int?, addresses: Int?, concurrency: Double?,
            userAgent: String?, rules: [String], promptSample: String?, band: Int
        ) {
            self.accountID = accountID
            self.score = score
            self.window = window
            self.requests = requests
            self.networks = networks
            self.addresses = addresses
            self.concurrency = concurrency
            self.userAgent = userAgent
            self.rules = rules
            self.promptSample = promptSample
            self.band = band
        }
    }

    public struct ClusterRow: Sendable {
        public var id: String
        public var members: [String]
        public var score: Double
        public var rules: [String]

        public init(id: String, members: [String], score: Double, rules: [String]) {
            self.id = id
            self.members = members
            self.score = score
            self.rules = rules
        }
    }

    public struct SourceRow: Sendable {
        public var path: String
        public var offset: Int64
        public var finished: Bool

        public init(path: String, offset: Int64, finished: Bool) {
            self.path = path
            self.offset = offset
            self.finished = finished
        }
    }

    public var time: Date
    /// The latest request time applied (`Timestamp.min`: none).
    public var watermark: Timestamp
    public var linesPerSecond: Double
    public var lines: Int
    public var events: Int
    public var badLines: Int
    public var lateRequests: Int
    public var alerts: Int
    public var accounts: Int
    public var windows: [String]
    public var residentBytes: Int
    public var sources: [SourceRow]
    public var topAccounts: [AccountRow]
    public var clusters: [ClusterRow]
    /// Why there are no clusters, when linking is not running.
    public var linkingNote: String?

    public init(
        time: Date, watermark: Timestamp, linesPerSecond: Double, lines: Int, events: Int, badLines: Int, lateRequests: Int, alerts: Int,
        accounts: Int, windows: [String], residentBytes: Int, sources: [SourceRow], topAccounts: [AccountRow], clusters: [ClusterRow],
        linkingNote: String?
    ) {
        self.time = time
        self.watermark = watermark
        self.linesPerSecond = linesPerSecond
        self.lines = lines
        self.events = events
        self.badLines = badLines
        self.lateRequests = lateRequests
        self.alerts = alerts
        self.accounts = accounts
        self.windows = windows
        self.residentBytes = residentBytes
        self.sources = sources
        self.topAccounts = topAccounts
        self.clusters = clusters
        self.linkingNote = linkingNote
    }
}
