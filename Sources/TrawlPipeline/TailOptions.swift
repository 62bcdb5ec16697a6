import Foundation
import TrawlFeatures
import TrawlIngest
import TrawlLink

/// Settings of a live run (`trawl tail`).
public struct TailOptions: Sendable {
    /// Files, folders, or `-` for standard input.
    public var sources: [String]
    /// A network interface to capture from (needs root or CAP_NET_RAW), and its BPF filter.
    public var interface: String?
    public var captureFilter: String?
    /// How long after a captured connection's first packet a request may come and still join it.
    public var joinWindowSeconds = 600.0
    public var accountsPath: String?
    public var geoipPaths: [String] = []
    public var databasePath = "trawl.sqlite"
    public var rulesDirectory = "rules"
    public var threshold: Double?
    /// The sliding windows accounts are scored over (each account's score is its highest).
    public var windows: [WindowSpec] = try! WindowSpec.parseList("1h,24h").get()
    /// Where alert lines go: a file (appended to) or `-` for standard output; `nil`: nowhere.
    public var alertsPath: String?
    /// On a first run, read what the files hold already (else start at their end).
    public var fromStart = false
    /// Seconds between scoring the accounts that changed.
    public var evaluateEvery = 0.25
    /// Threads that apply each tick's requests to the windows and score the accounts that
    /// changed; the accounts are split among them (results do not depend on their number).
    public var analysisThreads = min(4, ProcessInfo.processInfo.activeProcessorCount)
    /// Seconds between checkpoints (one is also written when the run stops).
    public var checkpointEvery = 10.0
    /// Link the accounts of the longest window into reseller clusters every `linkEvery`
    /// seconds (in the background), with cluster cases and alerts as in batch runs.
    public var link = true
    /// Seconds between linking runs over the window (`WindowLinker`).
    public var linkEvery = 60.0
    /// How accounts are linked (weights, hub limits, resolution).
    public var linkSettings = LinkSettings()
    /// Seconds between board snapshots.
    public var boardEvery = 1.0
    /// Stop once no input has come for this many seconds (tests, catching up); `nil`: never.
    public var stopWhenIdle: Double?
    /// Prompt samples kept per alerted account as case evidence, redacted.
    public var keepSamples = 0
    public var promptFeatures = true
    public var maxLineBytes = 1 << 20
    /// Quote offending values in bad-line reports.
    public var verbose = false
    /// How files are followed (rotation grace, folder rescans, …).
    public var follow = FollowOptions()

    public init(sources: [String]) { self.sources = sources }
}
