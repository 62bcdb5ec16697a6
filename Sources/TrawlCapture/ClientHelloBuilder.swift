/// What a TLS client library puts in its ClientHello: the lists JA4 and JA3 read, in the
/// library's wire order.
///
/// Lists hold the real values (no GREASE); `grease` adds GREASE values where BoringSSL
/// puts them (first cipher, first and next-to-last extension, first group and version).
public struct ClientHelloProfile: Sendable, Equatable {
    public var ciphers: [UInt16]
    /// Extension types in wire order, SNI (0x0000) and ALPN (0x0010) among them where the
    /// library puts them; SNI is left out when there is no server name.
    public var extensions: [UInt16]
    public var alpn: [String]
    public var versions: [UInt16]
    public var groups: [UInt16]
    public var signatureAlgorithms: [UInt16]
    public var grease: Bool

    public init(
        ciphers: [UInt16], extensions: [UInt16], alpn: [String], versions: [UInt16] = [0x0304, 0x0303],
        groups: [UInt16] = [0x001D, 0x0017, 0x0018], signatureAlgorithms: [UInt16], grease: Bool = false
    ) {
        self.ciphers = ciphers
        self.extensions = extensions
        self.alpn = alpn
        self.versions = versions
        self.groups = groups
        self.signatureAlgorithms = signatureAlgorithms
        self.grease = grease
    }

    /// A profile from the JA4_ro form (`t13d1516h2_<ciphers>_<extensions>_<signature
    /// algorithms>`, 4-hex-digit values in wire order), with the given ALPN values.
    /// `nil` when the text is not of that form.
    public init?(ja4ro: String, alpn: [String], grease: Bool = false, groups: [UInt16] = [0x001D, 0x0017, 0x0018]) {
        let parts = ja4ro.split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0].count == 10 else { return nil }
        func list(_ s: Substring) -> [UInt16]? {
            var out: [UInt16] = []
            for item in s.split(separator: ",") {
                guard let v = UInt16(item, radix: 16) else { return nil }
                out.append(v)
            }
            return out
        }
        guard let c = list(parts[1]), let e = list(parts[2]), let s = list(parts[3]) else { return nil }
        let version: UInt16 = parts[0].hasPrefix("t13") ? 0x0304 : 0x0303
        self.init(
            ciphers: c, extensions: e, alpn: alpn, versions: version == 0x0304 ? [0x0304, 0x0303] : [0x0303], groups: groups,
            signatureAlgorithms: s, grease: grease)
    }
}

/// Builds TLS ClientHello records from a `ClientHelloProfile`.
public enum ClientHelloBuilder {
    /// The GREASE value for a seed (RFC 8701: 0x0A0A, 0x1A1A, … 0xFAFA).
    @inline(__always) static func grease(_ seed: UInt64) -> UInt16 {
        let n = UInt16(truncatingIfNeeded: seed & 15)
        return n << 12 | 0x0A00 | n << 4 | 0x0A
    }

    /// A TLS handshake record holding one ClientHello for `serverName` (no SNI when `nil`).
    /// `seed` fills the random, session id, key share and GREASE choices.
    public static func record(_ p: ClientHelloProfile, serverName: String?, seed: UInt64) -> [UInt8] {
        var rng = seed | 1
        func next() -> UInt64 {
            rng ^= rng << 13
            rng ^= rng >> 7
            rng ^= rng << 17
            return rng
        }
        var body: [UInt8] = [0x03, 0x03]
        for _ in 0..<4 { appendBE64(next(), &body) }  // random
        body.append(32)
        for _ in 0..<4 { appendBE64(next(), &body) }  // legacy session id
        var ciphers = p.ciphers
        if p.grease { ciphers.insert(grease(next()), at: 0) }
        appendBE16(UInt16(ciphers.count * 2), &body)
        for c in ciphers { appendBE16(c, &body) }
        body += [1, 0]  // compression: null

        var extensions = p.extensions.filter { $0 != 0x0000 || serverName != nil }
        if p.grease {
            extensions.insert(grease(next()), at: 0)
            extensions.insert(grease(next() | 1), at: max(1, extensions.count - 1))
        }
        var exts: [UInt8] = []
        for type in extensions {
            let data = extensionData(type, p, serverName: serverName, next: next)
            appendBE16(type, &exts)
            appendBE16(UInt16(data.count), &exts)
            exts += data
        }
        appendBE16(UInt16(exts.count), &body)
        body += exts

        var handshake: [UInt8] = [1, UInt8(body.count >> 16), UInt8((body.count >> 8) & 0xFF), UInt8(body.count & 0xFF)]
        handshake += body
        var record: [UInt8] = [0x16, 0x03, 0x01]
        appendBE16(UInt16(handshake.count), &record)
        return record + handshake
    }

    private static func extensionData(_ type: UInt16, _ p: ClientHelloProfile, serverName: String?, next: () -> UInt64) -> [UInt8] {
        var d: [UInt8] = []
        func u16List(_ values: [UInt16], lengthBytes: Int = 2) {
            if lengthBytes == 1 { d.append(UInt8(values.count * 2)) } else { appendBE16(UInt16(values.count * 2), &d) }
            for v in values { appendBE16(v, &d) }
        }
        switch type {
        case 0x0000:
            let name = Array((serverName ?? "").utf8)
            appendBE16(UInt16(name.count + 3), &d)
            d.append(0)
            appendBE16(UInt16(name.count), &d)
            d += name
        case 0x0010, 0x4469:
            var list: [UInt8] = []
            for proto in (type == 0x4469 ? ["h2"] : p.alpn) {
                list.append(UInt8(proto.utf8.count))
                list += Array(proto.utf8)
            }
            appendBE16(UInt16(list.count), &d)
            d += list
        case 0x002B: u16List((p.grease ? [grease(next())] : []) + p.versions, lengthBytes: 1)
        case 0x000D: u16List(p.signatureAlgorithms)
        case 0x0022: u16List([0x0403, 0x0503, 0x0603, 0x0203])
        case 0x000A: u16List((p.grease ? [grease(next())] : []) + p.groups)
        case 0x000B: d = [1, 0]
        case 0x002D: d = [1, 1]
        case 0x0005: d = [1, 0, 0, 0, 0]
        case 0xFF01: d = [0]
        case 0x001B: d = [2, 0, 2]
        case 0x001C: d = [0x40, 0x01]
        case 0x0015: d = [UInt8](repeating: 0, count: 16)
        case 0x0033:
            // One X25519 share: group, key length, 32 key bytes.
            appendBE16(36, &d)
            appendBE16(0x001D, &d)
            appendBE16(32, &d)
            for _ in 0..<4 { appendBE64(next(), &d) }
        case 0x0029:
            // One identity (4 bytes, obfuscated age) and one 32-byte binder.
            appendBE16(10, &d)
            appendBE16(4, &d)
            appendBE64(next(), &d)
            appendBE16(33, &d)
            d.append(32)
            for _ in 0..<4 { appendBE64(next(), &d) }
        default: break  // empty: extended master secret, session ticket, SCT, GREASE, …
        }
        return d
    }

    @inline(__always) static func appendBE16(_ v: UInt16, _ out: inout [UInt8]) {
        out += [UInt8(v >> 8), UInt8(truncatingIfNeeded: v)]
    }

    @inline(__always) static func appendBE64(_ v: UInt64, _ out: inout [UInt8]) {
        for s in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: v >> UInt64(s))) }
    }
}

extension ClientHelloProfile {
    /// Client stacks as seen on the wire (JA4_ro: ciphers, extensions and signature
    /// algorithms in wire order), for generated captures. Each gives the JA4 that
    /// `rules/tls_stacks.yaml` lists for its stack.
    public enum Known {
        /// Edge/Chrome: `fixtures/ja4/browsers-x509.pcapng`, edge.microsoft.com (t13d1516h2_8daaf6152771_e5627efa2ab1).
        public static let chromium = ClientHelloProfile(
            ja4ro:
                "t13d1516h2_1301,1302,1303,c02b,c02f,c02c,c030,cca9,cca8,c013,c014,009c,009d,002f,0035_000d,0000,000a,0005,000b,002b,001b,ff01,0033,4469,002d,0023,0017,0012,0010,0015_0403,0804,0401,0503,0805,0501,0806,0601",
            alpn: ["h2", "http/1.1"], grease: true)!
        /// Chromium with a pre-shared key: `fixtures/ja4/latest.pcapng`, app.slack.com (t13d1516h2_8daaf6152771_9b887d9acb53).
        public static let chromiumResumed = ClientHelloProfile(
            ja4ro:
                "t13d1516h2_1301,1302,1303,c02b,c02f,c02c,c030,cca9,cca8,c013,c014,009c,009d,002f,0035_000d,0010,0000,000b,0023,4469,ff01,0033,000a,002d,002b,0005,0017,0012,001b,0029_0403,0804,0401,0503,0805,0501,0806,0601",
            alpn: ["h2", "http/1.1"], grease: true)!
        /// Firefox: `fixtures/ja4/tls12.pcap` (t13d1715h2_5b57614c22b0_3d5424432f57).
        public static let firefox = ClientHelloProfile(
            ja4ro:
                "t13d1715h2_1301,1303,1302,c02b,c02f,cca9,cca8,c02c,c030,c00a,c009,c013,c014,009c,009d,002f,0035_0000,0017,ff01,000a,000b,0023,0010,0005,0022,0033,002b,000d,002d,001c,0015_0403,0503,0603,0804,0805,0806,0401,0501,0601,0203,0201",
            alpn: ["h2", "http/1.1"], groups: [0x001D, 0x0017, 0x0018, 0x0019, 0x0100, 0x0101])!
        /// Safari: the 20 suites and 13 extensions of Safari's published JA3 string, with
        /// padding, and Apple's signature algorithms (`fixtures/ja4/macos_tcp_flags.pcap`);
        /// gives t13d2014h2_a09f3c656075 (the extension hash is not Safari's own).
        public static let safari = ClientHelloProfile(
            ja4ro:
                "t13d2014h2_1302,1303,1301,c02c,c02b,cca9,c030,c02f,cca8,c00a,c009,c014,c013,009d,009c,0035,002f,c008,c012,000a_0000,0017,ff01,000a,000b,0010,0005,000d,0012,0033,002d,002b,001b,0015_0403,0804,0401,0503,0203,0805,0805,0501,0806,0601,0201",
            alpn: ["h2", "http/1.1"], grease: true, groups: [0x001D, 0x0017, 0x0018, 0x0019])!
        /// python-requests 2.34 on CPython 3.11, OpenSSL 3.0, observed (t13d1812h1_85036bcba153_b26ce05bbdd6).
        public static let python = ClientHelloProfile(
            ja4ro:
                "t13d1812h1_1302,1303,1301,c02c,c030,c02b,c02f,cca9,cca8,c024,c028,c023,c027,009f,009e,006b,0067,00ff_0000,000b,000a,0010,0016,0017,0031,000d,002b,002d,0033,0015_0403,0503,0603,0807,0808,0809,080a,080b,0804,0805,0806,0401,0501,0601,0303,0301,0302,0402,0502,0602",
            alpn: ["http/1.1"], groups: [0x001D, 0x0017, 0x001E, 0x0019, 0x0018])!
        /// curl 7.88 with OpenSSL 3.0, observed (t13d3112h2_e8f1e7e78f70_b26ce05bbdd6).
        public static let curl = ClientHelloProfile(
            ja4ro:
                "t13d3112h2_1302,1303,1301,c02c,c030,009f,cca9,cca8,ccaa,c02b,c02f,009e,c024,c028,006b,c023,c027,0067,c00a,c014,0039,c009,c013,0033,009d,009c,003d,003c,0035,002f,00ff_0000,000b,000a,0010,0016,0017,0031,000d,002b,002d,0033,0015_0403,0503,0603,0807,0808,0809,080a,080b,0804,0805,0806,0401,0501,0601,0303,0301,0302,0402,0502,0602",
            alpn: ["h2", "http/1.1"], groups: [0x001D, 0x0017, 0x001E, 0x0019, 0x0018])!
        /// Node.js 20 fetch (undici), observed (t13d5911h1_a33745022dd6_1f22a2ca17c4).
        public static let node = ClientHelloProfile(
            ja4ro:
                "t13d5911h1_1302,1303,1301,c02f,c02b,c030,c02c,009e,c027,0067,c028,006b,00a3,009f,cca9,cca8,ccaa,c0af,c0ad,c0a3,c09f,c05d,c061,c057,c053,00a2,c0ae,c0ac,c0a2,c09e,c05c,c060,c056,c052,c024,006a,c023,0040,c00a,c014,0039,0038,c009,c013,0033,0032,009d,c0a1,c09d,c051,009c,c0a0,c09c,c050,003d,003c,0035,002f,00ff_0000,000b,000a,0023,0010,0016,0017,000d,002b,002d,0033_0403,0503,0603,0807,0808,0809,080a,080b,0804,0805,0806,0401,0501,0601,0303,0301,0302,0402,0502,0602",
            alpn: ["http/1.1"], groups: [0x001D, 0x0017, 0x001E, 0x0019, 0x0018])!
        /// Go 1.22+ net/http: crypto/tls's default suites, extensions and signature
        /// algorithms (t13d1311h2_f57a46bbacb6_e7c285222651).
        public static let go = ClientHelloProfile(
            ja4ro:
                "t13d1311h2_c02b,c02f,c02c,c030,cca9,cca8,c009,c013,c00a,c014,1301,1302,1303_0000,0005,000a,000b,000d,ff01,0012,0010,0017,002b,0033_0804,0403,0807,0805,0806,0401,0501,0601,0503,0603,0201,0203",
            alpn: ["h2", "http/1.1"], groups: [0x001D, 0x0017, 0x0018, 0x0019])!
        /// OpenJDK 17 java.net.http.HttpClient, observed (t13d3713h2_db35923f8641_7c76daad20ec).
        public static let java = ClientHelloProfile(
            ja4ro:
                "t13d3713h2_1302,1301,1303,c02c,c02b,cca9,c030,cca8,c02f,009f,ccaa,00a3,009e,00a2,c024,c028,c023,c027,006b,006a,0067,0040,c00a,c014,c009,c013,0039,0038,0033,0032,009d,009c,003d,003c,0035,002f,00ff_0000,0005,000a,000b,0010,0011,0017,0023,000d,002b,002d,0032,0033_0403,0503,0603,0807,0808,0804,0805,0806,0809,080a,080b,0401,0501,0601,0402,0303,0301,0302,0203,0201,0202",
            alpn: ["h2", "http/1.1"], groups: [0x001D, 0x0017, 0x0018, 0x0019, 0x001E, 0x0100, 0x0101])!
    }
}
