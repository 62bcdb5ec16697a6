import CPcap
import Foundation

/// Reads captures through libpcap, from files (classic pcap or pcapng: libpcap tells them
/// apart by their magic bytes, whatever the file is called) or from a live interface, and
/// hands out one `CaptureRecord` per TCP connection.
///
/// Connections are followed across the files of one reader (a capture rotated into
/// several files), so read the files in time order and call `finish` at the end to get
/// the connections still open. Damage inside a capture never stops the run: it is counted
/// in `statistics` by reason, and a file that ends early (a truncated or corrupt file) is
/// read up to the damage.
///
/// ```swift
/// var reader = CaptureReader(options: options)
/// for file in files { try reader.read(file: file) { record in join(record) } }
/// reader.finish { record in join(record) }
/// // record.client.address, record.client.port, record.firstSeen (epoch ms): the log join key
/// ```
/// - Complexity: O(1) expected per packet, allocation-free except while a connection's
///   ClientHello is being reassembled; one record per connection.
public struct CaptureReader: Sendable {
    public let options: CaptureOptions
    public private(set) var statistics = CaptureStatistics()
    private var tracker: ConnectionTracker

    public init(options: CaptureOptions = CaptureOptions()) {
        self.options = options
        tracker = ConnectionTracker(options: options)
    }

    /// Reads every packet of one capture file.
    /// - Throws: `CaptureError` when the file is missing or unreadable, is not a capture,
    ///   has a link type Trawl cannot read, or `options.filter` does not compile. Records
    ///   made before a throw have been handed to `onRecord`.
    public mutating func read(file path: String, onRecord: (CaptureRecord) throws -> Void) throws {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw CaptureError(file: path, reason: .noSuchFile)
        }
        if isFolder.boolValue { throw CaptureError(file: path, reason: .unreadable("is a folder, not a capture file")) }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw CaptureError(file: path, reason: .unreadable("permission denied"))
        }
        var errorBuffer = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE))
        guard let handle = pcap_open_offline(path, &errorBuffer) else {
            throw CaptureError(file: path, reason: .notACapture(Self.text(errorBuffer, without: path)))
        }
        defer { pcap_close(handle) }
        try run(handle, name: path, live: nil, onRecord: onRecord)
    }

    /// Stops a live capture.
    public struct LiveLimits: Sendable {
        /// Stop after this many packets.
        public var packets: Int?
        /// Stop after this many seconds (wall clock).
        public var seconds: Double?
        /// Checked between packets (at least every 100 ms): stop when it returns true.
        public var shouldStop: @Sendable () -> Bool

        public init(packets: Int? = nil, seconds: Double? = nil, shouldStop: @escaping @Sendable () -> Bool = { false }) {
            self.packets = packets
            self.seconds = seconds
            self.shouldStop = shouldStop
        }
    }

    /// Captures from a network interface until a limit is reached, then reports the
    /// connections still open. Needs root or CAP_NET_RAW.
    /// - Throws: `CaptureError.liveCaptureFailed` when the interface cannot be opened,
    ///   `badFilter` when `options.filter` does not compile.
    public mutating func readLive(
        interface: String, snapLength: Int32 = 262_144, limits: LiveLimits = LiveLimits(),
        onRecord: (CaptureRecord) throws -> Void
    ) throws {
        let name = "interface \(interface)"
        var errorBuffer = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE))
        guard let handle = pcap_create(interface, &errorBuffer) else {
            throw CaptureError(file: name, reason: .liveCaptureFailed(Self.text(errorBuffer, without: interface)))
        }
        defer { pcap_close(handle) }
        pcap_set_snaplen(handle, snapLength)
        pcap_set_promisc(handle, 0)
        pcap_set_timeout(handle, 100)
        let status = pcap_activate(handle)
        if status < 0 {
            let why = status == PCAP_ERROR ? String(cString: pcap_geterr(handle)) : String(cString: pcap_statustostr(status))
            throw CaptureError(file: name, reason: .liveCaptureFailed(why))
        }
        // Non-blocking reads and our own poll with a timeout: on Linux a blocking read on a
        // quiet interface may not return at the read timeout, and the limits must be checked.
        guard pcap_setnonblock(handle, 1, &errorBuffer) == 0 else {
            throw CaptureError(file: name, reason: .liveCaptureFailed(Self.text(errorBuffer, without: interface)))
        }
        try run(handle, name: name, live: limits, onRecord: onRecord)
        var counts = pcap_stat()
        if pcap_stats(handle, &counts) == 0 { statistics.droppedByKernel += Int(counts.ps_drop) }
        try finish(onRecord: onRecord)
    }

    /// Reports every connection still open; call once after the last file.
    public mutating func finish(onRecord: (CaptureRecord) throws -> Void) rethrows {
        tracker.finish(statistics: &statistics)
        try handOut(onRecord)
    }

    /// Checks that a BPF filter compiles for a link type (Ethernet unless told), without
    /// opening an interface or a file.
    /// - Throws: `CaptureError.badFilter` with libpcap's reason.
    public static func validateFilter(_ expression: String, linkType: Int32 = DLT_EN10MB) throws(CaptureError) {
        guard let handle = pcap_open_dead(linkType, 262_144) else {
            throw CaptureError(file: "filter", reason: .badFilter("libpcap could not make a handle"))
        }
        defer { pcap_close(handle) }
        var program = bpf_program()
        guard pcap_compile(handle, &program, expression, 1, PCAP_NETMASK_UNKNOWN) == 0 else {
            throw CaptureError(file: "filter", reason: .badFilter(String(cString: pcap_geterr(handle))))
        }
        pcap_freecode(&program)
    }

    /// Reads all of `files` and returns the records in the order they were made, with the
    /// run's statistics.
    public static func records(files: [String], options: CaptureOptions = CaptureOptions()) throws -> (
        records: [CaptureRecord], statistics: CaptureStatistics
    ) {
        var reader = CaptureReader(options: options)
        var out: [CaptureRecord] = []
        for file in files { try reader.read(file: file) { out.append($0) } }
        reader.finish { out.append($0) }
        return (out, reader.statistics)
    }

    // MARK: - The packet loop

    private mutating func run(
        _ handle: OpaquePointer, name: String, live: LiveLimits?, onRecord: (CaptureRecord) throws -> Void
    ) throws {
        let dlt = pcap_datalink(handle)
        guard let link = LinkType(dlt: dlt) else {
            let dltName = pcap_datalink_val_to_name(dlt).map { String(cString: $0) } ?? "DLT \(dlt)"
            throw CaptureError(file: name, reason: .unsupportedLinkType(dltName))
        }
        if let filter = options.filter {
            var program = bpf_program()
            guard pcap_compile(handle, &program, filter, 1, PCAP_NETMASK_UNKNOWN) == 0 else {
                throw CaptureError(file: name, reason: .badFilter(String(cString: pcap_geterr(handle))))
            }
            defer { pcap_freecode(&program) }
            guard pcap_setfilter(handle, &program) == 0 else {
                throw CaptureError(file: name, reason: .badFilter(String(cString: pcap_geterr(handle))))
            }
        }
        let fileIndex = Int32(tracker.files.count)
        tracker.files.append(name)
        statistics.files += 1
        let started = Date()
        defer { statistics.seconds += Date().timeIntervalSince(started) }
        var header: UnsafeMutablePointer<pcap_pkthdr>?
        var data: UnsafePointer<UInt8>?
        var segment = TCPSegment()
        var packetNumber = 0
        while true {
            let status = pcap_next_ex(handle, &header, &data)
            if status == 0 {  // live: no packet waiting
                if let live, Self.shouldStop(live, packets: packetNumber, started: started) { break }
                var waiting = pollfd(fd: pcap_get_selectable_fd(handle), events: Int16(POLLIN), revents: 0)
                _ = poll(&waiting, 1, 100)
                continue
            }
            if status == PCAP_ERROR_BREAK { break }  // end of file
            if status != 1 {
                statistics.note(
                    .truncatedFile, file: name, packet: packetNumber + 1, detail: String(cString: pcap_geterr(handle)))
                break
            }
            guard let header, let data else { break }
            packetNumber += 1
            let captured = Int(header.pointee.caplen)
            let wire = Int(header.pointee.len)
            let micros = Int64(header.pointee.ts.tv_sec) &* 1_000_000 &+ Int64(header.pointee.ts.tv_usec)
            statistics.packets += 1
            statistics.capturedBytes += captured
            statistics.wireBytes += wire
            let packet = UnsafeRawBufferPointer(start: data, count: captured)
            let cut = captured < wire
            if cut { statistics.note(.cutBySnaplen, file: name, packet: packetNumber) }
            switch PacketDecoder.decode(packet, link: link, cut: cut, into: &segment) {
            case .tcp:
                statistics.tcpPackets += 1
                tracker.ingest(
                    segment, packet: packet, micros: micros, file: fileIndex, packetNumber: packetNumber, statistics: &statistics)
                if !tracker.finished.isEmpty { try handOut(onRecord) }
            case .issue(let issue):
                if issue != .cutBySnaplen { statistics.note(issue, file: name, packet: packetNumber) }
            }
            if let live, packetNumber & 63 == 0 || live.packets != nil,
                Self.shouldStop(live, packets: packetNumber, started: started)
            {
                break
            }
        }
    }

    private static func shouldStop(_ limits: LiveLimits, packets: Int, started: Date) -> Bool {
        if let most = limits.packets, packets >= most { return true }
        if let seconds = limits.seconds, Date().timeIntervalSince(started) >= seconds { return true }
        return limits.shouldStop()
    }

    private mutating func handOut(_ onRecord: (CaptureRecord) throws -> Void) rethrows {
        let records = tracker.finished
        tracker.finished.removeAll(keepingCapacity: true)
        for record in records { try onRecord(record) }
    }

    /// libpcap's message, without the file name it sometimes starts with.
    private static func text(_ buffer: [CChar], without prefix: String) -> String {
        let message = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        if message.hasPrefix(prefix + ": ") { return String(message.dropFirst(prefix.count + 2)) }
        return message.isEmpty ? "unknown libpcap error" : message
    }
}
