import Foundation
import TrawlFeatures

/// One case as exported for enforcement: the content of `case.json`.
///
/// Its JSON form is documented by the JSON Schema in `case.schema.json` (`CaseFileSchema`),
/// version `schemaVersion`: snake_case keys, every key always present (`null` when not
/// known), times as RFC 3339 UTC text with milliseconds, days as `YYYY-MM-DD`. Build one
/// with `CaseFile(detail:…)` (`CaseFile+Building.swift`).
public struct CaseFile: Sendable, Equatable, Codable {
    /// The schema version this build writes (`schema_version`).
    public static let schemaVersion = 1
    /// The `format` value of every case file.
    public static let formatName = "trawl.case"

    public var format = CaseFile.formatName
    public var schemaVersion = CaseFile.schemaVersion
    public var `case`: Case
    public var recommendedAction: RecommendedAction
    public var score: Score
    public var timeRange: TimeRange
    public var counts: Counts
    public var members: [Member]
    public var cluster: Cluster
    public var rules: [RuleSummary]
    public var notes: [Note]
    public var audit: [AuditItem]
    public var provenance: Provenance
    public var export: Export

    enum CodingKeys: String, CodingKey {
        case format, schemaVersion = "schema_version", `case`, recommendedAction = "recommended_action", score
        case timeRange = "time_range", counts, members, cluster, rules, notes, audit, provenance, export
    }

    /// The case as stored.
    public struct Case: Sendable, Equatable, Codable {
        public var id: Int64
        public var kind: CaseKind
        public var subject: String
        public var status: CaseStatus
        public var title: String
        public var tags: [String]
        public var createdAt: String
        public var updatedAt: String

        enum CodingKeys: String, CodingKey {
            case id, kind, subject, status, title, tags, createdAt = "created_at", updatedAt = "updated_at"
        }
    }

    /// The score of the highest-scoring day and the rules behind it.
    public struct Score: Sendable, Equatable, Codable {
        public var value: Double
        public var last: Double
        public var day: String
        public var accountID: String
        public var bias: Double
        /// `bias` plus the weights of `rules`.
        public var logOdds: Double
        /// Heaviest first.
        public var rules: [RuleFiring]

        enum CodingKeys: String, CodingKey {
            case value, last, day, accountID = "account_id", bias, logOdds = "log_odds", rules
        }
    }

    /// One rule that fired on one account-day, with the feature values it read.
    public struct RuleFiring: Sendable, Equatable, Codable {
        public var ruleID: String
        public var title: String
        public var weight: Double
        public var tags: [String]
        public var explanation: String
        public var featureValues: [String: FeatureValue]

        enum CodingKeys: String, CodingKey {
            case ruleID = "rule_id", title, weight, tags, explanation, featureValues = "feature_values"
        }
    }

    public struct TimeRange: Sendable, Equatable, Codable {
        public var firstDay: String
        public var lastDay: String
        @Nullable public var firstSeen: String?
        @Nullable public var lastSeen: String?

        enum CodingKeys: String, CodingKey {
            case firstDay = "first_day", lastDay = "last_day", firstSeen = "first_seen", lastSeen = "last_seen"
        }
    }

    public struct Counts: Sendable, Equatable, Codable {
        public var accounts: Int
        public var days: Int
        public var flaggedDays: Int
        public var requests: Int
        public var rulesFired: Int
        public var links: Int
        public var sourceFiles: Int
        public var notes: Int

        enum CodingKeys: String, CodingKey {
            case accounts, days, flaggedDays = "flagged_days", requests, rulesFired = "rules_fired", links
            case sourceFiles = "source_files", notes
        }
    }

    /// One member account with its stored days.
    public struct Member: Sendable, Equatable, Codable {
        public var accountID: String
        public var score: Double
        public var flaggedDays: Int
        @Nullable public var firstDay: String?
        @Nullable public var lastDay: String?
        public var requests: Int
        public var days: [Day]

        enum CodingKeys: String, CodingKey {
            case accountID = "account_id", score, flaggedDays = "flagged_days", firstDay = "first_day", lastDay = "last_day"
            case requests, days
        }
    }

    /// One stored account-day.
    public struct Day: Sendable, Equatable, Codable {
        public var day: String
        public var score: Double
        public var flagged: Bool
        public var bias: Double
        public var runID: Int64
        public var rules: [RuleFiring]
        public var features: [String: FeatureValue]
        public var evidence: Evidence

        enum CodingKeys: String, CodingKey {
            case day, score, flagged, bias, runID = "run_id", rules, features, evidence
        }
    }

    /// The evidence of one account-day (see `AccountEvidence`).
    public struct Evidence: Sendable, Equatable, Codable {
        @Nullable public var firstSeen: String?
        @Nullable public var lastSeen: String?
        public var requests: [SampleRequest]
        @Nullable public var hourly: [Int]?
        public var topIPs: [Counted]
        public var topUserAgents: [Counted]
        @Nullable public var topJA4s: [Counted]?
        @Nullable public var topCountries: [Counted]?
        @Nullable public var topASNs: [Counted]?
        @Nullable public var addressKinds: AddressKinds?
        public var promptSamples: [String]

        enum CodingKeys: String, CodingKey {
            case firstSeen = "first_seen", lastSeen = "last_seen", requests, hourly, topIPs = "top_ips"
            case topUserAgents = "top_user_agents", topJA4s = "top_ja4s", topCountries = "top_countries", topASNs = "top_asns"
            case addressKinds = "address_kinds", promptSamples = "prompt_samples"
        }
    }

    /// A request kept as evidence.
    public struct SampleRequest: Sendable, Equatable, Codable {
        public var requestID: String
        @Nullable public var sessionID: String?

        enum CodingKeys: String, CodingKey {
            case requestID = "request_id", sessionID = "session_id"
        }
    }

    /// A value with the requests that had it.
    public struct Counted: Sendable, Equatable, Codable {
        public var value: String
        public var requests: Int
    }

    /// Requests by what enrichment said of their address (see `AddressKindCounts`).
    public struct AddressKinds: Sendable, Equatable, Codable {
        public var known, anonymityCovered, residentialProxy, vpn, hosting, tor, allowlisted: Int

        enum CodingKeys: String, CodingKey {
            case known, anonymityCovered = "anonymity_covered", residentialProxy = "residential_proxy", vpn, hosting, tor
            case allowlisted
        }
    }

    /// The members and what links them; an account case is one member and no links.
    public struct Cluster: Sendable, Equatable, Codable {
        @Nullable public var clusterID: String?
        public var members: [ClusterMember]
        public var links: [Link]
        /// Linked pairs over possible pairs; `nil` for one member.
        @Nullable public var cohesion: Double?

        enum CodingKeys: String, CodingKey {
            case clusterID = "cluster_id", members, links, cohesion
        }
    }

    public struct ClusterMember: Sendable, Equatable, Codable {
        public enum Role: String, Sendable, Codable {
            /// The account of an account case.
            case subject
            /// An account of a cluster case.
            case member
        }
        public var accountID: String
        public var role: Role

        enum CodingKeys: String, CodingKey {
            case accountID = "account_id", role
        }
    }

    /// Two members linked by what they share.
    public struct Link: Sendable, Equatable, Codable {
        /// The two account ids.
        public var accounts: [String]
        public var weight: Double
        public var shared: [SharedArtifact]

        public init(accounts: [String], weight: Double, shared: [SharedArtifact]) {
            self.accounts = accounts
            self.weight = weight
            self.shared = shared
        }
    }

    /// Something two linked accounts share (an address set, a fingerprint, a template...).
    public struct SharedArtifact: Sendable, Equatable, Codable {
        /// `[a-z][a-z0-9_]*`, e.g. `ip_set`, `client_fingerprint`, `prompt_template`.
        public var kind: String
        public var value: String
        public var weight: Double
        /// Accounts in the whole input that share it (at least 2).
        public var accountsSharing: Int

        public init(kind: String, value: String, weight: Double, accountsSharing: Int) {
            self.kind = kind
            self.value = value
            self.weight = weight
            self.accountsSharing = accountsSharing
        }

        enum CodingKeys: String, CodingKey {
            case kind, value, weight, accountsSharing = "accounts_sharing"
        }
    }

    /// A rule that fired in the case, with what the rules folder says of it.
    public struct RuleSummary: Sendable, Equatable, Codable {
        public var ruleID: String
        public var title: String
        @Nullable public var description: String?
        public var references: [String]
        public var tags: [String]
        public var weight: Double
        public var daysFired: Int

        enum CodingKeys: String, CodingKey {
            case ruleID = "rule_id", title, description, references, tags, weight, daysFired = "days_fired"
        }
    }

    public struct Note: Sendable, Equatable, Codable {
        public var author: String
        public var text: String
        public var createdAt: String

        enum CodingKeys: String, CodingKey {
            case author, text, createdAt = "created_at"
        }
    }

    public struct AuditItem: Sendable, Equatable, Codable {
        public var at: String
        public var actor: String
        public var action: String
        @Nullable public var field: String?
        @Nullable public var oldValue: String?
        @Nullable public var newValue: String?

        enum CodingKeys: String, CodingKey {
            case at, actor, action, field, oldValue = "old_value", newValue = "new_value"
        }
    }

    /// The runs behind the case and their source files.
    public struct Provenance: Sendable, Equatable, Codable {
        @Nullable public var trawlVersion: String?
        @Nullable public var rulesVersion: String?
        public var runs: [Run]
        public var sourceFiles: [SourceFile]

        enum CodingKeys: String, CodingKey {
            case trawlVersion = "trawl_version", rulesVersion = "rules_version", runs, sourceFiles = "source_files"
        }
    }

    public struct Run: Sendable, Equatable, Codable {
        public var runID: Int64
        public var startedAt: String
        @Nullable public var finishedAt: String?
        public var status: RunStatus
        @Nullable public var trawlVersion: String?
        @Nullable public var rulesVersion: String?
        public var inputs: [SourceFile]

        enum CodingKeys: String, CodingKey {
            case runID = "run_id", startedAt = "started_at", finishedAt = "finished_at", status
            case trawlVersion = "trawl_version", rulesVersion = "rules_version", inputs
        }
    }

    public struct SourceFile: Sendable, Equatable, Hashable, Codable {
        public var path: String
        public var size: Int64
        public var sha256: String

        public init(path: String, size: Int64, sha256: String) {
            self.path = path
            self.size = size
            self.sha256 = sha256
        }
    }

    /// How and when this file was written.
    public struct Export: Sendable, Equatable, Codable {
        public var exportedAt: String
        public var trawlVersion: String
        @Nullable public var rulesVersion: String?
        public var redacted: Bool
        public var redactedKinds: [String]
        public var formats: [String]

        enum CodingKeys: String, CodingKey {
            case exportedAt = "exported_at", trawlVersion = "trawl_version", rulesVersion = "rules_version", redacted
            case redactedKinds = "redacted_kinds", formats
        }
    }
}

/// What Trawl recommends doing about a case.
public struct RecommendedAction: Sendable, Equatable, Codable {
    public enum Action: String, Sendable, Codable {
        /// An analyst confirmed the abuse: suspend the member accounts.
        case suspend
        /// Nobody has decided yet: a person should review the case.
        case review
        /// An analyst dismissed the case.
        case noAction = "no_action"
        /// Action was already taken.
        case alreadyEnforced = "already_enforced"
    }
    public enum Priority: String, Sendable, Codable { case high, normal, low }

    public var action: Action
    public var priority: Priority
    public var reason: String

    /// The score from which an undecided case is reviewed with high priority.
    public static let highPriorityScore = 0.9

    /// The recommendation for a case in `status` with case score `score`:
    /// confirmed → suspend (high); open or triaged → review (high from
    /// `highPriorityScore`, else normal); dismissed → no_action; enforced →
    /// already_enforced (both low).
    public init(status: CaseStatus, score: Double) {
        switch status {
        case .confirmed:
            self.init(action: .suspend, priority: .high, reason: "An analyst confirmed the abuse.")
        case .open, .triaged:
            let high = score >= Self.highPriorityScore
            self.init(
                action: .review, priority: high ? .high : .normal,
                reason: "Not decided yet (\(status.rawValue)); score \(String(format: "%.3f", score))"
                    + (high ? ", at or above \(Self.highPriorityScore), the mark for high priority." : "."))
        case .dismissed:
            self.init(action: .noAction, priority: .low, reason: "An analyst dismissed the case.")
        case .enforced:
            self.init(action: .alreadyEnforced, priority: .low, reason: "Action was already taken against the subject.")
        }
    }

    public init(action: Action, priority: Priority, reason: String) {
        self.action = action
        self.priority = priority
        self.reason = reason
    }
}

/// An optional value that is written as JSON `null` when `nil` (the synthesized
/// `Encodable` leaves the key out), so that every key of a case file is always present.
@propertyWrapper
public struct Nullable<Value: Codable & Sendable & Equatable>: Codable, Sendable, Equatable {
    public var wrappedValue: Value?

    public init(wrappedValue: Value?) { self.wrappedValue = wrappedValue }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        wrappedValue = c.decodeNil() ? nil : try c.decode(Value.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        if let wrappedValue { try c.encode(wrappedValue) } else { try c.encodeNil() }
    }
}
