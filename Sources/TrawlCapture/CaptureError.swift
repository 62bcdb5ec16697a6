/// A problem opening or reading a capture, a live interface, a BPF filter or the SYN
/// signature table, with where it happened and what to do about it.
///
/// Damage inside a capture (bad packets, a file cut short) is not an error: it is counted
/// in `CaptureStatistics` and the run goes on.
public struct CaptureError: Error, CustomStringConvertible, Sendable {
    public enum Reason: Sendable, Equatable {
        /// No file at the path.
        case noSuchFile
        /// The file exists but cannot be read (the system's reason), or is a folder.
        case unreadable(String)
        /// libpcap does not recognise the file as pcap or pcapng (its reason).
        case notACapture(String)
        /// The capture's link type is one Trawl cannot read (the libpcap DLT name).
        case unsupportedLinkType(String)
        /// The BPF filter does not compile (libpcap's reason).
        case badFilter(String)
        /// The interface cannot be opened for capture (libpcap's reason: often privileges).
        case liveCaptureFailed(String)
        /// The SYN signature table is not valid (at `line`:`column`).
        case invalidSignatureTable(String)
        /// A capture file cannot be created or written (the system's reason).
        case cannotWrite(String)
    }

    /// The capture file, the interface (`interface eth0`), or the signature table file.
    public let file: String
    /// 1-based line and column, for the signature table.
    public let line: Int?
    public let column: Int?
    public let reason: Reason

    public init(file: String, line: Int? = nil, column: Int? = nil, reason: Reason) {
        self.file = file
        self.line = line
        self.column = column
        self.reason = reason
    }

    public var description: String {
        var place = file
        if let line { place += ":\(line)" }
        if let column { place += ":\(column)" }
        switch reason {
        case .noSuchFile: return "\(place): no such file (check the path)"
        case .unreadable(let why): return "\(place): cannot read: \(why)"
        case .notACapture(let why): return "\(place): not a pcap or pcapng capture: \(why)"
        case .unsupportedLinkType(let name):
            return "\(place): link type \(name) is not supported (Ethernet, Linux cooked SLL/SLL2, raw IP and BSD loopback are)"
        case .badFilter(let why): return "\(place): the BPF filter does not compile: \(why)"
        case .liveCaptureFailed(let why): return "\(place): cannot capture: \(why) (live capture usually needs root or CAP_NET_RAW)"
        case .invalidSignatureTable(let why): return "\(place): \(why)"
        case .cannotWrite(let why): return "\(place): cannot write: \(why)"
        }
    }
}
