import Foundation

/// One entry point that runs arbitrary bytes through every parser of the capture layer,
/// for the libFuzzer target `TrawlCaptureFuzz` (`make fuzz`). Not for other use.
///
/// The bytes are read as a frame of each link type (the TCP segments found go through
/// connection tracking, reassembly, the ClientHello, HTTP and SOCKS parsers, the
/// fingerprints and the JSON encoder), and as a client stream cut into two chunks
/// delivered in both orders.
public enum CaptureFuzzing {
    public static func run(_ bytes: UnsafeRawBufferPointer) {
        var statistics = CaptureStatistics()
        var tracker = ConnectionTracker(options: CaptureOptions())
        tracker.files = ["fuzz"]
        var segment = TCPSegment()
        for (i, link) in [LinkType.ethernet, .linuxCooked, .linuxCooked2, .rawIP, .bsdLoopback].enumerated() {
            for cut in [false, true] {
                guard case .tcp = PacketDecoder.decode(bytes, link: link, cut: cut, into: &segment) else { continue }
                tracker.ingest(segment, packet: bytes, micros: Int64(i), file: 0, packetNumber: i + 1, statistics: &statistics)
                // The same segment again as data of a connection already open, then a SYN
                // on it: retransmission and reuse paths.
                tracker.ingest(segment, packet: bytes, micros: Int64(i) + 1, file: 0, packetNumber: i + 1, statistics: &statistics)
            }
        }
        tracker.finish(statistics: &statistics)
        var out: [UInt8] = []
        for record in tracker.finished { CaptureRecordEncoder.appendLine(record, to: &out) }

        _ = ClientHelloDecoder.decode(bytes)
        let split = bytes.isEmpty ? 0 : Int(bytes[0]) % bytes.count
        let first = UnsafeRawBufferPointer(rebasing: bytes[0..<split])
        let second = UnsafeRawBufferPointer(rebasing: bytes[split...])
        for order in [[(0, first), (split, second)], [(split, second), (0, first)]] {
            var stream = ClientStream()
            for (offset, chunk) in order { stream.insert(chunk, at: offset) }
            for hello in stream.parser.hellos { _ = TLSFingerprinter().fingerprint(hello) }
        }
    }

    /// Writes every frame of the classic-pcap files (little-endian, `*.pcap`) in `folder`
    /// as one file of `corpus`: real Ethernet, loopback and IPv6 frames with SYNs,
    /// ClientHellos and HTTP, the fuzzer's seeds. Returns how many frames were written.
    public static func writeSeedCorpus(from folder: String, to corpus: String) throws -> Int {
        let manager = FileManager.default
        try manager.createDirectory(atPath: corpus, withIntermediateDirectories: true)
        var count = 0
        for name in try manager.contentsOfDirectory(atPath: folder).sorted() where name.hasSuffix(".pcap") {
            let data = [UInt8](try Data(contentsOf: URL(fileURLWithPath: (folder as NSString).appendingPathComponent(name))))
            guard data.count >= 24, data[0..<4] == [0xD4, 0xC3, 0xB2, 0xA1] else { continue }
            var at = 24
            while at + 16 <= data.count {
                let captured = Int(data[at + 8]) | Int(data[at + 9]) << 8 | Int(data[at + 10]) << 16 | Int(data[at + 11]) << 24
                let end = min(data.count, at + 16 + captured)
                let path = (corpus as NSString).appendingPathComponent("\(name)-\(count)")
                try Data(data[(at + 16)..<end]).write(to: URL(fileURLWithPath: path))
                count += 1
                at = end
            }
        }
        return count
    }
}
