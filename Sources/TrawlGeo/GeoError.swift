import TrawlModel

/// A problem opening, reading or building a MaxMind-format database, with where it
/// happened and what to do about it.
///
/// `description` never quotes the offending value (an address or a cell of an intel
/// list); `verboseDescription` does, made safe for a terminal.
public struct GeoError: Error, CustomStringConvertible, Sendable {
    public enum Reason: Sendable, Equatable {
        /// No file or folder at the path.
        case noSuchFile
        /// A folder given to `--geoip` holds no `*.mmdb` file.
        case noDatabases
        /// The file exists but cannot be read or written (the system's reason).
        case unreadable(String)
        case unwritable(String)
        /// libmaxminddb refused the file (its `MMDB_strerror` text).
        case invalidDatabase(String)
        /// libmaxminddb failed during a lookup (corrupt search tree or data section).
        case lookupFailed(String)
        /// The intel list is not valid CSV, or its header is wrong.
        case invalidCSV(String)
        /// A cell of an intel list holds a value its column cannot take.
        case invalidValue(String)
        /// The database would exceed the format's limits (4 GiB of data, 32-bit records).
        case tooLarge(String)
    }

    public let file: String
    /// 1-based line of the intel list (the line where the row starts), when known.
    public let line: Int?
    /// The column name of the intel list, when the problem is in one cell.
    public let column: String?
    public let reason: Reason
    /// The offending text, quoted only by `verboseDescription`.
    public let value: String?

    public init(file: String, line: Int? = nil, column: String? = nil, reason: Reason, value: String? = nil) {
        self.file = file
        self.line = line
        self.column = column
        self.reason = reason
        self.value = value
    }

    public var description: String {
        var place = file
        if let line { place += ":\(line)" }
        if let column { place += ": column \(column)" }
        switch reason {
        case .noSuchFile: return "\(place): no such file or folder (check the path)"
        case .noDatabases: return "\(place): the folder holds no *.mmdb database"
        case .unreadable(let why): return "\(place): cannot read: \(why)"
        case .unwritable(let why): return "\(place): cannot write: \(why)"
        case .invalidDatabase(let why): return "\(place): not a usable MaxMind database: \(why)"
        case .lookupFailed(let why): return "\(place): lookup failed: \(why) (the database may be corrupt)"
        case .invalidCSV(let why): return "\(place): \(why)"
        case .invalidValue(let why): return "\(place): \(why)"
        case .tooLarge(let why): return "\(place): database too large: \(why)"
        }
    }

    /// The description with the offending value quoted (terminal-safe), for `--verbose`.
    public var verboseDescription: String {
        guard let value else { return description }
        return description + ": \"" + TerminalText.sanitize(value, limit: 120) + "\""
    }
}
