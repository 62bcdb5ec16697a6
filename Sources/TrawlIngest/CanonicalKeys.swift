#if canImport(Glibc)
    import Glibc
#endif

/// Maps a key's bytes to a canonical field without building a `String`.
enum CanonicalKeys {
    static let table: [(StaticString, LogField)] = LogField.allCases.map { ($0.staticName, $0) }

    /// Candidates bucketed by key length, so a lookup compares against one or two names.
    static let byLength: [[(StaticString, LogField)]] = {
        var buckets = Array(repeating: [(StaticString, LogField)](), count: 32)
        for entry in table { buckets[entry.0.utf8CodeUnitCount].append(entry) }
        return buckets
    }()

    @inline(__always) static func lookup(_ p: UnsafePointer<UInt8>, _ len: Int) -> LogField? {
        guard len < 32 else { return nil }
        for (name, field) in byLength[len] where memcmp(name.utf8Start, p, len) == 0 { return field }
        return nil
    }
}
