/// The head of the first HTTP/1.x request a client sent on a connection.
///
/// Every string is attacker-controlled text from the wire: repaired UTF-8, capped in
/// length, never to be printed unsanitised.
public struct HTTPRequest: Sendable, Equatable {
    /// The method token, e.g. `GET` (at most 16 bytes).
    public var method: String
    /// The request target, e.g. `/v1/messages` (at most 2,048 bytes).
    public var target: String
    /// `HTTP/1.0` or `HTTP/1.1`.
    public var version: String
    /// The first `Host` header's value (at most 1,024 bytes; the same for the others).
    public var host: String?
    public var userAgent: String?
    public var acceptLanguage: String?
    /// Header names in the order sent, lower-cased, at most 64 (a p0f-style header order).
    public var headerNames: [String]
    /// False when the headers did not end (blank line) within the reassembly bound.
    public var complete: Bool

    /// The header-order signature `1:host,user-agent,accept`: the minor version of
    /// HTTP/1.x (`0` or `1`), a colon, then the header names in order, lower-cased and
    /// comma-separated, as in the first two fields of a p0f v3 HTTP signature.
    public var headerOrderSignature: String {
        let minor = version.hasSuffix("1.0") ? "0" : "1"
        return minor + ":" + headerNames.joined(separator: ",")
    }
}

/// A proxy handshake read at the start of a client stream, before the TLS or HTTP behind it.
public struct ProxyRequest: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case socks4, socks4a, socks5
        /// An HTTP `CONNECT` request.
        case httpConnect = "http_connect"
    }
    public var kind: Kind
    /// `host:port` (or `[v6]:port`) the client asked the proxy to reach, at most 300 bytes.
    public var target: String

    public init(kind: Kind, target: String) {
        self.kind = kind
        self.target = target
    }
}

/// Parses an HTTP/1.x request head (request line and headers).
///
/// Hand-written for the same reasons as the rest of the capture layer: it runs per
/// connection on attacker-controlled bytes, which must never be trusted for lengths.
enum HTTPRequestDecoder {
    /// The request line's parts when `line` is `METHOD SP target SP HTTP/1.x`.
    static func requestLine(_ line: UnsafeRawBufferPointer) -> (method: Range<Int>, target: Range<Int>, version: Range<Int>)? {
        var n = line.count
        if n > 0 && line[n - 1] == 13 { n -= 1 }
        var i = 0
        while i < n && i < 16 && line[i] >= 65 && line[i] <= 90 { i += 1 }
        guard i > 0, i < n, line[i] == 32 else { return nil }
        let method = 0..<i
        let targetStart = i + 1
        var j = n
        while j > targetStart && line[j - 1] != 32 { j -= 1 }
        guard j > targetStart + 1 else { return nil }
        let version = j..<n
        guard version.count == 8, line[j] == 72, line[j + 1] == 84, line[j + 2] == 84, line[j + 3] == 80, line[j + 4] == 47,
            line[j + 5] == 49, line[j + 6] == 46
        else { return nil }  // "HTTP/1."
        return (method, targetStart..<(j - 1), version)
    }

    /// Decodes a request head (up to, not including, the blank line).
    static func decode(_ head: UnsafeRawBufferPointer, complete: Bool) -> HTTPRequest? {
        var lineEnd = 0
        while lineEnd < head.count && head[lineEnd] != 10 { lineEnd += 1 }
        let first = UnsafeRawBufferPointer(rebasing: head[0..<lineEnd])
        guard let parts = requestLine(first) else { return nil }
        func text(_ r: Range<Int>, in b: UnsafeRawBufferPointer, limit: Int) -> String {
            ByteReader.text(UnsafeRawBufferPointer(rebasing: b[r]), limit: limit)
        }
        var request = HTTPRequest(
            method: text(parts.method, in: first, limit: 16), target: text(parts.target, in: first, limit: 2048),
            version: text(parts.version, in: first, limit: 8), host: nil, userAgent: nil, acceptLanguage: nil, headerNames: [],
            complete: complete)
        var at = lineEnd + 1
        while at < head.count {
            var end = at
            while end < head.count && head[end] != 10 { end += 1 }
            var stop = end
            if stop > at && head[stop - 1] == 13 { stop -= 1 }
            defer { at = end + 1 }
            if stop == at { break }
            // An obsolete folded continuation line belongs to the previous header.
            if head[at] == 32 || head[at] == 9 { continue }
            var colon = at
            while colon < stop && head[colon] != 58 { colon += 1 }
            guard colon < stop, colon > at else { continue }
            var nameBytes = [UInt8](UnsafeRawBufferPointer(rebasing: head[at..<min(colon, at + 64)]))
            for k in nameBytes.indices where nameBytes[k] >= 65 && nameBytes[k] <= 90 { nameBytes[k] += 32 }
            let name = String(decoding: nameBytes, as: UTF8.self)
            if request.headerNames.count < 64 { request.headerNames.append(name) }
            var valueStart = colon + 1
            while valueStart < stop && (head[valueStart] == 32 || head[valueStart] == 9) { valueStart += 1 }
            var valueEnd = stop
            while valueEnd > valueStart && (head[valueEnd - 1] == 32 || head[valueEnd - 1] == 9) { valueEnd -= 1 }
            let value = { text(valueStart..<valueEnd, in: head, limit: 1024) }
            switch name {
            case "host" where request.host == nil: request.host = value()
            case "user-agent" where request.userAgent == nil: request.userAgent = value()
            case "accept-language" where request.acceptLanguage == nil: request.acceptLanguage = value()
            default: break
            }
        }
        return request
    }
}
