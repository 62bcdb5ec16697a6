/// JA4 and JA3 client fingerprints of one ClientHello, with their raw (unhashed) forms.
///
/// JA4 follows FoxIO's JA4 method (BSD 3-Clause, `technical_details/JA4.md` of
/// FoxIO-LLC/ja4); JA3 follows Salesforce's method (BSD 3-Clause). The other JA4+
/// methods (JA4S, JA4H, JA4T, JA4X, …) are under the FoxIO License 1.1 and are not
/// implemented here.
public struct TLSFingerprint: Sendable, Equatable {
    /// The ClientHello the fingerprints were computed from.
    public var hello: ClientHello
    /// `t13d1516h2_8daaf6152771_e5627efa2ab1`: JA4_a, then truncated SHA-256 of the sorted
    /// cipher list and of the sorted extension list plus the signature algorithms.
    public var ja4: String
    /// JA4_r: the same with the lists written out instead of hashed.
    public var ja4Raw: String
    /// JA4_o: like `ja4`, with ciphers and extensions in wire order (SNI and ALPN kept).
    public var ja4Original: String
    /// JA4_ro: the raw form of `ja4Original`.
    public var ja4OriginalRaw: String
    /// JA3: the MD5 of `ja3Raw`, 32 hex digits.
    public var ja3: String
    /// `771,4865-4866-…,0-23-65281-…,29-23-24,0`: version, ciphers, extensions, groups
    /// and EC point formats in decimal, GREASE removed, wire order.
    public var ja3Raw: String
}

/// How JA4_a writes an ALPN value whose first or last byte is not an ASCII letter or digit.
public enum JA4ALPNRule: String, Sendable, CaseIterable {
    /// As the reference tools do at FoxIO-LLC/ja4 commit 0e54bc8 (Rust `ja4`, `ja4.py`):
    /// a first byte above 0x7F gives `99`; otherwise the first character, then the last
    /// (`9` if it is above 0x7F). The default, so that Trawl's values equal theirs.
    case reference
    /// As `technical_details/JA4.md` says since January 2026: the first and last
    /// characters of the value's hex form (`0xBA 0xAD` gives `bd`).
    case specification
}

/// Computes `TLSFingerprint`s.
public struct TLSFingerprinter: Sendable {
    public var alpnRule: JA4ALPNRule

    public init(alpnRule: JA4ALPNRule = .reference) { self.alpnRule = alpnRule }

    /// The fingerprints of `hello`, as sent over TCP (JA4 protocol `t`).
    /// - Complexity: O(n log n) in the number of ciphers and extensions; two SHA-256s of
    ///   the sorted lists, two of the original order, one MD5.
    public func fingerprint(_ hello: ClientHello) -> TLSFingerprint {
        let ciphers = hello.cipherSuites.filter { !ClientHello.isGREASE($0) }
        let extensions = hello.extensions.filter { !ClientHello.isGREASE($0) }
        let signatures = hello.signatureAlgorithms.filter { !ClientHello.isGREASE($0) }

        var a = "t" + Self.versionCode(hello)
        a += hello.extensions.contains(0) ? "d" : "i"
        a += Self.twoDigits(ciphers.count) + Self.twoDigits(extensions.count)
        a += alpnCode(hello.firstALPNBytes)

        let sortedCiphers = Self.hexList(ciphers.sorted())
        let originalCiphers = Self.hexList(ciphers)
        let withoutNameAndALPN = extensions.filter { $0 != 0 && $0 != 16 }.sorted()
        var sortedExtensions = Self.hexList(withoutNameAndALPN)
        var originalExtensions = Self.hexList(extensions)
        if !signatures.isEmpty {
            let list = Self.hexList(signatures)
            sortedExtensions += "_" + list
            originalExtensions += "_" + list
        }
        // An empty list is written as twelve zeros, not as the hash of nothing; the
        // original-order variant follows the sorted list here, as the reference tools do.
        let zeros = "000000000000"
        let b = ciphers.isEmpty ? zeros : Self.truncatedHash(sortedCiphers)
        let bOriginal = ciphers.isEmpty ? zeros : Self.truncatedHash(originalCiphers)
        let c = withoutNameAndALPN.isEmpty ? zeros : Self.truncatedHash(sortedExtensions)
        let cOriginal = withoutNameAndALPN.isEmpty ? zeros : Self.truncatedHash(originalExtensions)

        let groups = hello.supportedGroups.filter { !ClientHello.isGREASE($0) }
        let ja3Raw = [
            String(hello.legacyVersion),
            ciphers.map(String.init).joined(separator: "-"),
            extensions.map(String.init).joined(separator: "-"),
            groups.map(String.init).joined(separator: "-"),
            hello.ecPointFormats.map(String.init).joined(separator: "-"),
        ].joined(separator: ",")

        return TLSFingerprint(
            hello: hello,
            ja4: a + "_" + b + "_" + c,
            ja4Raw: a + "_" + sortedCiphers + "_" + sortedExtensions,
            ja4Original: a + "_" + bOriginal + "_" + cOriginal,
            ja4OriginalRaw: a + "_" + originalCiphers + "_" + originalExtensions,
            ja3: Digest.md5Hex(Array(ja3Raw.utf8)),
            ja3Raw: ja3Raw)
    }

    /// JA4's two-character TLS version: the highest non-GREASE `supported_versions` entry,
    /// else the ClientHello's `legacy_version`.
    static func versionCode(_ hello: ClientHello) -> String {
        let offered = hello.supportedVersions.filter { !ClientHello.isGREASE($0) }
        let version = offered.max() ?? hello.legacyVersion
        switch version {
        case 0x0304: return "13"
        case 0x0303: return "12"
        case 0x0302: return "11"
        case 0x0301: return "10"
        case 0x0300: return "s3"
        case 0x0002: return "s2"
        case 0xFEFF: return "d1"
        case 0xFEFD: return "d2"
        case 0xFEFC: return "d3"
        default: return "00"
        }
    }

    /// JA4's two ALPN characters for the first ALPN value (`00` when there is none).
    func alpnCode(_ value: [UInt8]) -> String {
        guard let first = value.first, let last = value.last else { return "00" }
        func isAlphanumeric(_ c: UInt8) -> Bool { (48...57).contains(c) || (65...90).contains(c) || (97...122).contains(c) }
        switch alpnRule {
        case .reference:
            if first > 0x7F { return "99" }
            let end = last > 0x7F ? UInt8(ascii: "9") : last
            return String(decoding: [first, end], as: UTF8.self)
        case .specification:
            if isAlphanumeric(first) && isAlphanumeric(last) { return String(decoding: [first, last], as: UTF8.self) }
            let digits = Array("0123456789abcdef".utf8)
            return String(decoding: [digits[Int(first >> 4)], digits[Int(last & 15)]], as: UTF8.self)
        }
    }

    static func twoDigits(_ n: Int) -> String {
        let v = min(n, 99)
        return v < 10 ? "0\(v)" : "\(v)"
    }

    /// Four lower-case hex digits per value, comma-separated.
    static func hexList(_ values: [UInt16]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(values.count * 5)
        for (i, v) in values.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            for shift in [12, 8, 4, 0] as [UInt16] { out.append(digits[Int((v >> shift) & 15)]) }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The first 12 hex digits of the SHA-256 of `text`.
    static func truncatedHash(_ text: String) -> String { String(Digest.sha256Hex(Array(text.utf8)).prefix(12)) }
}

/// Remembers the fingerprints of recent ClientHellos by the fields they are computed
/// from (GREASE values left out, as the fingerprints leave them out).
///
/// A capture holds a few client stacks over many connections, and each fingerprint costs
/// two SHA-256 and one MD5 digest plus the text around them: on a world's edge capture
/// (180,000 connections) that was most of the read. Bounded: emptied past `capacity`
/// entries, so random hellos cost a lookup more, never memory.
struct TLSFingerprintCache: Sendable {
    static let capacity = 4096

    private struct Key: Hashable, Sendable {
        var legacyVersion: UInt16
        var ciphers: [UInt16]
        var extensions: [UInt16]
        var versions: [UInt16]
        var signatures: [UInt16]
        var groups: [UInt16]
        var pointFormats: [UInt8]
        var alpn: [UInt8]
    }

    private var entries: [Key: TLSFingerprint] = [:]

    mutating func fingerprint(_ hello: ClientHello, _ fingerprinter: TLSFingerprinter) -> TLSFingerprint {
        func kept(_ values: [UInt16]) -> [UInt16] { values.filter { !ClientHello.isGREASE($0) } }
        let key = Key(
            legacyVersion: hello.legacyVersion, ciphers: kept(hello.cipherSuites), extensions: kept(hello.extensions),
            versions: kept(hello.supportedVersions), signatures: kept(hello.signatureAlgorithms),
            groups: kept(hello.supportedGroups), pointFormats: hello.ecPointFormats, alpn: hello.firstALPNBytes)
        if var known = entries[key] {
            known.hello = hello
            return known
        }
        let computed = fingerprinter.fingerprint(hello)
        if entries.count >= Self.capacity { entries.removeAll(keepingCapacity: true) }
        entries[key] = computed
        return computed
    }
}
