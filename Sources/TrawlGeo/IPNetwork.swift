import TrawlModel

/// An IPv4 or IPv6 network: an address with all bits past the prefix length zero.
///
/// The prefix length counts in the address's own family: 0-32 for IPv4, 0-128 for IPv6.
/// IPv4-mapped text (`::ffff:192.0.2.0/120`) is read as the IPv4 network it maps
/// (`192.0.2.0/24`), as `IPAddress` reads mapped addresses as IPv4.
public struct IPNetwork: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The first address of the network.
    public let address: IPAddress
    public let prefixLength: Int

    /// Why a text is not a network.
    public enum ParseFailure: Error, Sendable, Equatable {
        case notAnAddress
        case badPrefixLength
        case hostBitsSet
    }

    /// The network of `prefixLength` bits around `address` (host bits are cleared).
    public init(containing address: IPAddress, prefixLength: Int) {
        let maximum = address.isIPv4 ? 32 : 128
        let length = max(0, min(maximum, prefixLength))
        let key = Self.key(of: address)
        let masked = Self.mask(key, keeping: length + (address.isIPv4 ? 96 : 0))
        self.address = Self.address(ofKey: masked, isIPv4: address.isIPv4)
        self.prefixLength = length
    }

    /// Parses `192.0.2.0/24`, `2001:db8::/32`, or a bare address (a /32 or /128).
    /// - Throws: `ParseFailure` when the text is not an address, the prefix length is not
    ///   a number in range, or bits past the prefix are set (`10.0.0.1/8`).
    public static func parse(_ text: Substring) throws(ParseFailure) -> IPNetwork {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPAddress(String(parts[0])) else { throw .notAnAddress }
        var length = address.isIPv4 ? 32 : 128
        if parts.count == 2 {
            let digits = parts[1]
            guard !digits.isEmpty, digits.count <= 3, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int(digits) else {
                throw .badPrefixLength
            }
            length = n
            // Mapped IPv4 text with an IPv6 prefix length: the part past ::ffff:0:0/96.
            if address.isIPv4 && parts[0].contains(":") {
                guard n >= 96 else { throw .badPrefixLength }
                length = n - 96
            }
            guard length <= (address.isIPv4 ? 32 : 128) else { throw .badPrefixLength }
        }
        let network = IPNetwork(containing: address, prefixLength: length)
        guard network.address == address else { throw .hostBitsSet }
        return network
    }

    /// True when `address` is inside this network (an IPv4 network holds only IPv4 addresses).
    public func contains(_ address: IPAddress) -> Bool {
        guard address.isIPv4 == self.address.isIPv4 else { return false }
        return IPNetwork(containing: address, prefixLength: prefixLength).address == self.address
    }

    public var description: String { "\(address)/\(prefixLength)" }

    public static func < (a: IPNetwork, b: IPNetwork) -> Bool {
        (a.address, a.prefixLength) < (b.address, b.prefixLength)
    }

    // MARK: The 128-bit key space of a MaxMind database

    /// The network in a MaxMind IPv6 tree: IPv4 `a.b.c.d/n` is `::a.b.c.d/(96+n)`.
    var treeKey: (key: UInt128, length: Int) {
        (Self.key(of: address), prefixLength + (address.isIPv4 ? 96 : 0))
    }

    /// An address as the 128-bit key of a MaxMind IPv6 tree (IPv4 in `::/96`).
    static func key(of address: IPAddress) -> UInt128 {
        if let v4 = address.v4 { return UInt128(v4) }
        return UInt128(address.high) << 64 | UInt128(address.low)
    }

    static func address(ofKey key: UInt128, isIPv4: Bool) -> IPAddress {
        if isIPv4 { return IPAddress(v4: UInt32(truncatingIfNeeded: key)) }
        return IPAddress(high: UInt64(truncatingIfNeeded: key >> 64), low: UInt64(truncatingIfNeeded: key))
    }

    static func mask(_ key: UInt128, keeping bits: Int) -> UInt128 {
        if bits <= 0 { return 0 }
        if bits >= 128 { return key }
        return key & ~(UInt128.max >> UInt128(bits))
    }
}
