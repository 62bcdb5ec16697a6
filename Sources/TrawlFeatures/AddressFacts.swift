import Synchronization
import TrawlModel

#if canImport(Glibc)
    import Glibc
#endif

/// What enrichment (GeoIP, ASN and anonymity databases) says about one client address,
/// reduced to what features use. Every field has an "unknown" value.
public struct AddressFacts: Sendable, Equatable {
    public struct Flags: OptionSet, Sendable, Equatable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        /// An anonymity database covered the address (its other flags are meaningful).
        public static let anonymityKnown = Flags(rawValue: 1 << 0)
        public static let residentialProxy = Flags(rawValue: 1 << 1)
        public static let anonymousVPN = Flags(rawValue: 1 << 2)
        public static let hosting = Flags(rawValue: 1 << 3)
        public static let tor = Flags(rawValue: 1 << 4)
        public static let publicProxy = Flags(rawValue: 1 << 5)
        /// The address is in a network an allowlist (`rules/allowlists.yaml`) names.
        public static let allowlisted = Flags(rawValue: 1 << 6)
    }

    /// ISO 3166 alpha-2 code packed into two bytes (`"US"` = 0x5553); 0 when unknown.
    public var country: UInt16 = 0
    /// Autonomous system number; 0 when unknown.
    public var asn: UInt32 = 0
    public var flags: Flags = []
    /// Degrees; NaN when the address is not located.
    public var latitude: Float = .nan
    public var longitude: Float = .nan
    /// The database's accuracy radius in km (0 when it gave none).
    public var radiusKm: Float = 0
    /// The address's IANA time zone as a `TimeZoneNames` id; 0 when unknown.
    public var timeZone: Int32 = 0

    public init() {}

    public static let unknown = AddressFacts()

    /// Field by field, with an unknown (NaN) coordinate equal to another unknown one.
    public static func == (a: AddressFacts, b: AddressFacts) -> Bool {
        a.country == b.country && a.asn == b.asn && a.flags == b.flags && a.radiusKm == b.radiusKm
            && a.timeZone == b.timeZone && a.latitude.bitPattern == b.latitude.bitPattern
            && a.longitude.bitPattern == b.longitude.bitPattern
    }

    public var isLocated: Bool { !latitude.isNaN && !longitude.isNaN }
    /// Whether any database said anything about the address.
    public var isKnown: Bool { country != 0 || asn != 0 || !flags.isEmpty || isLocated || timeZone != 0 }

    /// Packs an alpha-2 code (any case); 0 for anything else.
    public static func countryCode(_ text: some StringProtocol) -> UInt16 {
        let bytes = Array(text.utf8)
        guard bytes.count == 2, bytes.allSatisfy({ ($0 | 0x20) >= 0x61 && ($0 | 0x20) <= 0x7A }) else { return 0 }
        return UInt16(bytes[0] & ~0x20) << 8 | UInt16(bytes[1] & ~0x20)
    }

    /// The alpha-2 text of a packed code.
    public static func countryText(_ code: UInt16) -> String? {
        guard code != 0 else { return nil }
        return String(decoding: [UInt8(code >> 8), UInt8(code & 0xFF)], as: UTF8.self)
    }
}

/// Great-circle distance in km between two points given in degrees (haversine, mean radius).
public func greatCircleKm(_ lat1: Double, _ lon1: Double, _ lat2: Double, _ lon2: Double) -> Double {
    let r = Double.pi / 180
    let dLat = (lat2 - lat1) * r
    let dLon = (lon2 - lon1) * r
    let a = sin(dLat / 2) * sin(dLat / 2) + cos(lat1 * r) * cos(lat2 * r) * sin(dLon / 2) * sin(dLon / 2)
    return 2 * 6371.0088 * asin(min(1, a.squareRoot()))
}

/// A uniform sample of an account-day's distinct addresses with when each was first and
/// last used: the `capacity` addresses with the smallest hashes (a bottom-k sample).
///
/// Which addresses are kept depends only on their hashes, so samples built from any
/// split of the input merge into the sample of the whole.
public struct AddressLifetimeSample: Sendable, Equatable, Mergeable {
    public static let capacity = 32

    /// Sorted by hash.
    var hashes: [UInt64] = []
    var first: [Timestamp] = []
    var last: [Timestamp] = []
    /// The sampled addresses themselves (by the same index), for the linking stage: the
    /// sample is a consistent (bottom-k) sample of the day's address set.
    public internal(set) var addresses: [IPAddress] = []
    /// Where the last address noted sits (-1: unknown), for runs of one address.
    private var recent = -1

    public init() {}

    public static func == (a: AddressLifetimeSample, b: AddressLifetimeSample) -> Bool {
        a.hashes == b.hashes && a.first == b.first && a.last == b.last
    }

    public var count: Int { hashes.count }

    /// The sampled addresses' hashes, ascending.
    public var addressHashes: [UInt64] { hashes }

    /// Notes a use of an address by its hash alone (its address reads as `::`).
    @inline(__always) public mutating func add(hash: UInt64, at ts: Timestamp) {
        add(IPAddress(high: 0, low: 0), hash: hash, at: ts)
    }

    /// Notes a use of `address` (whose `stableHash` is `hash`) at `ts`.
    @inline(__always) public mutating func add(_ address: IPAddress, hash: UInt64, at ts: Timestamp) {
        if hashes.count == Self.capacity && hash > hashes[hashes.count - 1] { return }
        note(hash, address, first: ts, last: ts)
    }

    private mutating func note(_ hash: UInt64, _ address: IPAddress, first f: Timestamp, last l: Timestamp) {
        let lo =
            recent >= 0 && hashes[recent] == hash ? recent : partitionIndex(count: hashes.count) { hashes[$0] < hash }
        if lo < hashes.count && hashes[lo] == hash {
            first[lo] = min(first[lo], f)
            last[lo] = max(last[lo], l)
            recent = lo
            return
        }
        hashes.insert(hash, at: lo)
        first.insert(f, at: lo)
        last.insert(l, at: lo)
        addresses.insert(address, at: lo)
        recent = lo
        if hashes.count > Self.capacity {
            hashes.removeLast()
            first.removeLast()
            last.removeLast()
            addresses.removeLast()
            if recent == hashes.count { recent = -1 }
        }
    }

    public mutating func merge(_ other: AddressLifetimeSample) {
        for i in other.hashes.indices {
            if hashes.count == Self.capacity && other.hashes[i] > hashes[hashes.count - 1] { break }
            note(other.hashes[i], other.addresses[i], first: other.first[i], last: other.last[i])
        }
    }

    /// The median time between an address's first and last request, in minutes; `nil` when empty.
    public var medianLifetimeMinutes: Double? {
        guard !hashes.isEmpty else { return nil }
        let spans = zip(first, last).map { Double($1 - $0) / 60_000 }.sorted()
        let n = spans.count
        return n % 2 == 1 ? spans[n / 2] : (spans[n / 2 - 1] + spans[n / 2]) / 2
    }
}

/// Where an account was seen through the day, kept small: for each 5-minute slot with
/// located requests, the earliest and the latest of them. Consecutive points that are
/// further apart than a plane could fly, after allowing for both accuracy radii, count as
/// impossible travel.
///
/// Keeps at most 288 slots; the earliest/latest point of a slot is the same whatever the
/// order or split of the input (ties on time go to the smaller coordinates), so tracks merge.
public struct TravelTrack: Sendable, Equatable, Mergeable {
    public static let slotMillis: Int64 = 5 * 60_000
    /// Faster than an airliner's cruise: no honest client moves like that.
    public static let maxPlausibleKmh = 1000.0
    /// Time between two requests is taken as at least this, so that two requests in the
    /// same second from two continents give a finite (and very high) speed.
    public static let minInterval: Int64 = 60_000

    public struct Point: Sendable, Equatable {
        public var ts: Timestamp
        public var latitude: Float
        public var longitude: Float
        public var radiusKm: Float

        public init(ts: Timestamp, latitude: Float, longitude: Float, radiusKm: Float) {
            self.ts = ts
            self.latitude = latitude
            self.longitude = longitude
            self.radiusKm = radiusKm
        }

        func isBefore(_ o: Point) -> Bool {
            (ts, latitude, longitude, radiusKm) < (o.ts, o.latitude, o.longitude, o.radiusKm)
        }
    }

    struct Slot: Sendable, Equatable {
        var index: Int32
        var first: Point
        var last: Point
    }

    var slots: [Slot] = []

    public init() {}

    public var isEmpty: Bool { slots.isEmpty }

    public mutating func add(_ p: Point) {
        let index = Int32(truncatingIfNeeded: p.ts / Self.slotMillis)
        // Requests mostly arrive in time order: look at the newest slot first.
        if let lastSlot = slots.last, lastSlot.index == index {
            update(slots.count - 1, p)
            return
        }
        let lo = partitionIndex(count: slots.count) { slots[$0].index < index }
        if lo < slots.count && slots[lo].index == index {
            update(lo, p)
        } else {
            slots.insert(Slot(index: index, first: p, last: p), at: lo)
        }
    }

    private mutating func update(_ i: Int, _ p: Point) {
        if p.isBefore(slots[i].first) { slots[i].first = p }
        if slots[i].last.isBefore(p) { slots[i].last = p }
    }

    public mutating func merge(_ other: TravelTrack) {
        for s in other.slots {
            add(s.first)
            add(s.last)
        }
    }

    /// How many consecutive points imply a speed above `maxPlausibleKmh`, and the highest
    /// such speed in km/h (0 when none).
    public var impossibleTravel: (count: Int, worstKmh: Double) {
        var points: [Point] = []
        points.reserveCapacity(slots.count * 2)
        for s in slots {
            points.append(s.first)
            if s.last != s.first { points.append(s.last) }
        }
        var count = 0
        var worst = 0.0
        for (a, b) in zip(points, points.dropFirst()) {
            let km =
                greatCircleKm(Double(a.latitude), Double(a.longitude), Double(b.latitude), Double(b.longitude))
                - Double(a.radiusKm) - Double(b.radiusKm)
            guard km > 0 else { continue }
            let hours = Double(max(b.ts - a.ts, Self.minInterval)) / 3_600_000
            let speed = km / hours
            if speed > Self.maxPlausibleKmh {
                count += 1
                worst = max(worst, speed)
            }
        }
        return (count, worst)
    }
}

/// Per account-day state built from enrichment; present only when a run has GeoIP data.
public struct GeoDayState: Sendable, Equatable, Mergeable {
    /// Requests whose address any database knew.
    public var known = 0
    public var countries = DistinctCountSketch()
    /// Requests per country (Misra-Gries, exact up to 8 countries), for case evidence.
    public var countryRequests = TopKCounter<UInt16>(capacity: 8)
    public var asnCount = DistinctCountSketch()
    /// Requests per ASN (Misra-Gries, exact up to 32 ASNs), for the entropy.
    public var asns = TopKCounter<UInt32>(capacity: 32)
    public var asnKnown = 0
    /// Requests whose address an anonymity database covered, and how it flagged them.
    public var anonymityKnown = 0
    public var residentialProxy = 0, anonymousVPN = 0, hosting = 0, tor = 0
    /// Requests from allowlisted networks.
    public var allowlisted = 0
    /// Requests whose client locale could be compared with the address, and those that disagreed.
    public var localeChecked = 0, localeMismatch = 0
    public var travel = TravelTrack()

    public init() {}

    /// Adds one request from an address with `facts`; `locale` is the comparison of the
    /// client's reported locale with the address (`nil`: nothing to compare).
    @inline(__always) public mutating func add(_ facts: AddressFacts, ts: Timestamp, localeMismatch mismatch: Bool?) {
        if let mismatch {
            localeChecked += 1
            if mismatch { localeMismatch += 1 }
        }
        guard facts.isKnown else { return }
        known += 1
        if facts.flags.contains(.allowlisted) { allowlisted += 1 }
        if facts.country != 0 {
            countries.insert(hash: mix64(UInt64(facts.country)))
            countryRequests.add(facts.country)
        }
        if facts.asn != 0 {
            asnKnown += 1
            asnCount.insert(hash: mix64(UInt64(facts.asn) | 1 << 40))
            asns.add(facts.asn)
        }
        if facts.flags.contains(.anonymityKnown) {
            anonymityKnown += 1
            if facts.flags.contains(.residentialProxy) { residentialProxy += 1 }
            if facts.flags.contains(.anonymousVPN) { anonymousVPN += 1 }
            if facts.flags.contains(.hosting) { hosting += 1 }
            if facts.flags.contains(.tor) { tor += 1 }
        }
        if facts.isLocated {
            travel.add(
                TravelTrack.Point(ts: ts, latitude: facts.latitude, longitude: facts.longitude, radiusKm: facts.radiusKm))
        }
    }

    public mutating func merge(_ o: GeoDayState) {
        known += o.known
        countries.merge(o.countries)
        countryRequests.merge(o.countryRequests)
        asnCount.merge(o.asnCount)
        asns.merge(o.asns)
        asnKnown += o.asnKnown
        anonymityKnown += o.anonymityKnown
        residentialProxy += o.residentialProxy
        anonymousVPN += o.anonymousVPN
        hosting += o.hosting
        tor += o.tor
        allowlisted += o.allowlisted
        localeChecked += o.localeChecked
        localeMismatch += o.localeMismatch
        travel.merge(o.travel)
    }

    /// Shannon entropy in bits of requests over ASNs. Exact up to 32 ASNs; past that the
    /// requests the summary does not hold are spread evenly over the ASNs it does not list.
    public var asnEntropy: Double? {
        guard asnKnown > 0 else { return nil }
        let total = Double(asnKnown)
        var h = 0.0
        var held = 0
        for (_, c) in asns.pairs where c > 0 {
            let p = Double(c) / total
            h -= p * log2(p)
            held += c
        }
        let rest = Double(asnKnown - held)
        let others = max(1.0, Double(asnCount.count - asns.pairs.count))
        if rest > 0 {
            let p = rest / total / others
            h -= others * p * log2(p)
        }
        return h
    }
}

/// Compares a client's reported locale with what is known of its address.
///
/// The time zone disagrees when its UTC offset is more than 3 hours from that of the
/// address's zone (3 hours spans the contiguous United States, so moving between zones of
/// one large country is not a mismatch). The Accept-Language region disagrees when it names
/// another country than the address's, except for English, whose `en-US` is a default
/// in much of the world.
public enum LocaleCheck {
    public static let maxOffsetGapMinutes = 180

    /// `nil` when neither comparison can be made.
    @inline(__always) public static func mismatch(
        languageRegion: UInt16, languageIsEnglish: Bool, clientOffsetMinutes: Int16?, addressOffsetMinutes: Int16?,
        address: AddressFacts
    ) -> Bool? {
        var checked = false
        if let client = clientOffsetMinutes, let there = addressOffsetMinutes {
            checked = true
            if abs(Int(client) - Int(there)) > maxOffsetGapMinutes { return true }
        }
        if languageRegion != 0 && !languageIsEnglish && address.country != 0 {
            checked = true
            if languageRegion != address.country { return true }
        }
        return checked ? false : nil
    }

    /// The region and whether the language is English, of an Accept-Language value's first
    /// tag: `zh-CN,zh;q=0.9` → (`CN`, false); a tag without a region gives region 0.
    public static func languageRegion(_ header: some StringProtocol) -> (region: UInt16, english: Bool) {
        let firstTag = header.split(separator: ",", maxSplits: 1).first.map { $0.split(separator: ";").first ?? $0 } ?? ""
        let parts = String(firstTag.filter { $0 != " " && $0 != "\t" }).split(whereSeparator: { $0 == "-" || $0 == "_" })
        guard let language = parts.first else { return (0, false) }
        let english = language.lowercased() == "en"
        // The region is the first two-letter subtag after the language (skipping a script such as Hant).
        for sub in parts.dropFirst() where sub.count == 2 {
            return (AddressFacts.countryCode(sub), english)
        }
        return (0, english)
    }
}

/// Process-wide ids for IANA time zone names, so that per-address facts stay plain values.
public final class TimeZoneNames: Sendable {
    public static let shared = TimeZoneNames()

    private let state = Mutex<(names: [String], ids: [String: Int32])>(([""], [:]))

    /// The id of `name` (from 1), registering it on first use.
    public func id(for name: String) -> Int32 {
        state.withLock { s in
            if let id = s.ids[name] { return id }
            s.names.append(name)
            let id = Int32(s.names.count - 1)
            s.ids[name] = id
            return id
        }
    }

    /// The name of an id given by `id(for:)`; `""` for 0.
    public func name(_ id: Int32) -> String { state.withLock { $0.names[Int(id)] } }
}
