import TrawlModel

/// Reads the start of a connection's client-to-server byte stream: an optional SOCKS or
/// HTTP `CONNECT` preamble, then TLS records up to and including the ClientHello(s), or
/// the head of the first plaintext HTTP/1.x request.
///
/// A step function over the contiguous bytes available at the stream's cursor: each call
/// says how many bytes it used, how many to skip (record bodies it does not need, which
/// are then never buffered), or how many it needs before it can go on. The parser keeps no
/// bytes itself except when a ClientHello spans several TLS records (rare), so the caller
/// decides what to buffer.
struct ClientStreamParser {
    enum Step: Equatable {
        /// Call again once at least this many contiguous bytes are available.
        case need(Int)
        /// These bytes (possibly 0, after a change of state) are used up.
        case consume(Int)
        /// Drop this many bytes, whether available yet or not.
        case skip(Int)
        /// Nothing more to read on this stream.
        case done
    }

    enum State: Equatable {
        case start(allowSOCKS: Bool, allowHTTP: Bool)
        case tlsRecord
        /// A ClientHello longer than its first record: `total` handshake bytes wanted.
        case gather(total: Int)
        case httpHead(scanFrom: Int)
        case socks5Greeting
        case socks5Request
        case socks4Request
        case finished
    }

    /// A TLS 1.3 client sends a second ClientHello after a HelloRetryRequest; more than a
    /// few is not a real handshake.
    static let maxHellos = 4
    /// TLS records carry at most 2^14 bytes plus expansion.
    static let maxRecord = 16_384 + 2_048

    var state = State.start(allowSOCKS: true, allowHTTP: true)
    var hellos: [ClientHello] = []
    var http: HTTPRequest?
    var proxy: ProxyRequest?
    /// Damage found in the stream (garbled TLS), if any.
    var issue: PacketIssue?
    var gathered: [UInt8] = []

    var isFinished: Bool { state == .finished }

    /// True while a ClientHello has been started but not finished: the stream is TLS
    /// (its first record header was read) and no ClientHello is complete yet.
    var isInsideFirstHello: Bool {
        switch state {
        case .tlsRecord, .gather: return hellos.isEmpty
        default: return false
        }
    }

    mutating func finish(_ problem: PacketIssue? = nil) -> Step {
        if issue == nil, let problem { issue = problem }
        state = .finished
        gathered = []
        return .done
    }

    /// Damage only counts before the first ClientHello; after it, an unexpected record is
    /// just the rest of the handshake (encrypted) and ends the reading.
    mutating func garbled() -> Step { finish(hellos.isEmpty ? .badClientHello : nil) }

    mutating func step(_ d: UnsafeRawBufferPointer) -> Step {
        switch state {
        case .finished:
            return .done

        case .start(let allowSOCKS, let allowHTTP):
            guard d.count >= 1 else { return .need(1) }
            switch d[0] {
            case 0x16: state = .tlsRecord
            case 0x05 where allowSOCKS: state = .socks5Greeting
            case 0x04 where allowSOCKS: state = .socks4Request
            case 65...90 where allowHTTP: state = .httpHead(scanFrom: 0)
            default: return finish()
            }
            return .consume(0)

        case .tlsRecord:
            guard d.count >= 5 else { return .need(5) }
            let type = d[0]
            let length = Int(d[3]) << 8 | Int(d[4])
            guard d[1] == 3, length > 0, length <= Self.maxRecord else { return garbled() }
            switch type {
            case 22:
                if hellos.count >= Self.maxHellos { return finish() }
                guard length >= 4 else { return garbled() }
                guard d.count >= 9 else { return .need(9) }
                guard d[5] == 1 else { return garbled() }  // not a ClientHello
                let helloLength = Int(d[6]) << 16 | Int(d[7]) << 8 | Int(d[8])
                if 4 + helloLength <= length {
                    guard d.count >= 5 + length else { return .need(5 + length) }
                    guard let hello = ClientHelloDecoder.decode(UnsafeRawBufferPointer(rebasing: d[9..<(9 + helloLength)])) else {
                        return garbled()
                    }
                    hellos.append(hello)
                    return .consume(5 + length)
                }
                guard d.count >= 5 + length else { return .need(5 + length) }
                gathered = Array(UnsafeRawBufferPointer(rebasing: d[5..<(5 + length)]))
                state = .gather(total: 4 + helloLength)
                return .consume(5 + length)
            case 20:  // change_cipher_spec (TLS 1.3 middlebox compatibility, or the end of TLS 1.2's handshake)
                return .skip(5 + length)
            case 21, 23:  // alert, application data: the handshake is over
                return finish()
            default:
                return garbled()
            }

        case .gather(let total):
            guard d.count >= 5 else { return .need(5) }
            let length = Int(d[3]) << 8 | Int(d[4])
            guard d[0] == 22, d[1] == 3, length > 0, length <= Self.maxRecord else { return garbled() }
            guard d.count >= 5 + length else { return .need(5 + length) }
            gathered.append(contentsOf: UnsafeRawBufferPointer(rebasing: d[5..<(5 + min(length, total - gathered.count))]))
            if gathered.count >= total {
                let hello = gathered.withUnsafeBytes { ClientHelloDecoder.decode(UnsafeRawBufferPointer(rebasing: $0[4..<total])) }
                gathered = []
                guard let hello else { return garbled() }
                hellos.append(hello)
                state = .tlsRecord
            }
            return .consume(5 + length)

        case .httpHead(let scanFrom):
            var lineEnd = 0
            while lineEnd < d.count && d[lineEnd] != 10 { lineEnd += 1 }
            if lineEnd == d.count { return d.count >= 8_192 ? finish() : .need(d.count + 1) }
            guard let line = HTTPRequestDecoder.requestLine(UnsafeRawBufferPointer(rebasing: d[0..<lineEnd])) else {
                return finish()  // not HTTP/1.x
            }
            // The head ends at an empty line: CR LF CR LF, or bare LF LF.
            var i = max(scanFrom, lineEnd)
            var headEnd = -1, bodyStart = -1
            while i < d.count {
                if d[i] == 10 {
                    if i + 1 < d.count && d[i + 1] == 10 {
                        headEnd = i
                        bodyStart = i + 2
                        break
                    }
                    if i + 2 < d.count && d[i + 1] == 13 && d[i + 2] == 10 {
                        headEnd = i
                        bodyStart = i + 3
                        break
                    }
                }
                i += 1
            }
            if headEnd < 0 {
                if d.count >= ClientStream.limit {
                    http = HTTPRequestDecoder.decode(d, complete: false)
                    return finish(.clientStreamTooLarge)
                }
                state = .httpHead(scanFrom: max(lineEnd, d.count - 3))
                return .need(d.count + 1)
            }
            http = HTTPRequestDecoder.decode(UnsafeRawBufferPointer(rebasing: d[0..<headEnd]), complete: true)
            let isConnect = line.method.count == 7 && d[0] == 67 && d[1] == 79 && d[2] == 78  // "CON"NECT
            if isConnect, let target = http?.target {
                proxy = ProxyRequest(kind: .httpConnect, target: String(target.prefix(300)))
                state = .start(allowSOCKS: false, allowHTTP: false)
                return .consume(bodyStart)
            }
            return finish()

        case .socks5Greeting:
            // VER=5, NMETHODS, METHODS…
            guard d.count >= 2 else { return .need(2) }
            let methods = Int(d[1])
            guard methods >= 1 else { return finish() }
            guard d.count >= 2 + methods else { return .need(2 + methods) }
            state = .socks5Request
            return .consume(2 + methods)

        case .socks5Request:
            guard d.count >= 1 else { return .need(1) }
            if d[0] == 1 {
                // Username/password sub-negotiation (RFC 1929): VER=1, ULEN, UNAME, PLEN, PASSWD.
                guard d.count >= 2 else { return .need(2) }
                let userLength = Int(d[1])
                guard d.count >= 3 + userLength else { return .need(3 + userLength) }
                let total = 3 + userLength + Int(d[2 + userLength])
                guard d.count >= total else { return .need(total) }
                return .consume(total)
            }
            // VER=5, CMD, RSV, ATYP, DST.ADDR, DST.PORT
            guard d[0] == 5 else { return finish() }
            guard d.count >= 5 else { return .need(5) }
            let total: Int
            switch d[3] {
            case 1: total = 10
            case 4: total = 22
            case 3: total = 7 + Int(d[4])
            default: return finish()
            }
            guard d.count >= total else { return .need(total) }
            let port = Int(d[total - 2]) << 8 | Int(d[total - 1])
            let host: String
            switch d[3] {
            case 1: host = "\(d[4]).\(d[5]).\(d[6]).\(d[7])"
            case 4:
                let address = IPAddressText.v6(UnsafeRawBufferPointer(rebasing: d[4..<20]))
                host = "[" + address + "]"
            default: host = ByteReader.text(UnsafeRawBufferPointer(rebasing: d[5..<(total - 2)]), limit: 255)
            }
            proxy = ProxyRequest(kind: .socks5, target: host + ":\(port)")
            state = .start(allowSOCKS: false, allowHTTP: true)
            return .consume(total)

        case .socks4Request:
            // VER=4, CMD (1 connect, 2 bind), DSTPORT, DSTIP, USERID, NUL [, HOST, NUL for 4a]
            guard d.count >= 9 else { return .need(9) }
            guard d[1] == 1 || d[1] == 2 else { return finish() }
            var end = 8
            while end < d.count && d[end] != 0 { end += 1 }
            if end == d.count { return d.count > 512 ? finish() : .need(d.count + 1) }
            let port = Int(d[2]) << 8 | Int(d[3])
            var host = "\(d[4]).\(d[5]).\(d[6]).\(d[7])"
            var kind = ProxyRequest.Kind.socks4
            var total = end + 1
            if d[4] == 0 && d[5] == 0 && d[6] == 0 && d[7] != 0 {
                var nameEnd = total
                while nameEnd < d.count && d[nameEnd] != 0 { nameEnd += 1 }
                if nameEnd == d.count { return d.count > 768 ? finish() : .need(d.count + 1) }
                host = ByteReader.text(UnsafeRawBufferPointer(rebasing: d[total..<nameEnd]), limit: 255)
                kind = .socks4a
                total = nameEnd + 1
            }
            proxy = ProxyRequest(kind: kind, target: host + ":\(port)")
            state = .start(allowSOCKS: false, allowHTTP: true)
            return .consume(total)
        }
    }
}

/// IPv6 text for 16 raw bytes (RFC 5952 form, through `IPAddress`).
enum IPAddressText {
    static func v6(_ b: UnsafeRawBufferPointer) -> String {
        var high: UInt64 = 0, low: UInt64 = 0
        for i in 0..<8 { high = high << 8 | UInt64(b[i]) }
        for i in 8..<16 { low = low << 8 | UInt64(b[i]) }
        return IPAddress(high: high, low: low).description
    }
}
