import Foundation
import TrawlModel

#if canImport(Glibc)
    import Glibc
#endif

/// Builds a MaxMind DB file (format spec 2.0) from networks and their records.
///
/// Hand-written: no Swift MaxMind DB writer exists among the packages this project can
/// use, and the format is small. The file is an IPv6 database (`ip_version` 6):
/// - IPv4 `a.b.c.d/n` is stored at `::a.b.c.d/(96+n)`, where libmaxminddb and MaxMind's
///   readers look IPv4 addresses up, and `::ffff:0:0/96` (IPv4-mapped IPv6) leads to the
///   same branch, so `::ffff:a.b.c.d` finds the same record. `2002::/16` (6to4) is not
///   aliased.
/// - Overlapping networks: the longest (most specific) network containing an address
///   wins, whatever the order of insertion. A network inserted twice keeps one record:
///   the maps are combined key by key, the later insert's value winning for a key both have.
/// - Records are deduplicated (one copy of each distinct record in the data section) and
///   so are strings, keys included (later copies are pointers to the first).
/// - The record size (24, 28 or 32 bits) is the smallest that holds every record value.
///
/// - Complexity: O(n · 128) time and nodes for n networks.
public struct MaxMindWriter {
    public var databaseType: String
    /// Descriptions by language code (`["en": "…"]`).
    public var descriptions: [String: String]
    public var languages: [String]
    /// Seconds since 1970 written as `build_epoch` (at least 1: libmaxminddb refuses 0).
    public var buildEpoch: UInt64

    private var records: [IPNetwork: [String: MaxMindValue]] = [:]

    public init(databaseType: String, descriptions: [String: String] = [:], languages: [String] = [], buildEpoch: UInt64? = nil) {
        self.databaseType = databaseType
        self.descriptions = descriptions
        self.languages = languages
        self.buildEpoch = buildEpoch ?? UInt64(max(0, Date().timeIntervalSince1970))
    }

    /// The number of distinct networks inserted so far.
    public var networkCount: Int { records.count }

    /// Adds `record` for `network`; a network already present gets the keys combined.
    ///
    /// An IPv6 network inside `::/96` (`::192.0.2.0/120`, `::1/128`) is where the format
    /// keeps IPv4, so it is stored as the IPv4 network it covers (`192.0.2.0/24`, `0.0.0.1/32`).
    public mutating func insert(_ network: IPNetwork, _ record: [String: MaxMindValue]) {
        var network = network
        let a = network.address
        if !a.isIPv4 && a.high == 0 && a.low >> 32 == 0 && network.prefixLength >= 96 {
            network = IPNetwork(containing: IPAddress(v4: UInt32(truncatingIfNeeded: a.low)), prefixLength: network.prefixLength - 96)
        }
        records[network, default: [:]].merge(record) { _, new in new }
    }

    /// The whole file.
    /// - Throws: `GeoError.Reason.tooLarge` (with `file` set to `name`) past the format's limits.
    public func serialize(name: String = "<database>") throws(GeoError) -> [UInt8] {
        // Shortest networks first (the tree builder's rule), then by address: the same
        // input gives the same bytes.
        let ordered = records.keys.sorted { a, b in
            let (ka, la) = a.treeKey, (kb, lb) = b.treeKey
            return la != lb ? la < lb : ka < kb
        }
        var data = DataSectionEncoder(deduplicating: true)
        var tree = SearchTreeBuilder()
        var dataOffsets: [Int] = []
        var idOfOffset: [Int: UInt32] = [:]
        guard Self.fits(.string(databaseType)), descriptions.allSatisfy({ Self.fits(.string($0.value)) }) else {
            throw GeoError(file: name, reason: .tooLarge("a metadata string over \(DataSectionEncoder.maximumSize) bytes"))
        }
        for network in ordered {
            let record = MaxMindValue.map(records[network]!)
            guard Self.fits(record) else {
                throw GeoError(
                    file: name, reason: .tooLarge("the record of \(network) has a value over \(DataSectionEncoder.maximumSize) bytes"))
            }
            let offset = data.append(record)
            let id: UInt32
            if let known = idOfOffset[offset] {
                id = known
            } else {
                id = UInt32(dataOffsets.count)
                dataOffsets.append(offset)
                idOfOffset[offset] = id
            }
            let (key, length) = network.treeKey
            tree.insert(key: key, length: length, data: id)
            if tree.nodeCapacityExceeded { throw GeoError(file: name, reason: .tooLarge("more than 2^31 search tree nodes")) }
        }
        tree.aliasMappedIPv4()
        guard data.bytes.count < 1 << 32 else { throw GeoError(file: name, reason: .tooLarge("data section over 4 GiB")) }

        let (fileIndex, nodeCount) = tree.numbering()
        let largest = UInt64(nodeCount) + 16 + UInt64(data.bytes.count)
        let recordSize: Int
        switch largest {
        case ..<(1 << 24): recordSize = 24
        case ..<(1 << 28): recordSize = 28
        case ..<(1 << 32): recordSize = 32
        default: throw GeoError(file: name, reason: .tooLarge("record values exceed 32 bits"))
        }
        let empty = UInt64(nodeCount)
        var out = tree.serialize(fileIndex: fileIndex, count: nodeCount, recordSize: recordSize) { r in
            if r == 0 { return empty }
            if r & SearchTreeBuilder.dataFlag != 0 { return empty + 16 + UInt64(dataOffsets[Int(r & ~SearchTreeBuilder.dataFlag)]) }
            return UInt64(fileIndex[Int(r)])
        }
        out.append(contentsOf: repeatElement(0, count: 16))
        out.append(contentsOf: data.bytes)
        out.append(contentsOf: Self.metadataMarker)
        var metadata = DataSectionEncoder(deduplicating: false)
        _ = metadata.append(
            .map([
                "binary_format_major_version": .uint16(2),
                "binary_format_minor_version": .uint16(0),
                "build_epoch": .uint64(max(1, buildEpoch)),
                "database_type": .string(databaseType),
                "description": .map(descriptions.mapValues { .string($0) }),
                "ip_version": .uint16(6),
                "languages": .array(languages.map { .string($0) }),
                "node_count": .uint32(UInt32(nodeCount)),
                "record_size": .uint16(UInt16(recordSize)),
            ]))
        out.append(contentsOf: metadata.bytes)
        return out
    }

    /// Writes the file atomically: into a temporary file beside `path`, renamed over it
    /// when complete, so readers never see half a database.
    /// - Throws: `GeoError` with reason `tooLarge`, or `unwritable` and the system's reason.
    public func write(to path: String) throws(GeoError) {
        let bytes = try serialize(name: path)
        let temporary = path + ".partial-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw GeoError(file: path, reason: .unwritable(String(cString: strerror(errno)))) }
        var failure: Int32 = 0
        bytes.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + done, raw.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                done += n
            }
        }
        if close(fd) != 0 && failure == 0 { failure = errno }
        if failure == 0 && rename(temporary, path) != 0 { failure = errno }
        if failure != 0 {
            unlink(temporary)
            throw GeoError(file: path, reason: .unwritable(String(cString: strerror(failure))))
        }
    }

    /// Whether every string, byte string, map and array in `value` is within the size a
    /// control byte can say.
    static func fits(_ value: MaxMindValue) -> Bool {
        switch value {
        case .string(let s): s.utf8.count <= DataSectionEncoder.maximumSize
        case .bytes(let b): b.count <= DataSectionEncoder.maximumSize
        case .array(let items): items.count <= DataSectionEncoder.maximumSize && items.allSatisfy(fits)
        case .map(let m): m.count <= DataSectionEncoder.maximumSize && m.allSatisfy { fits(.string($0.key)) && fits($0.value) }
        default: true
        }
    }

    /// "\xAB\xCD\xEFMaxMind.com": the start of the metadata section.
    static let metadataMarker: [UInt8] = [0xAB, 0xCD, 0xEF] + Array("MaxMind.com".utf8)

    static func reason(_ error: any Error) -> String {
        let ns = error as NSError
        if let posix = ns.userInfo[NSUnderlyingErrorKey] as? NSError, posix.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(posix.code)))
        }
        return ns.localizedDescription
    }
}
