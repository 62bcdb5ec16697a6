import Foundation
import TrawlCapture
import TrawlModel

/// The capture stage of the benchmark: a generated capture of `captureBytes` (many short
/// TLS connections and some bulk downloads, like an API edge's traffic), timed through
/// `trawl capture FILE > /dev/null` and through tshark computing JA3 over the same file.
struct CaptureBench {
    let options: Options

    init(options: Options) { self.options = options }

    /// Packets and bytes of the generated file.
    struct Generated {
        var packets = 0
        var connections = 0
        var bytes = 0
    }

    func run() throws {
        let path = "\(options.dir)/capture-\(options.captureBytes).pcap"
        let meta = path + ".meta"
        var generated = Generated()
        if let text = try? String(contentsOfFile: meta, encoding: .utf8), FileManager.default.fileExists(atPath: path) {
            let n = text.split(separator: " ").compactMap { Int($0) }
            if n.count == 3 { generated = Generated(packets: n[0], connections: n[1], bytes: n[2]) }
        }
        if generated.packets == 0 {
            say("generating a capture of about \(options.captureBytes / 1_000_000) MB in \(path) …")
            let t0 = Date()
            generated = try Self.generate(path: path, bytes: options.captureBytes)
            try "\(generated.packets) \(generated.connections) \(generated.bytes)".write(toFile: meta, atomically: true, encoding: .utf8)
            say(
                String(
                    format: "  %d connections, %d packets, %.0f MB in %.1f s", generated.connections, generated.packets,
                    Double(generated.bytes) / 1e6, Date().timeIntervalSince(t0)))
        }
        say("trawl capture …")
        var trawl = Double.infinity
        for _ in 0..<options.runs {
            let r = try quiet(options.trawl, ["capture", path])
            guard r.status == 0 else {
                say("trawl capture failed with status \(r.status)")
                exit(70)
            }
            trawl = min(trawl, r.seconds)
        }
        let mb = Double(generated.bytes) / 1e6
        say("")
        say(
            String(
                format: "capture: %@, %.0f MB, %d packets, %d connections, best of %d", path, mb, generated.packets, generated.connections,
                options.runs))
        say(
            String(
                format: "%-24@ %8.2f s %10.2f M packets/s %8.0f MB/s", "trawl capture" as NSString, trawl,
                Double(generated.packets) / trawl / 1e6, mb / trawl))
        var tshark: Double?
        if let exe = Self.tshark() {
            say("tshark -T fields -e tls.handshake.ja3 …")
            var best = Double.infinity
            for _ in 0..<options.runs {
                let r = try quiet(exe, ["-r", path, "-T", "fields", "-e", "tls.handshake.ja3"])
                guard r.status == 0 else {
                    say("tshark failed with status \(r.status)")
                    exit(70)
                }
                best = min(best, r.seconds)
            }
            tshark = best
            say(
                String(
                    format: "%-24@ %8.2f s %10.2f M packets/s %8.0f MB/s", "tshark (ja3)" as NSString, best,
                    Double(generated.packets) / best / 1e6, mb / best))
            say(String(format: "ratio tshark/trawl: %.1f (target >= 10)", best / trawl))
        } else {
            say("tshark is not installed (Debian: apt-get install tshark, as root): comparison skipped")
        }
        print(
            String(
                format:
                    #"{"capture_bytes":%d,"capture_packets":%d,"capture_connections":%d,"trawl_capture_s":%.3f,"tshark_ja3_s":%@,"tshark_ratio":%@}"#,
                generated.bytes, generated.packets, generated.connections, trawl, tshark.map { String(format: "%.3f", $0) } ?? "null",
                tshark.map { String(format: "%.2f", $0 / trawl) } ?? "null"))
    }

    /// tshark on the PATH, if any.
    static func tshark() -> String? {
        let paths = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        return paths.map { "\($0)/tshark" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs a program with standard output and error to /dev/null; its status and wall time.
    func quiet(_ exe: String, _ args: [String]) throws -> (status: Int32, seconds: Double) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        let start = Date()
        try p.run()
        p.waitUntilExit()
        return (p.terminationStatus, Date().timeIntervalSince(start))
    }

    /// Writes a capture of about `bytes`: connections from 50,000 clients, one in 20 a bulk
    /// download of 100-500 full segments (with the client's ACKs), the rest a short API
    /// exchange; each with a SYN, a ClientHello of one of the known stacks and a FIN.
    static func generate(path: String, bytes target: Int) throws -> Generated {
        let writer = try PcapWriter(path: path)
        let profiles: [ClientHelloProfile] = [
            .Known.chromium, .Known.firefox, .Known.safari, .Known.python, .Known.curl, .Known.node, .Known.go, .Known.java,
        ]
        let syns: [SYNProfile] = [.linux, .android, .windows, .apple]
        let server = Endpoint(address: IPAddress(v4: 0xCB00_710A), port: 443)
        let segment = [UInt8](repeating: 0x17, count: 1448)
        let request = [UInt8](repeating: 0x17, count: 900)
        var g = Generated()
        var rng: UInt64 = 0x5EED
        func next() -> UInt64 {
            rng = rng &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return mix64(rng)
        }
        var micros: Int64 = 1_763_700_000_000_000
        func put(_ frame: [UInt8]) throws {
            micros += 3
            try writer.write(micros: micros, frame: frame)
            g.packets += 1
            g.bytes += 16 + frame.count
        }
        g.bytes = 24
        // Connections are written one after another; in a real capture they interleave, which
        // changes nothing for per-connection state but the number open at once.
        while g.bytes < target {
            let r = next()
            let client = Endpoint(
                address: IPAddress(v4: 0x6440_0000 | UInt32(truncatingIfNeeded: r % 50_000)), port: UInt16(32_768 + (r >> 20) % 28_000))
            var syn = syns[Int((r >> 40) % 4)]
            syn.mss = (r >> 44) % 8 == 0 ? 1380 : 1460
            let isn = UInt32(truncatingIfNeeded: r), sisn = UInt32(truncatingIfNeeded: r >> 32)
            let ttl = syn.initialTTL - 10
            try put(PacketBuilder.syn(client: client, server: server, profile: syn, hops: 10, sequence: isn, timestamp: 1, ipID: 0))
            try put(
                PacketBuilder.frame(
                    source: server, destination: client, ttl: 57, sequence: sisn, acknowledgment: isn &+ 1,
                    flags: PacketBuilder.syn | PacketBuilder.ack,
                    window: 65_535, options: [2, 4, 0x05, 0xB4]))
            let hello = ClientHelloBuilder.record(profiles[Int((r >> 50) % UInt64(profiles.count))], serverName: "api.example.com", seed: r)
            var cseq = isn &+ 1, sseq = sisn &+ 1
            try put(
                PacketBuilder.frame(
                    source: client, destination: server, ttl: ttl, sequence: cseq, acknowledgment: sseq,
                    flags: PacketBuilder.ack | PacketBuilder.psh,
                    window: 502, payload: hello[...]))
            cseq &+= UInt32(hello.count)
            try put(
                PacketBuilder.frame(
                    source: server, destination: client, ttl: 57, sequence: sseq, acknowledgment: cseq,
                    flags: PacketBuilder.ack | PacketBuilder.psh,
                    window: 501, payload: segment[..<1200]))
            sseq &+= 1200
            try put(
                PacketBuilder.frame(
                    source: client, destination: server, ttl: ttl, sequence: cseq, acknowledgment: sseq,
                    flags: PacketBuilder.ack | PacketBuilder.psh,
                    window: 502, payload: request[...]))
            cseq &+= UInt32(request.count)
            let segments = (r >> 56) % 20 == 0 ? 100 + Int(next() % 400) : 2
            for k in 0..<segments {
                try put(
                    PacketBuilder.frame(
                        source: server, destination: client, ttl: 57, sequence: sseq, acknowledgment: cseq, flags: PacketBuilder.ack,
                        window: 501, payload: segment[...]))
                sseq &+= UInt32(segment.count)
                if k % 2 == 1 {
                    try put(
                        PacketBuilder.frame(
                            source: client, destination: server, ttl: ttl, sequence: cseq, acknowledgment: sseq, flags: PacketBuilder.ack,
                            window: 502))
                }
            }
            try put(
                PacketBuilder.frame(
                    source: client, destination: server, ttl: ttl, sequence: cseq, acknowledgment: sseq,
                    flags: PacketBuilder.ack | PacketBuilder.fin,
                    window: 502))
            try put(
                PacketBuilder.frame(
                    source: server, destination: client, ttl: 57, sequence: sseq, acknowledgment: cseq &+ 1,
                    flags: PacketBuilder.ack | PacketBuilder.fin, window: 501))
            g.connections += 1
        }
        try writer.close()
        return g
    }
}
