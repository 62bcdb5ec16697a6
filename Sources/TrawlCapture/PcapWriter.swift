#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes classic pcap files: the 24-byte file header, then one record per frame
/// (microsecond timestamps, little-endian, as libpcap writes them on x86 and ARM).
///
/// Buffered: records collect in memory and go to the file in blocks of about 4 MiB.
/// The simulator (`trawl simulate --pcap`), the capture benchmark and the tests write
/// their captures with it.
/// - Complexity: O(frame length) per record.
public final class PcapWriter {
    /// `LINKTYPE_ETHERNET`.
    public static let ethernet: UInt32 = 1

    private let file: UnsafeMutablePointer<FILE>
    private var buffer: [UInt8] = []
    public let path: String
    /// Records and bytes written so far (header included in bytes).
    public private(set) var records = 0
    public private(set) var bytes = 0
    private static let block = 4 << 20

    /// Creates (or replaces) the file and writes the header.
    /// - Throws: `CaptureError` (`cannotWrite`) when the file cannot be created.
    public init(path: String, linkType: UInt32 = PcapWriter.ethernet, snapLength: UInt32 = 262_144) throws(CaptureError) {
        guard let f = fopen(path, "wb") else {
            throw CaptureError(file: path, reason: .cannotWrite(String(cString: strerror(errno))))
        }
        file = f
        self.path = path
        buffer.reserveCapacity(Self.block + 65_536)
        Self.appendFileHeader(linkType: linkType, snapLength: snapLength, to: &buffer)
    }

    deinit { fclose(file) }

    /// The 24-byte classic pcap header.
    public static func appendFileHeader(linkType: UInt32, snapLength: UInt32 = 262_144, to out: inout [UInt8]) {
        appendLE32(0xA1B2_C3D4, &out)
        out += [2, 0, 4, 0]  // version 2.4
        appendLE32(0, &out)  // this zone
        appendLE32(0, &out)  // sigfigs
        appendLE32(snapLength, &out)
        appendLE32(linkType, &out)
    }

    /// One record header and its frame; `wireLength` when the frame was cut (else its length).
    public static func appendRecord(micros: Int64, frame: [UInt8], wireLength: Int? = nil, to out: inout [UInt8]) {
        appendLE32(UInt32(truncatingIfNeeded: micros / 1_000_000), &out)
        appendLE32(UInt32(truncatingIfNeeded: micros % 1_000_000), &out)
        appendLE32(UInt32(frame.count), &out)
        appendLE32(UInt32(wireLength ?? frame.count), &out)
        out += frame
    }

    @inline(__always) static func appendLE32(_ v: UInt32, _ out: inout [UInt8]) {
        out += [UInt8(truncatingIfNeeded: v), UInt8(truncatingIfNeeded: v >> 8), UInt8(truncatingIfNeeded: v >> 16), UInt8(v >> 24)]
    }

    /// Appends a record.
    /// - Throws: `CaptureError` when the file cannot be written.
    public func write(micros: Int64, frame: [UInt8]) throws(CaptureError) {
        Self.appendRecord(micros: micros, frame: frame, to: &buffer)
        records += 1
        if buffer.count >= Self.block { try flush() }
    }

    private func flush() throws(CaptureError) {
        let n = buffer.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        guard n == buffer.count else { throw CaptureError(file: path, reason: .cannotWrite(String(cString: strerror(errno)))) }
        bytes += n
        buffer.removeAll(keepingCapacity: true)
    }

    /// Writes what is buffered and closes the file (also done, without error reporting, on deinit).
    /// - Throws: `CaptureError` when the file cannot be written.
    public func close() throws(CaptureError) {
        try flush()
        guard fflush(file) == 0 else { throw CaptureError(file: path, reason: .cannotWrite(String(cString: strerror(errno)))) }
    }
}
