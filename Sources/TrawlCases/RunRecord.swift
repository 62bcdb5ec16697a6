import Foundation

/// How a run ended, or that it has not.
public enum RunStatus: String, Sendable, Codable, CaseIterable {
    /// Begun and not finished (still going, or the process died).
    case running
    /// Read all its input and recorded its results.
    case completed
    /// Stopped by an error.
    case failed
    /// Stopped by the user or a signal before the end of its input.
    case interrupted
}

/// What a run did, given when it finishes.
public struct RunSummary: Sendable, Equatable, Codable {
    /// When the run finished.
    public var finishedAt: Date
    /// Log lines read, good and bad.
    public var linesRead: Int
    /// Lines that could not be decoded.
    public var badLines: Int
    /// Bad lines by reason (decoder error kind).
    public var badByReason: [String: Int]
    /// Accounts scored.
    public var accounts: Int
    /// Cases the run opened.
    public var casesOpened: Int
    /// Existing cases the run changed.
    public var casesUpdated: Int
    /// How the run ended.
    public var status: RunStatus

    public init(
        finishedAt: Date, linesRead: Int, badLines: Int, badByReason: [String: Int], accounts: Int,
        casesOpened: Int, casesUpdated: Int, status: RunStatus
    ) {
        self.finishedAt = finishedAt
        self.linesRead = linesRead
        self.badLines = badLines
        self.badByReason = badByReason
        self.accounts = accounts
        self.casesOpened = casesOpened
        self.casesUpdated = casesUpdated
        self.status = status
    }
}

/// One run as stored: what it read, and its summary once it finished.
public struct RunRecord: Sendable, Equatable, Codable {
    public var id: Int64
    public var startedAt: Date
    /// The input paths (or `-` for standard input), in the order given.
    public var inputs: [String]
    /// A digest of the inputs' identity (paths, sizes, modification times), chosen by the caller.
    public var inputDigest: String
    public var status: RunStatus
    /// `nil` until the run finishes.
    public var summary: RunSummary?
    /// The software and rules behind the run; `nil` for runs recorded without it.
    public var provenance: RunProvenance?
    /// The files the run read, with their SHA-256, in reading order (empty when not recorded).
    public var files: [RunInputFile]

    public init(
        id: Int64, startedAt: Date, inputs: [String], inputDigest: String, status: RunStatus, summary: RunSummary?,
        provenance: RunProvenance? = nil, files: [RunInputFile] = []
    ) {
        self.id = id
        self.startedAt = startedAt
        self.inputs = inputs
        self.inputDigest = inputDigest
        self.status = status
        self.summary = summary
        self.provenance = provenance
        self.files = files
    }
}

/// What produced a run: the Trawl build and the rules it scored with.
public struct RunProvenance: Sendable, Equatable, Codable {
    /// `TrawlVersion.current` of the build that ran.
    public var trawlVersion: String
    /// `sha256:` and the hex SHA-256 of the rules folder (see `RulesDigest`), or `nil`
    /// when unknown.
    public var rulesVersion: String?

    public init(trawlVersion: String, rulesVersion: String?) {
        self.trawlVersion = trawlVersion
        self.rulesVersion = rulesVersion
    }
}

/// One input file a run read, identified by the SHA-256 of its bytes.
public struct RunInputFile: Sendable, Equatable, Codable {
    /// The path as read (`-` for standard input).
    public var path: String
    /// Bytes read (the file's size on disk, compressed files included).
    public var size: Int64
    /// SHA-256 of those bytes: 64 lowercase hex digits.
    public var sha256: String

    public init(path: String, size: Int64, sha256: String) {
        self.path = path
        self.size = size
        self.sha256 = sha256
    }
}
