import TrawlModel

/// Writes `CaptureRecord`s as JSON lines (the output of `trawl capture`).
///
/// Hand-written rather than through `JSONEncoder`: a 1 GB capture has hundreds of
/// thousands of connections, and the fields are flat. Keys are snake_case; a field the
/// capture did not show is left out (absent means unknown). Text from the wire (SNI,
/// ALPN, HTTP fields) is escaped so that no control, format or line-separator character
/// reaches a terminal raw: everything below U+0020, U+007F–U+009F, U+2028/U+2029 and the
/// invisible format characters (bidi overrides, zero-width) are written as `\uXXXX`.
public enum CaptureRecordEncoder {
    /// Appends one JSON object and a newline for `r` to `out`.
    public static func appendLine(_ r: CaptureRecord, to out: inout [UInt8]) {
        // A small buffer of its own, appended at the end: the caller's large output buffer
        // is never handed around (which could make Swift copy it).
        var w = JSONObjectWriter(out: [])
        w.out.reserveCapacity(2_048)
        w.open()
        w.int("stream", r.stream)
        w.address("client_ip", r.client.address)
        w.int("client_port", Int(r.client.port))
        w.address("server_ip", r.server.address)
        w.int("server_port", Int(r.server.port))
        w.string("first_seen", TimestampParser.format(r.firstSeen))
        w.int("first_seen_us", Int(r.firstSeenMicros))
        w.string("last_seen", TimestampParser.format(r.lastSeen))
        w.string("client_by", r.clientEvidence.rawValue)
        w.string("end", r.end.rawValue)
        w.int("client_packets", r.clientPackets)
        w.int("server_packets", r.serverPackets)
        w.int("client_bytes", r.clientBytes)
        w.int("server_bytes", r.serverBytes)
        if let syn = r.syn {
            w.string("syn_signature", syn.signature)
            w.int("ttl", syn.ttl)
            w.int("initial_ttl", syn.initialTTL)
            w.int("hops", syn.hops)
            if let mss = syn.mss { w.int("mss", mss) }
            w.int("window", syn.window)
            if let scale = syn.windowScale { w.int("window_scale", scale) }
            w.string("tcp_options", syn.optionLayout)
            w.strings("quirks", syn.quirks)
            if let os = syn.osGuess {
                w.string("os", os.label)
                w.string("os_family", os.family)
                w.string("os_signature", os.id)
            }
            if let hint = syn.tunnelHint {
                w.string("tunnel_hint", hint.kind)
                w.int("mss_deficit", hint.deficit)
            }
        }
        if let tls = r.tls.first {
            w.string("tls_version", TLSFingerprinter.versionCode(tls.hello))
            if let sni = tls.hello.serverName { w.string("sni", sni) }
            if !tls.hello.alpn.isEmpty { w.strings("alpn", tls.hello.alpn) }
            fingerprints(tls, into: &w)
        }
        if r.tls.count > 1 {
            // Later ClientHellos (after a HelloRetryRequest), each an object of fingerprints.
            w.key("tls_more")
            w.out.append(UInt8(ascii: "["))
            for (i, more) in r.tls.dropFirst().enumerated() {
                if i > 0 { w.out.append(UInt8(ascii: ",")) }
                w.open()
                fingerprints(more, into: &w)
                w.close()
            }
            w.out.append(UInt8(ascii: "]"))
        }
        if let http = r.http {
            w.string("http_method", http.method)
            w.string("http_target", http.target)
            w.string("http_version", http.version)
            if let host = http.host { w.string("http_host", host) }
            if let ua = http.userAgent { w.string("user_agent", ua) }
            if let language = http.acceptLanguage { w.string("accept_language", language) }
            w.string("http_header_order", http.headerOrderSignature)
            if !http.complete { w.bool("http_head_complete", false) }
        }
        if let proxy = r.proxy {
            w.string("proxy", proxy.kind.rawValue)
            w.string("proxy_target", proxy.target)
        }
        if let issue = r.issue { w.string("issue", issue.rawValue) }
        w.close()
        w.out.append(10)
        out.append(contentsOf: w.out)
    }

    /// One record as a JSON line (with its newline), as text.
    public static func line(_ r: CaptureRecord) -> String {
        var bytes: [UInt8] = []
        appendLine(r, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func fingerprints(_ tls: TLSFingerprint, into w: inout JSONObjectWriter) {
        w.string("ja4", tls.ja4)
        w.string("ja4_r", tls.ja4Raw)
        w.string("ja4_o", tls.ja4Original)
        w.string("ja4_ro", tls.ja4OriginalRaw)
        w.string("ja3", tls.ja3)
        w.string("ja3_r", tls.ja3Raw)
    }
}

/// Appends one JSON object's members to a byte buffer.
struct JSONObjectWriter {
    var out: [UInt8]
    private var first = true

    init(out: [UInt8]) { self.out = out }

    mutating func open() {
        out.append(UInt8(ascii: "{"))
        first = true
    }

    /// Ends an object; the next key belongs to the enclosing one (so not its first).
    mutating func close() {
        out.append(UInt8(ascii: "}"))
        first = false
    }

    mutating func key(_ k: String) {
        if !first { out.append(UInt8(ascii: ",")) }
        first = false
        out.append(UInt8(ascii: "\""))
        out.append(contentsOf: k.utf8)
        out.append(UInt8(ascii: "\""))
        out.append(UInt8(ascii: ":"))
    }

    mutating func int(_ k: String, _ v: Int) {
        key(k)
        out.append(contentsOf: String(v).utf8)
    }

    mutating func bool(_ k: String, _ v: Bool) {
        key(k)
        out.append(contentsOf: (v ? "true" : "false").utf8)
    }

    mutating func address(_ k: String, _ a: IPAddress) {
        key(k)
        out.append(UInt8(ascii: "\""))
        a.appendText(to: &out)
        out.append(UInt8(ascii: "\""))
    }

    mutating func string(_ k: String, _ v: String) {
        key(k)
        Self.appendQuoted(v, to: &out)
    }

    mutating func strings(_ k: String, _ values: [String]) {
        key(k)
        out.append(UInt8(ascii: "["))
        for (i, v) in values.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            Self.appendQuoted(v, to: &out)
        }
        out.append(UInt8(ascii: "]"))
    }

    static func appendQuoted(_ s: String, to out: inout [UInt8]) {
        // Fast path: printable ASCII without quote or backslash (fingerprints, most names).
        if s.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F && $0 != 0x22 && $0 != 0x5C }) {
            out.append(UInt8(ascii: "\""))
            out.append(contentsOf: s.utf8)
            out.append(UInt8(ascii: "\""))
            return
        }
        out.append(UInt8(ascii: "\""))
        let hex = Array("0123456789abcdef".utf8)
        func escape(_ unit: UInt32) {
            out.append(contentsOf: [0x5C, UInt8(ascii: "u")])
            for shift in [12, 8, 4, 0] as [UInt32] { out.append(hex[Int((unit >> shift) & 15)]) }
        }
        for scalar in s.unicodeScalars {
            let v = scalar.value
            switch v {
            case 0x22: out.append(contentsOf: [0x5C, 0x22])
            case 0x5C: out.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0x20..<0x7F: out.append(UInt8(v))
            case 0..<0x20, 0x7F...0x9F, 0x2028, 0x2029: escape(v)
            default:
                if scalar.properties.generalCategory == .format {
                    if v > 0xFFFF {  // a UTF-16 surrogate pair
                        escape(0xD800 + ((v - 0x10000) >> 10))
                        escape(0xDC00 + ((v - 0x10000) & 0x3FF))
                    } else {
                        escape(v)
                    }
                } else {
                    UTF8.encode(scalar) { out.append($0) }
                }
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
