import TrawlModel

/// How a client's kernel writes its TCP SYN: the fields a p0f-style signature reads.
public struct SYNProfile: Sendable, Equatable {
    public enum Layout: Sendable, Equatable {
        /// `mss,sok,ts,nop,ws`: Linux and Android.
        case linux
        /// `mss,nop,ws,nop,nop,sok`: Windows.
        case windows
        /// `mss,nop,ws,nop,nop,ts,sok,eol+1`: macOS and iOS.
        case apple
    }

    public var initialTTL: UInt8
    public var layout: Layout
    public var mss: UInt16
    /// The window; 0 means 44 × MSS (Linux's usual initial window).
    public var window: UInt16
    public var windowScale: UInt8

    public init(initialTTL: UInt8, layout: Layout, mss: UInt16, window: UInt16, windowScale: UInt8) {
        self.initialTTL = initialTTL
        self.layout = layout
        self.mss = mss
        self.window = window
        self.windowScale = windowScale
    }

    /// The usual SYNs of each OS family, with the MSS of a 1500-byte path.
    public static let linux = SYNProfile(initialTTL: 64, layout: .linux, mss: 1460, window: 64_240, windowScale: 7)
    public static let android = SYNProfile(initialTTL: 64, layout: .linux, mss: 1460, window: 65_535, windowScale: 8)
    public static let windows = SYNProfile(initialTTL: 128, layout: .windows, mss: 1460, window: 64_240, windowScale: 8)
    public static let apple = SYNProfile(initialTTL: 64, layout: .apple, mss: 1460, window: 65_535, windowScale: 6)

    /// The TCP options bytes.
    func options(timestamp: UInt32) -> [UInt8] {
        let mssOption: [UInt8] = [2, 4, UInt8(mss >> 8), UInt8(mss & 0xFF)]
        let ts: [UInt8] = [8, 10] + be32(timestamp) + [0, 0, 0, 0]
        switch layout {
        case .linux: return mssOption + [4, 2] + ts + [1, 3, 3, windowScale]
        case .windows: return mssOption + [1, 3, 3, windowScale, 1, 1, 4, 2]
        case .apple: return mssOption + [1, 3, 3, windowScale, 1, 1] + ts + [4, 2, 0, 0]
        }
    }
}

@inline(__always) func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] }

/// Builds Ethernet frames of IPv4 or IPv6 TCP segments for generated captures (the
/// simulator, the benchmark, tests). Checksums are left zero, as on a sending host with
/// checksum offload; Trawl does not check them.
public enum PacketBuilder {
    /// TCP flags.
    public static let fin: UInt8 = 0x01, syn: UInt8 = 0x02, psh: UInt8 = 0x08, ack: UInt8 = 0x10

    /// One TCP segment from `source` to `destination` in an Ethernet frame.
    /// - Parameters:
    ///   - ttl: IPv4 TTL or IPv6 hop limit.
    ///   - options: TCP option bytes (padded to 4 here).
    public static func frame(
        source: Endpoint, destination: Endpoint, ttl: UInt8, sequence: UInt32, acknowledgment: UInt32, flags: UInt8,
        window: UInt16, options: [UInt8] = [], payload: ArraySlice<UInt8> = [], ipID: UInt16 = 0
    ) -> [UInt8] {
        var opts = options
        while opts.count % 4 != 0 { opts.append(0) }
        let tcpLength = 20 + opts.count + payload.count
        let v4 = source.address.isIPv4
        precondition(v4 == destination.address.isIPv4, "source and destination of one family")
        var out: [UInt8] = []
        out.reserveCapacity(14 + (v4 ? 20 : 40) + tcpLength)
        out += [0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1]  // destination, source MAC
        out += v4 ? [0x08, 0x00] : [0x86, 0xDD]
        if v4 {
            let total = 20 + tcpLength
            out += [0x45, 0, UInt8(total >> 8), UInt8(total & 0xFF), UInt8(ipID >> 8), UInt8(ipID & 0xFF), 0x40, 0, ttl, 6, 0, 0]
            out += be32(source.address.v4!) + be32(destination.address.v4!)
        } else {
            out += [0x60, 0, 0, 0, UInt8(tcpLength >> 8), UInt8(tcpLength & 0xFF), 6, ttl]
            for a in [source.address, destination.address] {
                for half in [a.high, a.low] {
                    for s in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: half >> UInt64(s))) }
                }
            }
        }
        out += [UInt8(source.port >> 8), UInt8(source.port & 0xFF), UInt8(destination.port >> 8), UInt8(destination.port & 0xFF)]
        out += be32(sequence) + be32(acknowledgment)
        out += [UInt8((20 + opts.count) / 4) << 4, flags, UInt8(window >> 8), UInt8(window & 0xFF), 0, 0, 0, 0]
        out += opts
        out += payload
        return out
    }

    /// The client's SYN as `profile` writes it, `hops` routers away from the capture point.
    public static func syn(
        client: Endpoint, server: Endpoint, profile: SYNProfile, hops: UInt8, sequence: UInt32, timestamp: UInt32, ipID: UInt16
    ) -> [UInt8] {
        let window = profile.window == 0 ? UInt16(min(65_535, Int(profile.mss) * 44)) : profile.window
        return frame(
            source: client, destination: server, ttl: profile.initialTTL &- min(hops, profile.initialTTL - 1), sequence: sequence,
            acknowledgment: 0, flags: syn, window: window, options: profile.options(timestamp: timestamp), ipID: ipID)
    }
}
