/// The fields of a TLS ClientHello that the fingerprints and the connection record use.
///
/// Lists keep every value as sent, GREASE included and in wire order; the fingerprints
/// drop GREASE as their methods say. Text from the wire (server name, ALPN) is repaired
/// UTF-8 (invalid bytes become U+FFFD) and capped in length: it is attacker-controlled
/// data, to be sanitised before it reaches a terminal.
public struct ClientHello: Sendable, Equatable {
    /// `legacy_version` of the ClientHello (0x0303 for TLS 1.2 and 1.3).
    public var legacyVersion: UInt16 = 0
    public var cipherSuites: [UInt16] = []
    /// Extension types in the order sent.
    public var extensions: [UInt16] = []
    /// `supported_versions` (extension 43), in order.
    public var supportedVersions: [UInt16] = []
    /// `signature_algorithms` (extension 13), in order.
    public var signatureAlgorithms: [UInt16] = []
    /// `supported_groups` (extension 10, formerly elliptic_curves), in order.
    public var supportedGroups: [UInt16] = []
    /// `ec_point_formats` (extension 11), in order.
    public var ecPointFormats: [UInt8] = []
    /// The first `host_name` of the server_name extension (extension 0), at most 255 bytes.
    public var serverName: String?
    /// ALPN protocol names (extension 16), at most 16 of them, each at most 64 bytes.
    public var alpn: [String] = []
    /// The first ALPN protocol's bytes as sent (JA4 reads its first and last byte).
    public var firstALPNBytes: [UInt8] = []

    public init() {}

    /// GREASE values (RFC 8701): 0x0a0a, 0x1a1a, … 0xfafa.
    @inlinable public static func isGREASE(_ v: UInt16) -> Bool { v & 0x0F0F == 0x0A0A && v >> 8 == v & 0xFF }
}

/// Parses a ClientHello handshake body (the bytes after the 4-byte handshake header).
///
/// Hand-written: it runs for every TLS connection of a capture, on attacker-controlled
/// bytes; every length is checked against what is left, and the body must be used up
/// exactly (which is also how a second ClientHello after a HelloRetryRequest is told
/// apart from an encrypted record). Returns `nil` for a garbled body.
enum ClientHelloDecoder {
    static func decode(_ b: UnsafeRawBufferPointer) -> ClientHello? {
        var r = ByteReader(b)
        var hello = ClientHello()
        guard let version = r.u16(), r.skip(32),  // random
            let sessionLength = r.u8(), sessionLength <= 32, r.skip(Int(sessionLength)),
            let cipherBytes = r.u16(), cipherBytes % 2 == 0, let ciphers = r.slice(Int(cipherBytes)),
            let compressionLength = r.u8(), compressionLength >= 1, r.skip(Int(compressionLength))
        else { return nil }
        hello.legacyVersion = version
        hello.cipherSuites = ByteReader.u16List(ciphers)
        if r.remaining == 0 { return hello }  // SSL 3.0 / early TLS: no extensions block
        guard let extensionBytes = r.u16(), var exts = r.slice(Int(extensionBytes)).map(ByteReader.init), r.remaining == 0 else {
            return nil
        }
        while exts.remaining > 0 {
            guard let type = exts.u16(), let length = exts.u16(), let body = exts.slice(Int(length)) else { return nil }
            hello.extensions.append(type)
            // The contents of the extensions read here are checked but never fatal: a
            // malformed one still counts as sent.
            var e = ByteReader(body)
            switch type {
            case 0:  // server_name: list length, then (type, length, name) entries
                guard let listLength = e.u16(), var list = e.slice(Int(listLength)).map(ByteReader.init) else { break }
                while list.remaining > 0, hello.serverName == nil {
                    guard let nameType = list.u8(), let nameLength = list.u16(), let name = list.slice(Int(nameLength)) else { break }
                    if nameType == 0 { hello.serverName = ByteReader.text(name, limit: 255) }
                }
            case 16:  // application_layer_protocol_negotiation
                guard let listLength = e.u16(), var list = e.slice(Int(listLength)).map(ByteReader.init) else { break }
                while list.remaining > 0 {
                    guard let n = list.u8(), let name = list.slice(Int(n)) else { break }
                    if hello.alpn.isEmpty { hello.firstALPNBytes = Array(name) }
                    if hello.alpn.count < 16 { hello.alpn.append(ByteReader.text(name, limit: 64)) }
                }
            case 43:  // supported_versions (ClientHello form: one-byte list length)
                guard let n = e.u8(), n % 2 == 0, let list = e.slice(Int(n)) else { break }
                hello.supportedVersions = ByteReader.u16List(list)
            case 13:  // signature_algorithms
                guard let n = e.u16(), n % 2 == 0, let list = e.slice(Int(n)) else { break }
                hello.signatureAlgorithms = ByteReader.u16List(list)
            case 10:  // supported_groups
                guard let n = e.u16(), n % 2 == 0, let list = e.slice(Int(n)) else { break }
                hello.supportedGroups = ByteReader.u16List(list)
            case 11:  // ec_point_formats
                guard let n = e.u8(), let list = e.slice(Int(n)) else { break }
                hello.ecPointFormats = Array(list)
            default:
                break
            }
        }
        return hello
    }
}

/// Bounds-checked big-endian reads from a byte buffer; every read returns `nil` (and
/// moves nothing) when too few bytes are left.
struct ByteReader {
    let bytes: UnsafeRawBufferPointer
    var position = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    var remaining: Int { bytes.count - position }

    mutating func u8() -> UInt8? {
        guard remaining >= 1 else { return nil }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func u16() -> UInt16? {
        guard remaining >= 2 else { return nil }
        defer { position += 2 }
        return UInt16(bytes[position]) << 8 | UInt16(bytes[position + 1])
    }

    mutating func skip(_ n: Int) -> Bool {
        guard n >= 0, remaining >= n else { return false }
        position += n
        return true
    }

    mutating func slice(_ n: Int) -> UnsafeRawBufferPointer? {
        guard n >= 0, remaining >= n else { return nil }
        defer { position += n }
        return UnsafeRawBufferPointer(rebasing: bytes[position..<(position + n)])
    }

    static func u16List(_ b: UnsafeRawBufferPointer) -> [UInt16] {
        var out = [UInt16]()
        out.reserveCapacity(b.count / 2)
        var i = 0
        while i + 1 < b.count {
            out.append(UInt16(b[i]) << 8 | UInt16(b[i + 1]))
            i += 2
        }
        return out
    }

    /// Wire bytes as a `String`: at most `limit` bytes, invalid UTF-8 repaired.
    static func text(_ b: UnsafeRawBufferPointer, limit: Int) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: b[0..<min(b.count, limit)]), as: UTF8.self)
    }
}
