import ArgumentParser
import Foundation
import Synchronization
import TrawlCapture
import TrawlModel

#if canImport(Glibc)
    import Glibc
#endif

/// Set by SIGINT/SIGTERM during a live capture: stop, report open connections, summarise.
private let stopRequested = Atomic<Bool>(false)

extension JA4ALPNRule: ExpressibleByArgument {}

struct CaptureCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "capture",
        abstract: "Print what each TCP connection in a capture says about its client (JSONL).",
        discussion: """
            Reads classic pcap or pcapng files (the format is read from the file's first
            bytes, not its name; Ethernet with VLAN tags, Linux cooked SLL/SLL2, raw IP or
            BSD loopback), or captures live from an interface, and prints one JSON line per
            TCP connection on standard output when the connection ends: client and server
            address and port, first and last packet time, the client's SYN signature
            (p0f style) with an OS guess and a tunnel hint, the TLS ClientHello's JA4,
            JA4_r, JA4_o, JA4_ro, JA3 and JA3 string, SNI and ALPN, the first plaintext
            HTTP/1.x request's method, target, Host, User-Agent and header order, and a
            SOCKS or HTTP CONNECT preamble. Files are read in order as one capture (a
            capture rotated into several files). A summary goes to standard error:
            packets, connections, and damaged or skipped packets by reason, with the first
            few as file:packet N: reason. Damage never stops the run.

            The OS guess comes from tcp_signatures.yaml in the rules folder (--rules), or
            the table given with --signatures. Live capture needs root or CAP_NET_RAW and
            stops after --duration seconds, --count packets, or Ctrl-C.

            Exit status: 0 success (also with damaged packets); 64 usage error or a BPF
            filter that does not compile; 65 not a capture, an unsupported link type or a
            bad signature table; 66 missing input; 74 cannot read or cannot capture.

            Example:
              trawl capture edge-0900.pcap edge-1000.pcapng > connections.jsonl
              trawl capture --interface eth0 --filter 'tcp port 443' --duration 60
            """)

    @Argument(help: "Capture files (pcap or pcapng), read in order as one capture.")
    var files: [String] = []

    @Option(name: [.short, .long], help: "Capture live from this network interface instead of files.")
    var interface: String?

    @Option(help: "A BPF filter in tcpdump syntax, applied to files and live capture.")
    var filter: String?

    @Option(help: "Stop a live capture after this many seconds.")
    var duration: Double?

    @Option(help: "Stop a live capture after this many packets.")
    var count: Int?

    @Option(help: "Seconds (capture time) without a packet after which a connection is reported.")
    var idleTimeout: Double = 600

    @Option(help: "Connections tracked at once; past it the least recently active are reported early.")
    var maxConnections = 262_144

    @Option(help: "MTU of the path in front of the capture point, for the tunnel hint.")
    var mtu = 1500

    @Option(
        name: .customLong("ja4-alpn"),
        help: "How JA4 writes a non-alphanumeric ALPN: reference (as the FoxIO tools: 99) or specification (hex digits).")
    var ja4ALPN = JA4ALPNRule.reference

    @Option(help: "The SYN signature table (default: tcp_signatures.yaml in the rules folder).")
    var signatures: String?

    @OptionGroup var rules: RulesOption

    func validate() throws {
        if interface == nil && files.isEmpty { throw ValidationError("give capture files, or --interface to capture live") }
        if interface != nil && !files.isEmpty { throw ValidationError("give capture files or --interface, not both") }
        if interface == nil && (duration != nil || count != nil) {
            throw ValidationError("--duration and --count are for live capture (--interface)")
        }
        if idleTimeout <= 0 { throw ValidationError("--idle-timeout must be above 0") }
        if maxConnections < 16 { throw ValidationError("--max-connections must be at least 16") }
        if !(576...65_535).contains(mtu) { throw ValidationError("--mtu must be from 576 to 65535") }
        if let filter {
            do { try CaptureReader.validateFilter(filter) } catch {
                throw ValidationError(TerminalText.sanitize(error.description, limit: 300))
            }
        }
    }

    func run() throws {
        var options = CaptureOptions()
        options.idleTimeout = idleTimeout
        options.maxOpenConnections = maxConnections
        options.pathMTU = mtu
        options.alpnRule = ja4ALPN
        options.filter = filter
        options.signatureTable = try signatureTable()

        var output = RecordOutput(flushEachRecord: interface != nil)
        var reader = CaptureReader(options: options)
        do {
            if let interface {
                signal(SIGINT) { _ in stopRequested.store(true, ordering: .relaxed) }
                signal(SIGTERM) { _ in stopRequested.store(true, ordering: .relaxed) }
                let limits = CaptureReader.LiveLimits(packets: count, seconds: duration) {
                    stopRequested.load(ordering: .relaxed)
                }
                try reader.readLive(interface: interface, limits: limits) { output.write($0) }
            } else {
                for file in files { try reader.read(file: file) { output.write($0) } }
                reader.finish { output.write($0) }
            }
        } catch let error as CaptureError {
            output.flush()
            Self.printSummary(reader.statistics)
            throw Self.failure(error)
        }
        output.flush()
        Self.printSummary(reader.statistics)
    }

    /// The table from --signatures, else the rules folder's, else none (with a warning).
    func signatureTable() throws -> SYNSignatureTable {
        let path: String
        if let signatures {
            path = signatures
        } else {
            guard let folder = try? rules.resolved() else {
                Terminal.say("trawl capture: no rules folder, so no OS guesses (pass --rules DIR or --signatures FILE)")
                return SYNSignatureTable(entries: [])
            }
            path = (folder as NSString).appendingPathComponent("tcp_signatures.yaml")
            if !FileManager.default.fileExists(atPath: path) {
                Terminal.say("trawl capture: \(TerminalText.sanitize(path)) not found, so no OS guesses")
                return SYNSignatureTable(entries: [])
            }
        }
        do { return try SYNSignatureTable.load(path: path) } catch { throw Self.failure(error) }
    }

    static func failure(_ error: CaptureError) -> CommandFailure {
        let code: Int32
        switch error.reason {
        case .noSuchFile: code = 66
        case .notACapture, .unsupportedLinkType, .invalidSignatureTable: code = 65
        case .badFilter: code = 64
        case .unreadable, .liveCaptureFailed, .cannotWrite: code = 74
        }
        return CommandFailure(code, TerminalText.sanitize(error.description, limit: 400))
    }

    static func printSummary(_ s: CaptureStatistics) {
        let megabytes = Double(s.capturedBytes) / 1e6
        let rate =
            s.seconds > 0
            ? " (\(Terminal.count(Int(Double(s.packets) / s.seconds))) packets/s, "
                + String(format: "%.1f MB/s)", megabytes / s.seconds) : ""
        var text =
            "trawl capture: \(s.files) input(s), \(s.packets) packets (\(Terminal.bytes(s.capturedBytes))) in "
            + String(format: "%.2f s", s.seconds) + rate + "\n"
        text +=
            "  connections: \(s.connections) (TLS \(s.tlsConnections), HTTP \(s.httpConnections), "
            + "SYN \(s.synSignatures)) · TCP packets: \(s.tcpPackets) · most open at once: \(s.peakOpenConnections)"
        if s.evictedConnections > 0 { text += " · evicted early: \(s.evictedConnections)" }
        if s.droppedByKernel > 0 { text += "\n  dropped by the kernel: \(s.droppedByKernel)" }
        let damaged = s.damaged.sorted { $0.key < $1.key }
        if !damaged.isEmpty {
            text += "\n  damaged: \(s.damagedTotal) (" + damaged.map { "\($0.key.rawValue) \($0.value)" }.joined(separator: ", ") + ")"
            for p in s.problems { text += "\n    " + TerminalText.sanitize(p.description, limit: 300) }
            if s.damagedTotal > s.problems.count { text += "\n    … and \(s.damagedTotal - s.problems.count) more" }
        }
        let skipped = s.skipped.sorted { $0.key < $1.key }
        if !skipped.isEmpty {
            text += "\n  skipped (not TCP over IP): " + skipped.map { "\($0.key.rawValue) \($0.value)" }.joined(separator: ", ")
        }
        Terminal.say(text)
    }
}

/// Buffers JSON lines and writes them to standard output in large blocks (or one by one
/// for a live capture, so that lines appear as connections end).
private struct RecordOutput {
    let flushEachRecord: Bool
    var buffer: [UInt8] = []

    init(flushEachRecord: Bool) {
        self.flushEachRecord = flushEachRecord
        buffer.reserveCapacity(1 << 17)
    }

    mutating func write(_ record: CaptureRecord) {
        CaptureRecordEncoder.appendLine(record, to: &buffer)
        if flushEachRecord || buffer.count >= 1 << 16 { flush() }
    }

    mutating func flush() {
        guard !buffer.isEmpty else { return }
        buffer.withUnsafeBytes { b in
            var done = 0
            while done < b.count {
                let n = Glibc.write(1, b.baseAddress! + done, b.count - done)
                if n <= 0 { break }
                done += n
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }
}
