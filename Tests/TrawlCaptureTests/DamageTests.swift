import Foundation
import TestSupport
import Testing
import TrawlCapture

/// Damage of each kind is counted by reason with exact counts, the first cases are
/// reported as file:packet N: reason, and good connections around it are still reported.
@Suite struct DamageTests {
    /// A good connection on `port`, as Ethernet frames.
    func good(port: UInt16) -> [[UInt8]] {
        Conversation(clientPort: port).packets(payload: FixtureHello.record).map { PcapBuilder.ethernetFrame($0) }
    }

    /// Reads good(50001) + `damaged` + good(50002) and checks both good connections.
    func read(_ damaged: [PcapBuilder.Record], truncateFileBy cut: Int = 0) throws -> (
        records: [CaptureRecord], stats: CaptureStatistics, path: String
    ) {
        let before = PcapBuilder.records(good(port: 50_001), start: 1_700_000_000_000_000)
        let after = PcapBuilder.records(good(port: 50_002), start: 1_700_000_010_000_000)
        var bytes = PcapBuilder.file(linkType: PcapBuilder.ethernet, before + damaged + after)
        bytes.removeLast(cut)
        let (dir, path) = try PcapBuilder.write(bytes)
        defer { dir.remove() }
        let (records, stats) = try CaptureReader.records(files: [path])
        for port: UInt16 in cut > 0 ? [50_001] : [50_001, 50_002] {
            let r = records.first { $0.client.port == port }
            #expect(r?.firstTLS?.ja4 == FixtureHello.ja4, "good connection on port \(port)")
        }
        return (records, stats, path)
    }

    static let t: Int64 = 1_700_000_005_000_000

    @Test func packetsCutBySnapLength() throws {
        let c = Conversation(clientPort: 50_100)
        // A ClientHello cut to 300 bytes of its frame (the capture's snap length), and a
        // SYN cut inside its TCP header.
        let hello = PcapBuilder.ethernetFrame(c.clientData(FixtureHello.record))
        let syn = PcapBuilder.ethernetFrame(Conversation(clientPort: 50_101).syn())
        let damaged = [
            PcapBuilder.Record(micros: Self.t, bytes: PcapBuilder.ethernetFrame(c.syn())),
            PcapBuilder.Record(micros: Self.t + 1, bytes: Array(hello.prefix(300)), wireLength: hello.count),
            PcapBuilder.Record(micros: Self.t + 2, bytes: Array(syn.prefix(40)), wireLength: syn.count),
        ]
        let (records, stats, path) = try read(damaged)
        #expect(stats.damaged == [.cutBySnaplen: 2, .incompleteClientHello: 1])
        #expect(stats.packets == 17)
        #expect(stats.problems.map(\.description).prefix(2) == ["\(path):packet 9: cut_by_snaplen", "\(path):packet 10: cut_by_snaplen"])
        let cut = try #require(records.first { $0.client.port == 50_100 })
        #expect(cut.tls.isEmpty)
        #expect(cut.issue == .incompleteClientHello)
        #expect(cut.syn?.mss == 1460)
    }

    @Test func badIPHeaderLengths() throws {
        let tcp = PcapBuilder.TCP(sourcePort: 50_200, payload: [1, 2, 3]).bytes()
        let frames: [[UInt8]] = [
            PcapBuilder.ipv4(headerWords: 4, payload: tcp),  // IHL below 5
            Array(PcapBuilder.ipv4(headerWords: 15, payload: []).prefix(24)),  // IHL past the packet
            PcapBuilder.ipv4(totalLength: 1_400, payload: tcp),  // longer than the frame
            PcapBuilder.ipv4(totalLength: 12, payload: tcp),  // shorter than its header
            Array(PcapBuilder.ipv6(payload: tcp).prefix(60)),  // IPv6 payload length past the frame
        ]
        let records = frames.enumerated().map {
            PcapBuilder.Record(micros: Self.t + Int64($0.offset), bytes: PcapBuilder.ethernetFrame($0.element))
        }
        let (_, stats, path) = try read(records)
        #expect(stats.damaged == [.badIPHeader: 2, .badIPLength: 3])
        #expect(
            stats.problems.map(\.description) == [
                "\(path):packet 8: bad_ip_header", "\(path):packet 9: bad_ip_header", "\(path):packet 10: bad_ip_length",
                "\(path):packet 11: bad_ip_length", "\(path):packet 12: bad_ip_length",
            ])
        #expect(stats.tcpPackets == 14)
    }

    @Test func badTCPHeader() throws {
        var tcp = PcapBuilder.TCP(sourcePort: 50_300).bytes()
        tcp[12] = 3 << 4  // data offset 3 words
        var long = PcapBuilder.TCP(sourcePort: 50_301).bytes()
        long[12] = 15 << 4  // 60-byte header in a 20-byte segment
        let frames = [tcp, long].map { PcapBuilder.ethernetFrame(PcapBuilder.ipv4(payload: $0)) }
        let (_, stats, _) = try read(PcapBuilder.records(frames, start: Self.t))
        #expect(stats.damaged == [.badTCPHeader: 2])
    }

    @Test func garbledAndTruncatedTLS() throws {
        // A handshake record whose ClientHello says its cipher list is longer than the hello.
        var garbled = FixtureHello.record
        garbled[5 + 4 + 2 + 32 + 1 + 32] = 0xFF  // cipher_suites length, high byte
        let a = Conversation(clientPort: 50_400)
        // A handshake record holding a ServerHello where the ClientHello should be.
        let b = Conversation(clientPort: 50_401)
        // A ClientHello record cut short: the connection closes before the rest arrives.
        let c = Conversation(clientPort: 50_402)
        var frames = a.packets(payload: garbled)
        frames += b.packets(payload: [0x16, 0x03, 0x01, 0x00, 0x08, 2, 0, 0, 4, 1, 2, 3, 4])
        frames += c.packets(clientPieces: [(0, Array(FixtureHello.record.prefix(200)))], clientLength: 200)
        let (records, stats, _) = try read(PcapBuilder.records(frames.map { PcapBuilder.ethernetFrame($0) }, start: Self.t))
        #expect(stats.damaged == [.badClientHello: 2, .incompleteClientHello: 1])
        #expect(records.first { $0.client.port == 50_400 }?.issue == .badClientHello)
        #expect(records.first { $0.client.port == 50_401 }?.issue == .badClientHello)
        #expect(records.first { $0.client.port == 50_402 }?.issue == .incompleteClientHello)
        #expect(records.count == 5)
    }

    @Test func truncatedFile() throws {
        // The file ends 10 bytes into the last packet's data: libpcap reports an error there.
        let (records, stats, path) = try read([], truncateFileBy: 10)
        #expect(stats.damaged == [.truncatedFile: 1])
        #expect(stats.packets == 13)
        let problem = try #require(stats.problems.first)
        #expect(problem.description.hasPrefix("\(path):packet 14: truncated_file ("))
        // The second connection was cut off before its FINs: reported as still open.
        #expect(records.first { $0.client.port == 50_002 }?.end == .open)
        #expect(records.first { $0.client.port == 50_002 }?.firstTLS?.ja4 == FixtureHello.ja4)
    }

    @Test func notTCPIsSkippedNotDamage() throws {
        let arp: [UInt8] = PcapBuilder.serverMAC + PcapBuilder.clientMAC + [0x08, 0x06] + [UInt8](repeating: 0, count: 28)
        let udp = PcapBuilder.ethernetFrame(PcapBuilder.ipv4(protocol: 17, payload: [0, 53, 0, 53, 0, 8, 0, 0]))
        let laterFragment = PcapBuilder.ethernetFrame(PcapBuilder.ipv4(fragmentOffset: 100, payload: [UInt8](repeating: 7, count: 64)))
        let (_, stats, _) = try read(PcapBuilder.records([arp, udp, laterFragment], start: Self.t))
        #expect(stats.damaged.isEmpty)
        #expect(stats.skipped == [.notIP: 1, .notTCP: 1, .ipFragment: 1])
        #expect(stats.problems.isEmpty)
    }

    /// Random bytes in every link type: never a crash; every packet is TCP, damaged or skipped.
    @Test(arguments: [PcapBuilder.ethernet, PcapBuilder.sll, PcapBuilder.sll2, PcapBuilder.raw, PcapBuilder.null])
    func randomBytesNeverCrash(linkType: UInt32) throws {
        var rng = SeededGenerator(seed: UInt64(linkType))
        var records: [PcapBuilder.Record] = []
        for i in 0..<3_000 {
            var frame = (0..<Int.random(in: 0...200, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            // Most frames get a plausible start so that the deeper parsers see random data too.
            if i % 3 != 0 && frame.count > 60 {
                let ip = PcapBuilder.ipv4(payload: PcapBuilder.TCP(sourcePort: UInt16(i % 50), payload: Array(frame[40...])).bytes())
                frame = linkType == PcapBuilder.ethernet ? PcapBuilder.ethernetFrame(ip) : linkType == PcapBuilder.raw ? ip : frame
                if i % 2 == 0 { frame[Int.random(in: 0..<frame.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng) }
            }
            records.append(PcapBuilder.Record(micros: Self.t + Int64(i), bytes: frame))
        }
        let (dir, path) = try PcapBuilder.write(PcapBuilder.file(linkType: linkType, records))
        defer { dir.remove() }
        let (_, stats) = try CaptureReader.records(files: [path])
        #expect(stats.packets == 3_000)
        let perPacket = stats.damaged.filter { ![.badClientHello, .incompleteClientHello, .clientStreamTooLarge].contains($0.key) }
        #expect(stats.tcpPackets + perPacket.values.reduce(0, +) + stats.skipped.values.reduce(0, +) == 3_000)
    }
}
