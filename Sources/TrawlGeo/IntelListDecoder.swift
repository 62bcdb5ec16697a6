import Foundation

/// One network of an intel list and what the list says about it.
public struct IntelEntry: Sendable, Equatable {
    public let network: IPNetwork
    public let record: [String: MaxMindValue]
    /// The line of the list where the row starts.
    public let line: Int
}

/// The rows of one intel list file: the good ones and a problem per bad cell or line.
public struct IntelList: Sendable {
    public var entries: [IntelEntry] = []
    public var problems: [GeoError] = []
    /// Data rows read (header and blank lines not counted), and those with a problem.
    public var rowCount = 0
    public var badRowCount = 0
}

/// Reads intel lists: CSV files whose first column is `network` and whose other columns
/// are record keys, for `trawl intel build`.
///
/// `network` is a CIDR network (`192.0.2.0/24`, `2001:db8::/32`) or a bare address (a /32
/// or /128) with no bits set past the prefix. Known columns are typed: `country` (ISO
/// 3166-1 alpha-2, stored upper-case), `asn` (0-4294967295, `AS` prefix allowed),
/// `accuracy_radius` and `anonymizer_confidence` (0-65535), `latitude` (-90...90) and
/// `longitude` (-180...180) as doubles, the `is_…` flags as booleans (`true`/`false`,
/// `1`/`0`, `yes`/`no`, any case); `as_org`, `label`, `time_zone` and every other column
/// are strings kept as written. Spaces and tabs around typed values and column names are
/// ignored; an empty cell (or one of spaces) leaves its key out.
public enum IntelListDecoder {
    /// The type a column's cells are read as.
    enum ColumnKind: Equatable {
        case network, string, countryCode, uint32, uint16, boolean
        case double(ClosedRange<Double>)
    }

    static func kind(ofColumn name: String) -> ColumnKind {
        switch name {
        case "network": .network
        case "country": .countryCode
        case "asn": .uint32
        case "accuracy_radius", "anonymizer_confidence": .uint16
        case "latitude": .double(-90...90)
        case "longitude": .double(-180...180)
        case "is_anonymous", "is_anonymous_vpn", "is_hosting_provider", "is_public_proxy", "is_residential_proxy",
            "is_tor_exit_node":
            .boolean
        default: .string
        }
    }

    /// Reads the file at `path`.
    /// - Throws: `GeoError` when the file is missing or unreadable; problems inside the
    ///   file are in the result's `problems`.
    public static func decode(contentsOf path: String) throws(GeoError) -> IntelList {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else { throw GeoError(file: path, reason: .noSuchFile) }
        guard !isFolder.boolValue else { throw GeoError(file: path, reason: .unreadable("is a folder, not a CSV file")) }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw GeoError(file: path, reason: .unreadable(MaxMindWriter.reason(error)))
        }
        return decode(bytes: [UInt8](data), file: path)
    }

    /// Reads intel list text; `file` names it in problems.
    public static func decode(bytes: [UInt8], file: String) -> IntelList {
        var list = IntelList()
        var header: [(name: String, kind: ColumnKind)]?
        for item in CSVRecordReader.read(bytes) {
            switch item {
            case .failure(let line, let reason):
                if header != nil {
                    list.rowCount += 1
                    list.badRowCount += 1
                }
                list.problems.append(GeoError(file: file, line: line, reason: .invalidCSV(reason)))
                if header == nil { return list }
            case .record(let line, let fields):
                guard let columns = header else {
                    switch readHeader(fields) {
                    case .success(let h): header = h
                    case .failure(let reason):
                        list.problems.append(GeoError(file: file, line: line, reason: .invalidCSV(reason)))
                        return list
                    }
                    continue
                }
                list.rowCount += 1
                let before = list.problems.count
                if let entry = readRow(fields, columns: columns, line: line, file: file, problems: &list.problems) {
                    list.entries.append(entry)
                }
                if list.problems.count > before { list.badRowCount += 1 }
            }
        }
        if header == nil {
            list.problems.append(
                GeoError(file: file, line: 1, reason: .invalidCSV("empty file: expected a header line starting with network")))
        }
        return list
    }

    enum HeaderResult {
        case success([(name: String, kind: ColumnKind)])
        case failure(String)
    }

    static func readHeader(_ fields: [String]) -> HeaderResult {
        let names = fields.map { String(trimmed($0)) }
        guard names.first == "network" else {
            return .failure("the header's first column must be network (then one column per record key, e.g. network,label,asn)")
        }
        var seen = Set<String>()
        for (i, name) in names.enumerated() {
            if name.isEmpty { return .failure("header column \(i + 1) has no name") }
            if !seen.insert(name).inserted { return .failure("header names column \(name) twice") }
        }
        return .success(names.map { ($0, kind(ofColumn: $0)) })
    }

    static func readRow(
        _ fields: [String], columns: [(name: String, kind: ColumnKind)], line: Int, file: String, problems: inout [GeoError]
    ) -> IntelEntry? {
        guard fields.count == columns.count else {
            problems.append(
                GeoError(file: file, line: line, reason: .invalidCSV("\(fields.count) fields, but the header has \(columns.count) columns"))
            )
            return nil
        }
        var network: IPNetwork?
        var record: [String: MaxMindValue] = [:]
        var bad = false
        for (cell, column) in zip(fields, columns) {
            let trimmed = Self.trimmed(cell)
            if trimmed.isEmpty {
                if column.kind == .network {
                    problems.append(GeoError(file: file, line: line, column: column.name, reason: .invalidValue("empty network")))
                    bad = true
                }
                continue
            }
            if column.kind == .network {
                do { network = try IPNetwork.parse(trimmed) } catch {
                    problems.append(
                        GeoError(file: file, line: line, column: column.name, reason: .invalidValue(reason(error)), value: cell))
                    bad = true
                }
                continue
            }
            switch value(trimmed, original: cell, kind: column.kind) {
            case .success(let v): record[column.name] = v
            case .failure(let why):
                problems.append(GeoError(file: file, line: line, column: column.name, reason: .invalidValue(why), value: cell))
                bad = true
            }
        }
        guard !bad, let network else { return nil }
        return IntelEntry(network: network, record: record, line: line)
    }

    static func reason(_ failure: IPNetwork.ParseFailure) -> String {
        switch failure {
        case .notAnAddress: "not an IPv4 or IPv6 address or network (e.g. 192.0.2.0/24, 2001:db8::/32, 192.0.2.7)"
        case .badPrefixLength: "prefix length out of range (0-32 for IPv4, 0-128 for IPv6)"
        case .hostBitsSet: "bits set past the prefix length (write the network's first address, e.g. 10.0.0.0/8)"
        }
    }

    enum ValueResult {
        case success(MaxMindValue)
        case failure(String)
    }

    /// `text` without the spaces and tabs around it.
    static func trimmed(_ text: String) -> Substring {
        let u = text.utf8
        var start = u.startIndex, end = u.endIndex
        while start < end, u[start] == 0x20 || u[start] == 0x09 { start = u.index(after: start) }
        while end > start, u[u.index(before: end)] == 0x20 || u[u.index(before: end)] == 0x09 { end = u.index(before: end) }
        return text[start..<end]
    }

    static func value(_ text: Substring, original: String, kind: ColumnKind) -> ValueResult {
        switch kind {
        case .string, .network:
            return .success(.string(original))
        case .countryCode:
            guard text.utf8.count == 2, text.utf8.allSatisfy({ ($0 | 0x20) >= 97 && ($0 | 0x20) <= 122 }) else {
                return .failure("expected a two-letter ISO 3166-1 country code (e.g. GB)")
            }
            return .success(.string(text.uppercased()))
        case .uint32:
            var digits = text
            if digits.utf8.count > 2, digits.utf8.prefix(2).map({ $0 | 0x20 }) == [0x61, 0x73] { digits = digits.dropFirst(2) }
            guard let v = unsigned(digits), let n = UInt32(exactly: v) else {
                return .failure("expected a whole number from 0 to 4294967295 (an AS number, AS prefix allowed)")
            }
            return .success(.uint32(n))
        case .uint16:
            guard let v = unsigned(text), let n = UInt16(exactly: v) else {
                return .failure("expected a whole number from 0 to 65535")
            }
            return .success(.uint16(n))
        case .boolean:
            switch text.lowercased() {
            case "true", "1", "yes": return .success(.boolean(true))
            case "false", "0", "no": return .success(.boolean(false))
            default: return .failure("expected true or false (or 1/0, yes/no)")
            }
        case .double(let range):
            guard text.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || $0 == 46 || $0 == 45 || $0 == 43 || $0 == 101 || $0 == 69 }),
                let d = Double(text), d.isFinite, range.contains(d)
            else {
                return .failure("expected a number from \(Int(range.lowerBound)) to \(Int(range.upperBound))")
            }
            return .success(.double(d))
        }
    }

    /// Decimal digits only (no sign, no spaces), at most 20 of them.
    static func unsigned(_ text: Substring) -> UInt64? {
        guard !text.isEmpty, text.count <= 20, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        return UInt64(text)
    }
}
