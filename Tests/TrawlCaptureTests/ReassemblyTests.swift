import TestSupport
import Testing
import TrawlCapture

/// A ClientHello split across segments, out of order, retransmitted and overlapping must
/// give the same fingerprints as the unsplit one.
@Suite struct ReassemblyTests {
    let hello = FixtureHello.record
    let conversation = Conversation()

    /// Reads one connection whose client data comes in `pieces` (in that order).
    func read(_ pieces: [(offset: Int, bytes: [UInt8])]) throws -> (CaptureRecord, CaptureStatistics) {
        let frames = conversation.packets(clientPieces: pieces, clientLength: hello.count).map { PcapBuilder.ethernetFrame($0) }
        let (dir, path) = try PcapBuilder.write(PcapBuilder.file(linkType: PcapBuilder.ethernet, PcapBuilder.records(frames)))
        defer { dir.remove() }
        let (records, stats) = try CaptureReader.records(files: [path])
        try #require(records.count == 1)
        return (records[0], stats)
    }

    func piece(_ range: Range<Int>) -> (offset: Int, bytes: [UInt8]) { (range.lowerBound, Array(hello[range])) }

    @Test func threeSegmentsOutOfOrderWithARetransmission() throws {
        let (unsplit, _) = try read([piece(0..<hello.count)])
        #expect(unsplit.firstTLS?.ja4 == FixtureHello.ja4)
        // Third, first, the first again (a retransmission), then the second.
        let a = piece(0..<150), b = piece(150..<400), c = piece(400..<hello.count)
        let (split, stats) = try read([c, a, a, b])
        #expect(split.firstTLS?.ja4 == FixtureHello.ja4)
        #expect(split.firstTLS?.ja4Raw == FixtureHello.ja4Raw)
        #expect(split.firstTLS == unsplit.firstTLS)
        #expect(split.issue == nil)
        #expect(stats.damaged.isEmpty)
    }

    @Test func recordHeaderSplitAcrossSegments() throws {
        // The 5-byte TLS record header itself arrives in two pieces, the second first.
        let (r, _) = try read([piece(3..<hello.count), piece(0..<3)])
        #expect(r.firstTLS?.ja4 == FixtureHello.ja4)
    }

    /// Many chunkings: random cut points, random order, random retransmissions and
    /// overlapping re-sends of correct bytes (a seeded generator keeps it repeatable).
    @Test(arguments: 0..<40)
    func randomChunkings(seed: Int) throws {
        var rng = SeededGenerator(seed: UInt64(seed))
        let cuts = (0..<Int.random(in: 1...9, using: &rng)).map { _ in Int.random(in: 1..<hello.count, using: &rng) }
        let bounds = ([0] + Set(cuts).sorted() + [hello.count])
        var pieces = zip(bounds, bounds.dropFirst()).map { piece($0..<$1) }
        for _ in 0..<Int.random(in: 0...3, using: &rng) {
            let start = Int.random(in: 0..<hello.count, using: &rng)
            pieces.append(piece(start..<min(hello.count, start + Int.random(in: 1...200, using: &rng))))
        }
        pieces.shuffle(using: &rng)
        let (r, stats) = try read(pieces)
        #expect(r.firstTLS?.ja4 == FixtureHello.ja4, "pieces \(pieces.map { ($0.offset, $0.bytes.count) })")
        #expect(stats.damaged.isEmpty)
    }

    @Test func firstArrivalWinsWhereSegmentsDisagree() throws {
        // A later segment overlapping with different bytes does not rewrite what arrived first.
        var wrong = Array(hello[100..<hello.count])
        for i in 0..<50 { wrong[i] = 0xEE }  // offsets 100..<150 differ
        let keep = try read([piece(0..<150), (100, wrong)])
        #expect(keep.0.firstTLS?.ja4 == FixtureHello.ja4)
        // The other way round, the disagreeing bytes arrived first and are the ones read.
        let other = try read([(100, wrong), piece(0..<150)])
        #expect(other.0.firstTLS?.ja4 != FixtureHello.ja4)
    }

    @Test func connectionWithoutItsSYNIsReadFromItsFirstData() throws {
        // The capture starts after the handshake: the ClientHello still tells the client.
        let packets = conversation.packets(payload: hello).dropFirst(3).map { PcapBuilder.ethernetFrame($0) }
        let (dir, path) = try PcapBuilder.write(PcapBuilder.file(linkType: PcapBuilder.ethernet, PcapBuilder.records(Array(packets))))
        defer { dir.remove() }
        let (records, _) = try CaptureReader.records(files: [path])
        #expect(records.count == 1)
        #expect(records.first?.clientEvidence == .payload)
        #expect(records.first?.client.port == 50_000)
        #expect(records.first?.syn == nil)
        #expect(records.first?.firstTLS?.ja4 == FixtureHello.ja4)
    }
}

/// SplitMix64: a small seeded generator, so random tests repeat exactly.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
