import TrawlIngest

/// Why a pipeline run stopped, with the exit status the executable reports.
public struct PipelineError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable {
        /// The command line is wrong (exit 64).
        case usage
        /// The input is too damaged to trust (exit 65).
        case badData
        /// An input file is missing (exit 66).
        case missingInput
        /// A bug or an unexpected failure (exit 70).
        case internalError
        /// Reading or writing failed (exit 74).
        case io
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }

    /// The sysexits(3) status for this kind of failure.
    public var exitCode: Int32 {
        switch kind {
        case .usage: 64
        case .badData: 65
        case .missingInput: 66
        case .internalError: 70
        case .io: 74
        }
    }

    static func from(_ e: IngestError) -> PipelineError {
        switch e.reason {
        case .noSuchInput, .noInputFiles, .notAFile: PipelineError(.missingInput, e.description)
        default: PipelineError(.io, e.description)
        }
    }
}
