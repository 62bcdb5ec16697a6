import TrawlCapture
import TrawlModel

/// One TCP connection of a world with a capture (`trawl simulate --pcap`): what the edge
/// sees before the first request that goes over it.
struct SimulatedConnection: Sendable {
    /// When the SYN left (epoch milliseconds).
    var start: Int64
    var ip: IPAddress
    var port: UInt16
    var stack: WireStack
    var os: SYNKind
    /// Bytes the path in front of the client takes off the MSS (0: a plain 1500-byte path).
    var mssDeficit: UInt16
    var hops: UInt8
    /// Random bytes of the handshake (sequence numbers, ClientHello random, GREASE).
    var seed: UInt64
}

/// The TLS stack a connection speaks with (`ClientHelloProfile.Known`).
enum WireStack: UInt8, Sendable {
    case chromium, chromiumResumed, firefox, safari, python, openssl, node, go, java

    var profile: ClientHelloProfile {
        switch self {
        case .chromium: ClientHelloProfile.Known.chromium
        case .chromiumResumed: ClientHelloProfile.Known.chromiumResumed
        case .firefox: ClientHelloProfile.Known.firefox
        case .safari: ClientHelloProfile.Known.safari
        case .python: ClientHelloProfile.Known.python
        case .openssl: ClientHelloProfile.Known.curl
        case .node: ClientHelloProfile.Known.node
        case .go: ClientHelloProfile.Known.go
        case .java: ClientHelloProfile.Known.java
        }
    }

    /// The stack a client of the catalog speaks with when nothing stands in between.
    static let ofClient: [WireStack] = ClientCatalog.all.map { c in
        let ua = String(decoding: c.userAgent, as: UTF8.self)
        switch c.family {
        case .cli: return .node  // Claude Code and the IDE agents run on Node.js
        case .browser:
            if ua.contains("Firefox/") { return .firefox }
            return ua.contains("Chrome/") ? .chromium : .safari
        case .mobileApp: return ua.contains("CFNetwork/") ? .safari : .chromiumResumed
        case .sdk:
            if ua.contains("JS") || ua.contains("node-fetch") { return .node }
            if ua.contains("Go") { return .go }
            if ua.contains("Java") || ua.contains("okhttp") { return .java }
            if ua.hasPrefix("curl/") { return .openssl }
            return .python
        }
    }
}

/// The TCP stack that sends a connection's SYN.
enum SYNKind: UInt8, Sendable {
    case linux, android, windows, apple, cloudJumbo, cloudGCP

    /// The OS a catalog client's User-Agent names, if any.
    static let ofClient: [SYNKind?] = ClientCatalog.all.map { c in
        let ua = String(decoding: c.userAgent, as: UTF8.self)
        if ua.contains("Android") { return .android }
        if ua.contains("Windows NT") { return .windows }
        if ua.contains("Macintosh") || ua.contains("CFNetwork") || ua.contains("iPhone") { return .apple }
        if ua.contains("X11; Linux") { return .linux }
        return nil
    }

    /// The SYN profile on a path whose MSS is `mss`.
    func profile(mss: UInt16) -> SYNProfile {
        var p: SYNProfile
        switch self {
        case .linux: p = .linux
        case .android: p = .android
        case .windows: p = .windows
        case .apple: p = .apple
        case .cloudJumbo: p = SYNProfile(initialTTL: 64, layout: .linux, mss: 8961, window: 62_727, windowScale: 7)
        case .cloudGCP: p = SYNProfile(initialTTL: 64, layout: .linux, mss: 1420, window: 65_320, windowScale: 7)
        }
        if self != .cloudJumbo && self != .cloudGCP {
            p.mss = mss
            if p.layout == .linux && self == .linux { p.window = 0 }  // 44 × MSS
        }
        return p
    }
}

extension ActivityGenerator {
    /// Notes the connection a request goes over: a new one when its address and port have
    /// been idle for more than 4 minutes (or never used), else the one already open.
    /// Draws only from `rng` (the capture's own stream), so a world's log is the same with
    /// or without a capture.
    mutating func noteConnection(
        _ q: Request, _ p: AccountProfile, account: Int, rng: inout SimulationRandom, into connections: inout [SimulatedConnection]
    ) {
        guard q.port >= 0 else { return }
        let key = ConnectionKey(ip: q.ip, port: q.port)
        if let last = openConnections[key], q.ts - last <= 240_000, q.ts >= last {
            openConnections[key] = q.ts
            return
        }
        openConnections[key] = q.ts
        let seed = world.spec.seed
        let accountHash = mix64(seed ^ 0xDE71CE ^ UInt64(account) &* 0x9E37_79B9_7F4A_7C15)
        var stack = WireStack.ofClient[Int(q.client)]
        var os = SYNKind.linux
        var deficit: UInt16 = 0
        // A residential-proxy exit's own device and path, the same for every connection through it.
        func exit() {
            let h = mix64(q.ip.stableHash ^ seed ^ 0xE417)
            os = h % 100 < 50 ? .linux : h % 100 < 80 ? .android : .windows
            let roll = (h >> 8) % 100
            deficit = roll < 40 ? UInt16(40 + (h >> 16) % 80) : roll < 50 ? 8 : 0
        }
        func device() {
            if let claimed = SYNKind.ofClient[Int(q.client)] {
                os = claimed
            } else {
                let r = accountHash % 100
                os = r < 45 ? .apple : r < 75 ? .linux : .windows
            }
        }
        func server() {
            let r = (accountHash >> 8) % 100
            os = r < 40 ? .cloudJumbo : r < 70 ? .cloudGCP : .linux
        }
        let roll = (accountHash >> 20) % 100
        switch p.population {
        case .pooled, .evasivePooled:
            // The reseller's relay speaks its own stack through the exits.
            let op = world.operators[p.operatorIndex]
            let r = mix64(op.seed ^ 0x5E1A) % 100
            stack = r < 45 ? .go : r < 80 ? .python : .node
            exit()
        case .distillation:
            if world.operators[p.operatorIndex].farm.isEmpty { exit() } else { server() }
        case .evasiveDistillation, .thinDistillation:
            // A script dressed as the clients it names.
            stack = .python
            exit()
        case .heavyAutomation, .agentFixedSystem:
            server()
        case .vpnUser:
            device()
            deficit = UInt16(60 + (accountHash >> 32) % 41)
        case .carrierCGNAT:
            device()
            if roll < 50 { deficit = UInt16(40 + (accountHash >> 32) % 21) }
        case .officeNAT, .teamManyKeys, .universityNAT, .teamPromptLibrary:
            device()
            if roll < 10 { deficit = 80 }  // a firewall that clamps the MSS
        case .individual, .traveller, .powerUser, .benchmarkBurst:
            device()
            if roll < 15 { deficit = 8 }  // PPPoE
        }
        connections.append(
            SimulatedConnection(
                start: q.ts - Int64(rng.int(30, 400)), ip: q.ip, port: UInt16(truncatingIfNeeded: q.port), stack: stack, os: os,
                mssDeficit: deficit, hops: UInt8(rng.int(6, 22)), seed: rng.next()))
    }
}

struct ConnectionKey: Hashable {
    var ip: IPAddress
    var port: Int32
}

/// Writes one day's connections as a capture at the edge: SYN, SYN-ACK, the ClientHello
/// and the server's first flight, per connection, in time order.
enum CaptureDayWriter {
    static let server4 = Endpoint(address: IPAddress(v4: 0xCB00_710A), port: 443)  // 203.0.113.10
    static let server6 = Endpoint(address: IPAddress("2001:db8:443::10")!, port: 443)
    static let serverName = "api.example.com"

    static func write(_ connections: [SimulatedConnection], to path: String) throws(CaptureError) {
        let writer = try PcapWriter(path: path)
        // Each connection's four packets, ordered by time across connections.
        var packets: [(micros: Int64, connection: Int, step: UInt8)] = []
        packets.reserveCapacity(connections.count * 4)
        for (i, c) in connections.enumerated() {
            let rtt = Int64(20_000 + c.seed % 130_000)
            let t = c.start * 1000
            packets += [(t, i, 0), (t + rtt, i, 1), (t + rtt + 900, i, 2), (t + 2 * rtt + 900, i, 3)]
        }
        packets.sort { ($0.micros, $0.connection, $0.step) < ($1.micros, $1.connection, $1.step) }
        for (micros, i, step) in packets {
            try writer.write(micros: micros, frame: frame(connections[i], step: step))
        }
        try writer.close()
    }

    static func frame(_ c: SimulatedConnection, step: UInt8) -> [UInt8] {
        let v4 = c.ip.isIPv4
        let client = Endpoint(address: c.ip, port: c.port)
        let server = v4 ? server4 : server6
        let clientISN = UInt32(truncatingIfNeeded: c.seed >> 32), serverISN = UInt32(truncatingIfNeeded: mix64(c.seed))
        let pathMSS: UInt16 = v4 ? 1460 : 1440
        let syn = c.os.profile(mss: pathMSS - min(c.mssDeficit, 400))
        let ttl = syn.initialTTL - c.hops
        switch step {
        case 0:
            return PacketBuilder.syn(
                client: client, server: server, profile: syn, hops: c.hops, sequence: clientISN,
                timestamp: UInt32(truncatingIfNeeded: c.seed), ipID: 0)
        case 1:
            return PacketBuilder.frame(
                source: server, destination: client, ttl: 57, sequence: serverISN, acknowledgment: clientISN &+ 1,
                flags: PacketBuilder.syn | PacketBuilder.ack, window: 65_535, options: [2, 4, 0x05, 0xB4])
        case 2:
            let hello = ClientHelloBuilder.record(c.stack.profile, serverName: serverName, seed: c.seed)
            return PacketBuilder.frame(
                source: client, destination: server, ttl: ttl, sequence: clientISN &+ 1, acknowledgment: serverISN &+ 1,
                flags: PacketBuilder.ack | PacketBuilder.psh, window: 502, payload: hello[...])
        default:
            // The server's first flight, cut to a token size (only the client's bytes are fingerprinted).
            let flight: [UInt8] = [0x16, 0x03, 0x03, 0x00, 0x3A] + [UInt8](repeating: 0, count: 58)
            return PacketBuilder.frame(
                source: server, destination: client, ttl: 57, sequence: serverISN &+ 1,
                acknowledgment: clientISN &+ 1,
                flags: PacketBuilder.ack | PacketBuilder.psh, window: 501, payload: flight[...])
        }
    }
}
