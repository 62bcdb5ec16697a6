import Foundation
import Synchronization
import TrawlModel

/// Answers "what do the databases say about this address?" for the databases given
/// with `--geoip`, merged into one `GeoRecord` and cached per distinct address.
///
/// Databases are asked in order; a later one fills only the fields earlier ones left
/// `nil`. A day of logs has far fewer distinct addresses than requests, so each address
/// is looked up once: the cache is split into 16 stripes by address hash, each behind its
/// own lock, so decoding threads rarely wait for each other; the databases are read with
/// no lock held. A stripe that outgrows its share of `cacheCapacity` is emptied and refilled.
/// - Complexity: a cached address costs one hash and one dictionary probe; a new one,
///   one lookup per database.
public final class GeoResolver: Sendable {
    public let databases: [GeoDatabase]
    private let stripes: [CacheStripe]
    private let stripeCapacity: Int
    private let failures = Atomic<Int>(0)
    private let firstFailure = Mutex<GeoError?>(nil)

    /// - Parameter cacheCapacity: distinct addresses kept (0 turns the cache off).
    public init(databases: [GeoDatabase], cacheCapacity: Int = 1 << 21) {
        self.databases = databases
        stripes = (0..<Self.stripeCount).map { _ in CacheStripe() }
        stripeCapacity = cacheCapacity / Self.stripeCount
    }

    /// Opens the databases at `paths` (files, or folders searched for `*.mmdb`).
    /// - Throws: `GeoError` for a missing path, a folder with no database, or a file
    ///   libmaxminddb cannot open.
    public convenience init(paths: [String], cacheCapacity: Int = 1 << 21) throws(GeoError) {
        var opened: [GeoDatabase] = []
        for file in try Self.databaseFiles(paths) { opened.append(try GeoDatabase(path: file)) }
        self.init(databases: opened, cacheCapacity: cacheCapacity)
    }

    /// The database files named by `paths`, in order: a file as given, a folder's `*.mmdb`
    /// files (searched recursively, hidden entries skipped) sorted by path. A file named
    /// twice is opened once.
    public static func databaseFiles(_ paths: [String]) throws(GeoError) -> [String] {
        var files: [String] = []
        var seen = Set<String>()
        for path in paths {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
                throw GeoError(file: path, reason: .noSuchFile)
            }
            var found: [String] = [path]
            if isFolder.boolValue {
                guard let walker = FileManager.default.enumerator(atPath: path) else {
                    throw GeoError(file: path, reason: .unreadable("cannot list the folder"))
                }
                found = []
                while let relative = walker.nextObject() as? String {
                    let name = (relative as NSString).lastPathComponent
                    if name.hasPrefix(".") {
                        walker.skipDescendants()
                        continue
                    }
                    let full = (path as NSString).appendingPathComponent(relative)
                    var sub: ObjCBool = false
                    if name.hasSuffix(".mmdb"), FileManager.default.fileExists(atPath: full, isDirectory: &sub), !sub.boolValue {
                        found.append(full)
                    }
                }
                guard !found.isEmpty else { throw GeoError(file: path, reason: .noDatabases) }
                found.sort()
            }
            for file in found where seen.insert(file).inserted { files.append(file) }
        }
        return files
    }

    /// The merged record for `address`, from the cache when it was asked before.
    /// An address no database knows gives an empty record.
    public func record(for address: IPAddress) -> GeoRecord {
        guard stripeCapacity > 0 else { return lookup(address) }
        let stripe = stripes[Int(truncatingIfNeeded: address.stableHash) & (Self.stripeCount - 1)]
        if let cached = stripe.state.withLock({ $0.record(for: address) }) { return cached }
        let record = lookup(address)
        stripe.state.withLock { $0.insert(record, for: address, capacity: stripeCapacity) }
        return record
    }

    /// The merged record for `address`, read from every database (no cache).
    /// A database that fails (a corrupt file) counts in `failureCount` and adds nothing.
    /// - Parameter essentialOnly: read only the fields features use (see `GeoDatabase.lookup`).
    public func lookup(_ address: IPAddress, essentialOnly: Bool = false) -> GeoRecord {
        lookupWithExtent(address, essentialOnly: essentialOnly).record
    }

    /// The merged record for `address` and the prefix length of the network every
    /// database answers the same for (the longest of theirs), so that the answer can be
    /// cached for the whole network. A database that fails gives the full length (the
    /// answer then holds for the address alone).
    public func lookupWithExtent(_ address: IPAddress, essentialOnly: Bool = false) -> (record: GeoRecord, prefixLength: Int) {
        var merged = GeoRecord()
        var extent = 0
        for database in databases {
            do {
                let (record, prefix) = try database.lookupWithExtent(address, essentialOnly: essentialOnly)
                if let record { merged.fill(from: record) }
                extent = max(extent, prefix)
            } catch {
                failures.add(1, ordering: .relaxed)
                firstFailure.withLock { if $0 == nil { $0 = error } }
                extent = address.isIPv4 ? 32 : 128
            }
        }
        return (merged, extent)
    }

    /// Lookups that failed because a database is corrupt, and the first such error.
    public var failureCount: Int { failures.load(ordering: .relaxed) }
    public var firstError: GeoError? { firstFailure.withLock { $0 } }

    /// Distinct addresses held in the cache now.
    public var cachedAddressCount: Int { stripes.reduce(0) { $0 + $1.state.withLock { $0.slots.count } } }

    static let stripeCount = 16
}

/// One lock-protected part of the address cache. Records repeat across addresses (one
/// network, many addresses), so each distinct record is kept once and addresses map to
/// its index.
final class CacheStripe: Sendable {
    struct State {
        var slots: [IPAddress: Int32] = [:]
        var records: [GeoRecord] = []
        var recordIndex: [GeoRecord: Int32] = [:]

        func record(for address: IPAddress) -> GeoRecord? {
            slots[address].map { records[Int($0)] }
        }

        mutating func insert(_ record: GeoRecord, for address: IPAddress, capacity: Int) {
            if slots.count >= capacity {
                slots.removeAll(keepingCapacity: true)
                records.removeAll(keepingCapacity: true)
                recordIndex.removeAll(keepingCapacity: true)
            }
            if let index = recordIndex[record] {
                slots[address] = index
                return
            }
            let index = Int32(records.count)
            records.append(record)
            recordIndex[record] = index
            slots[address] = index
        }
    }

    let state = Mutex(State())
}
