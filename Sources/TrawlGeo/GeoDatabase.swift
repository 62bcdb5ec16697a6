import CMaxMindDB
import Foundation
import TrawlModel

#if canImport(Glibc)
    import Glibc
#endif

/// One MaxMind-format database file (`.mmdb`), memory-mapped, looked up by address.
///
/// Reads MaxMind's GeoIP2/GeoLite2 databases, other MaxMind-format files and the intel
/// databases of `trawl intel build`. Which record fields become `GeoRecord` fields
/// depends on the metadata's `database_type` (`GeoFieldPaths`).
///
/// `@unchecked Sendable`: after `MMDB_open` the `MMDB_s` is only read (libmaxminddb
/// computes the IPv4 start node while opening, not during lookups), so concurrent
/// lookups from several threads are safe; the field paths are immutable C strings
/// owned by this object and freed when it goes.
/// - Complexity: a lookup walks at most 128 tree nodes, then reads a few fields.
public final class GeoDatabase: @unchecked Sendable {
    public let path: String
    /// The metadata's `database_type`, e.g. `GeoIP2-City` or `Trawl-Intel`.
    public let databaseType: String
    /// 4 or 6. An IPv4 database finds no IPv6 address.
    public let ipVersion: Int
    /// When the file was built, in seconds since 1970.
    public let buildEpoch: UInt64
    public let nodeCount: Int
    public let recordSize: Int
    public let languages: [String]
    /// Descriptions by language code.
    public let descriptions: [String: String]

    private let mmdb: UnsafeMutablePointer<MMDB_s>
    /// The field paths grouped by their first key, so that a top-level map (`location`)
    /// is found once and its fields read from there: each `MMDB_aget_value` walks its map
    /// from the start, skipping every value before the key it wants.
    private let fieldGroups: [FieldGroup]
    /// The same, for the fields features use only (no organisation names or labels).
    private let essentialGroups: [FieldGroup]
    private let impliesResidentialProxy: Bool

    /// Opens (memory-maps) the file.
    /// - Throws: `GeoError` with `noSuchFile`, `unreadable` (the system's reason) or
    ///   `invalidDatabase` (libmaxminddb's reason: corrupt metadata, search tree, or data).
    public init(path: String) throws(GeoError) {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw GeoError(file: path, reason: .noSuchFile)
        }
        if isFolder.boolValue { throw GeoError(file: path, reason: .unreadable("is a folder, not a database file")) }
        let handle = UnsafeMutablePointer<MMDB_s>.allocate(capacity: 1)
        handle.initialize(to: MMDB_s())
        errno = 0
        let status = MMDB_open(path, UInt32(MMDB_MODE_MMAP), handle)
        guard status == MMDB_SUCCESS else {
            let systemError = errno
            handle.deallocate()
            switch status {
            case MMDB_FILE_OPEN_ERROR, MMDB_IO_ERROR:
                let why = systemError != 0 ? String(cString: strerror(systemError)) : String(cString: MMDB_strerror(status))
                throw GeoError(file: path, reason: .unreadable(why))
            default:
                throw GeoError(file: path, reason: .invalidDatabase(String(cString: MMDB_strerror(status))))
            }
        }
        mmdb = handle
        self.path = path
        let m = handle.pointee.metadata
        databaseType = m.database_type.map { String(cString: $0) } ?? ""
        ipVersion = Int(m.ip_version)
        buildEpoch = m.build_epoch
        nodeCount = Int(m.node_count)
        recordSize = Int(m.record_size)
        languages = (0..<m.languages.count).compactMap { i in m.languages.names[i].map { String(cString: $0) } }
        var descriptions: [String: String] = [:]
        for i in 0..<m.description.count {
            guard let d = m.description.descriptions[i], let language = d.pointee.language, let text = d.pointee.description else {
                continue
            }
            descriptions[String(cString: language)] = String(cString: text)
        }
        self.descriptions = descriptions
        let paths = GeoFieldPaths.paths(forDatabaseType: databaseType)
        fieldGroups = FieldGroup.grouping(paths)
        essentialGroups = FieldGroup.grouping(paths.filter { GeoField.essential.contains($0.field) })
        impliesResidentialProxy = GeoFieldPaths.impliesResidentialProxy(databaseType: databaseType)
    }

    deinit {
        MMDB_close(mmdb)
        mmdb.deallocate()
        for group in fieldGroups + essentialGroups { group.deallocate() }
    }

    /// The record for `address`, or `nil` when the database has no entry for it.
    ///
    /// A match whose record has none of the known fields gives an empty record with
    /// `prefixLength` set (MaxMind's Anonymous-IP database maps most addresses to `{}`).
    /// - Throws: `GeoError.Reason.lookupFailed` when the file turns out to be corrupt.
    /// - Parameter essentialOnly: read only what features use (country, location, time
    ///   zone, ASN and the anonymity flags), skipping names and labels: the per-address
    ///   lookup of a batch run, several times cheaper on own-intel records.
    public func lookup(_ address: IPAddress, essentialOnly: Bool = false) throws(GeoError) -> GeoRecord? {
        guard let match = try find(address) else { return nil }
        return record(of: match, essentialOnly: essentialOnly)
    }

    /// The fields of a matched record.
    private func record(of found: Match, essentialOnly: Bool) -> GeoRecord {
        var match = found
        var record = GeoRecord()
        record.prefixLength = match.prefixLength
        var data = MMDB_entry_data_s()
        for group in essentialOnly ? essentialGroups : fieldGroups {
            guard MMDB_aget_value(&match.entry, &data, group.key) == MMDB_SUCCESS, data.has_data else { continue }
            if let field = group.field { Self.set(field, from: data, in: &record) }
            guard !group.nested.isEmpty, data.type == MMDB_DATA_TYPE_MAP else { continue }
            var map = MMDB_entry_s(mmdb: match.entry.mmdb, offset: data.offset)
            for (field, keys) in group.nested {
                guard MMDB_aget_value(&map, &data, keys) == MMDB_SUCCESS, data.has_data else { continue }
                Self.set(field, from: data, in: &record)
            }
        }
        if impliesResidentialProxy && record.isResidentialProxy == nil { record.isResidentialProxy = true }
        return record
    }

    /// The record for `address` (`nil` when not found) and the prefix length of the
    /// network the answer holds for, found or not: every address sharing that many
    /// leading bits gets the same answer, so a caller may cache it for the network.
    public func lookupWithExtent(_ address: IPAddress, essentialOnly: Bool = false) throws(GeoError) -> (
        record: GeoRecord?, prefixLength: Int
    ) {
        var depth = 0
        guard let match = try find(address, depth: &depth) else { return (nil, depth) }
        return (record(of: match, essentialOnly: essentialOnly), depth)
    }

    /// The whole record for `address`, decoded generically, with the prefix length of the
    /// matched network (in the address's family); `nil` when not found.
    /// - Throws: `GeoError.Reason.lookupFailed` when the record cannot be decoded.
    public func lookupValue(_ address: IPAddress) throws(GeoError) -> (prefixLength: Int, value: MaxMindValue)? {
        guard var match = try find(address) else { return nil }
        var list: UnsafeMutablePointer<MMDB_entry_data_list_s>?
        let status = MMDB_get_entry_data_list(&match.entry, &list)
        defer { MMDB_free_entry_data_list(list) }
        guard status == MMDB_SUCCESS, let first = list else {
            throw GeoError(file: path, reason: .lookupFailed(String(cString: MMDB_strerror(status))))
        }
        var cursor: UnsafeMutablePointer<MMDB_entry_data_list_s>? = first
        guard let value = Self.decode(&cursor) else {
            throw GeoError(file: path, reason: .lookupFailed("record with an unknown data type"))
        }
        return (match.prefixLength, value)
    }

    /// Paths that start with one key: the field that key holds itself (a flat record),
    /// and the fields under it (a map), each as a null-terminated C array of keys.
    private struct FieldGroup {
        let key: UnsafeMutablePointer<UnsafePointer<CChar>?>
        var field: GeoField?
        var nested: [(field: GeoField, keys: UnsafeMutablePointer<UnsafePointer<CChar>?>)] = []

        /// Groups in the order their first keys first appear; within a group the direct
        /// field first, then the nested ones in order.
        static func grouping(_ paths: [GeoFieldPaths.Path]) -> [FieldGroup] {
            var groups: [FieldGroup] = []
            var index: [String: Int] = [:]
            for path in paths {
                guard let first = path.keys.first else { continue }
                if index[first] == nil {
                    index[first] = groups.count
                    groups.append(FieldGroup(key: cKeys([first])))
                }
                let g = index[first]!
                if path.keys.count == 1 {
                    if groups[g].field == nil { groups[g].field = path.field }
                } else {
                    groups[g].nested.append((path.field, cKeys(Array(path.keys.dropFirst()))))
                }
            }
            return groups
        }

        static func cKeys(_ keys: [String]) -> UnsafeMutablePointer<UnsafePointer<CChar>?> {
            let array = UnsafeMutablePointer<UnsafePointer<CChar>?>.allocate(capacity: keys.count + 1)
            for (i, key) in keys.enumerated() { array[i] = UnsafePointer(strdup(key)) }
            array[keys.count] = nil
            return array
        }

        func deallocate() {
            for keys in [key] + nested.map(\.keys) {
                var i = 0
                while let k = keys[i] {
                    free(UnsafeMutablePointer(mutating: k))
                    i += 1
                }
                keys.deallocate()
            }
        }
    }

    // MARK: Lookup

    private struct Match {
        var entry: MMDB_entry_s
        var prefixLength: Int
    }

    /// Walks the search tree with a `sockaddr` built from the address's bits (no text).
    private func find(_ address: IPAddress) throws(GeoError) -> Match? {
        var depth = 0
        return try find(address, depth: &depth)
    }

    /// As `find(_:)`, and sets `depth` to the prefix length (in the address's family) of
    /// the tree position where the lookup ended, found or not: every address sharing that
    /// many leading bits gets the same answer.
    private func find(_ address: IPAddress, depth: inout Int) throws(GeoError) -> Match? {
        depth = 0
        var status: Int32 = 0
        var result: MMDB_lookup_result_s
        if let v4 = address.v4 {
            var sa = sockaddr_in()
            sa.sin_family = sa_family_t(AF_INET)
            sa.sin_addr.s_addr = v4.bigEndian
            result = withUnsafePointer(to: &sa) { p in
                p.withMemoryRebound(to: sockaddr.self, capacity: 1) { MMDB_lookup_sockaddr(mmdb, $0, &status) }
            }
        } else {
            if ipVersion == 4 { return nil }
            var sa = sockaddr_in6()
            sa.sin6_family = sa_family_t(AF_INET6)
            withUnsafeMutableBytes(of: &sa.sin6_addr) { raw in
                raw.storeBytes(of: address.high.bigEndian, toByteOffset: 0, as: UInt64.self)
                raw.storeBytes(of: address.low.bigEndian, toByteOffset: 8, as: UInt64.self)
            }
            result = withUnsafePointer(to: &sa) { p in
                p.withMemoryRebound(to: sockaddr.self, capacity: 1) { MMDB_lookup_sockaddr(mmdb, $0, &status) }
            }
        }
        if status == MMDB_IPV6_LOOKUP_IN_IPV4_DATABASE_ERROR { return nil }
        guard status == MMDB_SUCCESS else {
            throw GeoError(file: path, reason: .lookupFailed(String(cString: MMDB_strerror(status))))
        }
        var prefix = Int(result.netmask)
        // An IPv6 database reports IPv4 matches in the 128-bit space (IPv4 is ::/96).
        if address.isIPv4 && ipVersion == 6 { prefix = max(0, prefix - 96) }
        depth = prefix
        guard result.found_entry else { return nil }
        return Match(entry: result.entry, prefixLength: prefix)
    }

    // MARK: Values

    private static func set(_ field: GeoField, from data: MMDB_entry_data_s, in r: inout GeoRecord) {
        switch field {
        case .countryCode: if r.countryCode == nil { r.countryCode = string(data) }
        case .latitude: if r.latitude == nil { r.latitude = double(data) }
        case .longitude: if r.longitude == nil { r.longitude = double(data) }
        case .accuracyRadius: if r.accuracyRadiusKm == nil { r.accuracyRadiusKm = unsigned(data).flatMap { Int(exactly: $0) } }
        case .timeZone: if r.timeZone == nil { r.timeZone = string(data) }
        case .asn: if r.asn == nil { r.asn = unsigned(data).flatMap { UInt32(exactly: $0) } }
        case .asOrganization: if r.asOrganization == nil { r.asOrganization = string(data) }
        case .isp: if r.isp == nil { r.isp = string(data) }
        case .organization: if r.organization == nil { r.organization = string(data) }
        case .connectionType: if r.connectionType == nil { r.connectionType = string(data) }
        case .isAnonymous: if r.isAnonymous == nil { r.isAnonymous = bool(data) }
        case .isAnonymousVPN: if r.isAnonymousVPN == nil { r.isAnonymousVPN = bool(data) }
        case .isHostingProvider: if r.isHostingProvider == nil { r.isHostingProvider = bool(data) }
        case .isPublicProxy: if r.isPublicProxy == nil { r.isPublicProxy = bool(data) }
        case .isResidentialProxy: if r.isResidentialProxy == nil { r.isResidentialProxy = bool(data) }
        case .isTorExitNode: if r.isTorExitNode == nil { r.isTorExitNode = bool(data) }
        case .anonymizerConfidence:
            if r.anonymizerConfidence == nil { r.anonymizerConfidence = unsigned(data).flatMap { Int(exactly: $0) } }
        case .providerName: if r.providerName == nil { r.providerName = string(data) }
        case .label: if r.label == nil { r.label = string(data) }
        }
    }

    private static func string(_ d: MMDB_entry_data_s) -> String? {
        guard d.type == MMDB_DATA_TYPE_UTF8_STRING else { return nil }
        return String(decoding: UnsafeRawBufferPointer(start: d.utf8_string, count: Int(d.data_size)), as: UTF8.self)
    }

    private static func double(_ d: MMDB_entry_data_s) -> Double? {
        switch Int32(d.type) {
        case MMDB_DATA_TYPE_DOUBLE: d.double_value
        case MMDB_DATA_TYPE_FLOAT: Double(d.float_value)
        default: unsigned(d).map(Double.init)
        }
    }

    private static func unsigned(_ d: MMDB_entry_data_s) -> UInt64? {
        switch Int32(d.type) {
        case MMDB_DATA_TYPE_UINT16: UInt64(d.uint16)
        case MMDB_DATA_TYPE_UINT32: UInt64(d.uint32)
        case MMDB_DATA_TYPE_UINT64: d.uint64
        case MMDB_DATA_TYPE_INT32: d.int32 >= 0 ? UInt64(d.int32) : nil
        default: nil
        }
    }

    private static func bool(_ d: MMDB_entry_data_s) -> Bool? {
        d.type == MMDB_DATA_TYPE_BOOLEAN ? d.boolean : nil
    }

    /// Decodes one value starting at `cursor` and moves the cursor past it (maps and arrays
    /// are followed by their items in the list); `nil` for a type the format does not define.
    private static func decode(_ cursor: inout UnsafeMutablePointer<MMDB_entry_data_list_s>?) -> MaxMindValue? {
        guard let node = cursor else { return nil }
        let d = node.pointee.entry_data
        cursor = node.pointee.next
        switch Int32(d.type) {
        case MMDB_DATA_TYPE_MAP:
            var map: [String: MaxMindValue] = [:]
            for _ in 0..<Int(d.data_size) {
                guard let keyNode = cursor, let key = string(keyNode.pointee.entry_data) else { return nil }
                cursor = keyNode.pointee.next
                guard let value = decode(&cursor) else { return nil }
                map[key] = value
            }
            return .map(map)
        case MMDB_DATA_TYPE_ARRAY:
            var items: [MaxMindValue] = []
            for _ in 0..<Int(d.data_size) {
                guard let value = decode(&cursor) else { return nil }
                items.append(value)
            }
            return .array(items)
        case MMDB_DATA_TYPE_UTF8_STRING: return string(d).map { .string($0) }
        case MMDB_DATA_TYPE_DOUBLE: return .double(d.double_value)
        case MMDB_DATA_TYPE_FLOAT: return .float(d.float_value)
        case MMDB_DATA_TYPE_BYTES: return .bytes(Array(UnsafeBufferPointer(start: d.bytes, count: Int(d.data_size))))
        case MMDB_DATA_TYPE_UINT16: return .uint16(d.uint16)
        case MMDB_DATA_TYPE_UINT32: return .uint32(d.uint32)
        case MMDB_DATA_TYPE_INT32: return .int32(d.int32)
        case MMDB_DATA_TYPE_UINT64: return .uint64(d.uint64)
        case MMDB_DATA_TYPE_UINT128: return .uint128(uint128(d))
        case MMDB_DATA_TYPE_BOOLEAN: return .boolean(d.boolean)
        default: return nil
        }
    }

    private static func uint128(_ d: MMDB_entry_data_s) -> UInt128 {
        var data = d
        var high: UInt64 = 0, low: UInt64 = 0
        trawl_mmdb_uint128(&data, &high, &low)
        return UInt128(high) << 64 | UInt128(low)
    }
}
