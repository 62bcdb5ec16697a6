import TestSupport
import Testing
import TrawlCapture

/// Memory stays bounded: idle connections expire in capture time, a cap on open
/// connections evicts the least recently active, and a client stream is buffered only
/// up to its bound.
@Suite struct ConnectionLifetimeTests {
    func read(_ records: [PcapBuilder.Record], options: CaptureOptions) throws -> ([CaptureRecord], CaptureStatistics) {
        let (dir, path) = try PcapBuilder.write(PcapBuilder.file(linkType: PcapBuilder.ethernet, records))
        defer { dir.remove() }
        var out: [CaptureRecord] = []
        var reader = CaptureReader(options: options)
        try reader.read(file: path) { out.append($0) }
        let beforeFinish = out.count
        reader.finish { out.append($0) }
        #expect(out.count >= beforeFinish)
        return (out, reader.statistics)
    }

    @Test func idleConnectionsExpireInCaptureTime() throws {
        // Connection A: SYN and ClientHello, then silence; B starts 30 s (capture time) later.
        var options = CaptureOptions()
        options.idleTimeout = 10
        let a = Conversation(clientPort: 50_001), b = Conversation(clientPort: 50_002)
        let start: Int64 = 1_700_000_000_000_000
        let frames =
            PcapBuilder.records(
                [a.syn(), a.synAck(), a.clientData(FixtureHello.record)].map { PcapBuilder.ethernetFrame($0) }, start: start)
            + PcapBuilder.records(b.packets(payload: FixtureHello.record).map { PcapBuilder.ethernetFrame($0) }, start: start + 30_000_000)
        let (records, stats) = try read(frames, options: options)
        #expect(records.map(\.client.port) == [50_001, 50_002])
        #expect(records.map(\.end) == [.idle, .fin])
        #expect(records[0].firstTLS?.ja4 == FixtureHello.ja4)
        #expect(stats.peakOpenConnections == 1)
    }

    @Test func openConnectionsAreCapped() throws {
        var options = CaptureOptions()
        options.maxOpenConnections = 16
        // 100 connections that never close, each a SYN and a ClientHello.
        var frames: [[UInt8]] = []
        for i in 0..<100 {
            let c = Conversation(clientPort: UInt16(40_000 + i))
            frames += [c.syn(), c.clientData(FixtureHello.record)].map { PcapBuilder.ethernetFrame($0) }
        }
        let (records, stats) = try read(PcapBuilder.records(frames), options: options)
        #expect(records.count == 100)
        #expect(stats.peakOpenConnections <= 16)
        #expect(stats.evictedConnections == 84)
        #expect(records.filter { $0.end == .evicted }.count == 84)
        #expect(records.allSatisfy { $0.firstTLS?.ja4 == FixtureHello.ja4 })
        #expect(Set(records.map(\.stream)) == Set(0..<100))
    }

    @Test func anHTTPHeadPastTheBoundIsCutAndCounted() throws {
        let c = Conversation(serverPort: 80)
        let head = Array("GET /v1/messages HTTP/1.1\r\nHost: example\r\nX-Padding: ".utf8)
        var pieces: [(offset: Int, bytes: [UInt8])] = [(0, head)]
        var offset = head.count
        while offset < 70_000 {
            pieces.append((offset, [UInt8](repeating: UInt8(ascii: "a"), count: 1_400)))
            offset += 1_400
        }
        let frames = c.packets(clientPieces: pieces, clientLength: offset).map { PcapBuilder.ethernetFrame($0) }
        let (records, stats) = try read(PcapBuilder.records(frames), options: CaptureOptions())
        #expect(stats.damaged == [.clientStreamTooLarge: 1])
        let http = try #require(records.first?.http)
        #expect(!http.complete)
        #expect(http.host == "example")
        #expect(http.headerNames == ["host", "x-padding"])
        #expect(records.first?.issue == .clientStreamTooLarge)
    }

    @Test func portReuseAfterCloseIsANewConnection() throws {
        // The same address pair twice: FINs, then a new SYN with another sequence number.
        let first = Conversation(clientISN: 1_000)
        var second = Conversation(clientISN: 777_777)
        second.clientTTL = 63
        let frames = (first.packets(payload: FixtureHello.record) + second.packets(payload: FixtureHello.record)).map {
            PcapBuilder.ethernetFrame($0)
        }
        let (records, _) = try read(PcapBuilder.records(frames), options: CaptureOptions())
        #expect(records.map(\.stream) == [0, 1])
        #expect(records.map { $0.syn?.ttl } == [64, 63])
        #expect(records.allSatisfy { $0.firstTLS?.ja4 == FixtureHello.ja4 })
    }
}
