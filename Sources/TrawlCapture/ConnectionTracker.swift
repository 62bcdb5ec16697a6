import TrawlModel

/// The settings of a capture run.
public struct CaptureOptions: Sendable {
    /// A connection with no packet for this long (capture time, seconds) is reported and
    /// forgotten. Default 600 s.
    public var idleTimeout: Double = 600
    /// Connections tracked at once; past it the least recently active sixteenth is reported
    /// (`end: evicted`) and forgotten. Memory is about 0.5 KB per open connection, plus up to
    /// 64 KiB for one still reassembling its ClientHello. Default 262,144.
    public var maxOpenConnections = 262_144
    /// The MTU of the path in front of the capture point, for the tunnel hint. Default 1500.
    public var pathMTU = 1500
    /// How JA4 writes an ALPN value that is not alphanumeric. Default: as the reference tools.
    public var alpnRule = JA4ALPNRule.reference
    /// The OS guesses for SYN signatures (empty: no guesses).
    public var signatureTable = SYNSignatureTable(entries: [])
    /// A BPF filter (tcpdump syntax) applied to files and live capture alike.
    public var filter: String?
    /// Also hand out a record as soon as a connection's first ClientHello or HTTP request is
    /// read (`end: open`), before the full one at its end: a live run joins requests on
    /// connections that stay open. Statistics count each connection once, at its end.
    public var recordOnHandshake = false

    public init() {}
}

/// A TCP connection's address pair, the same whichever way a packet goes.
struct FlowKey: Hashable {
    var lowAddress: IPAddress
    var highAddress: IPAddress
    var lowPort: UInt16
    var highPort: UInt16

    init(_ s: TCPSegment) {
        if (s.source, s.sourcePort) < (s.destination, s.destinationPort) {
            lowAddress = s.source
            lowPort = s.sourcePort
            highAddress = s.destination
            highPort = s.destinationPort
        } else {
            lowAddress = s.destination
            lowPort = s.destinationPort
            highAddress = s.source
            highPort = s.sourcePort
        }
    }
}

/// The state of one open connection.
struct Flow {
    var client: Endpoint
    var server: Endpoint
    var stream: Int
    var firstMicros: Int64
    var lastMicros: Int64
    var evidence: CaptureRecord.ClientEvidence
    var hasSYN = false
    var syn = SYNObservation()
    var clientPackets = 0, serverPackets = 0, clientBytes = 0, serverBytes = 0
    var clientFin = false, serverFin = false
    /// Reported already; kept for a while to absorb the last ACKs and retransmissions.
    var closed = false
    /// Handed out early (`recordOnHandshake`).
    var handedEarly = false
    /// The client's sequence number of stream offset 0 is known.
    var baseKnown = false
    var base: UInt32 = 0
    var clientStream = ClientStream()
    var issueNoted = false
    /// Where the connection was last seen, for problem reports.
    var lastFile: Int32 = 0
    var lastPacket = 0
}

/// Follows TCP connections through a capture and makes a `CaptureRecord` for each.
///
/// Flows live in one array (slots reused through a free list) indexed by a dictionary on
/// the address pair, so the per-packet path allocates nothing: a lookup, counters, and
/// for client data not yet parsed, `ClientStream.insert`. Idle flows expire in capture
/// time (swept every eighth of the timeout); past `maxOpenConnections` the least recently
/// active are evicted, so memory is bounded by open flows.
/// - Complexity: O(1) expected per packet; a sweep is O(open flows), once per
///   `idleTimeout / 8` of capture time.
struct ConnectionTracker {
    let options: CaptureOptions
    let extractor: SYNSignatureExtractor
    let fingerprinter: TLSFingerprinter
    /// Fingerprints of the ClientHellos seen so far, by what they are computed from.
    var fingerprints = TLSFingerprintCache()
    private var index: [FlowKey: Int32] = [:]
    private var flows: ContiguousArray<Flow> = []
    private var freeSlots: [Int32] = []
    private var nextStream = 0
    private var now = Int64.min
    private var nextSweep = Int64.min
    /// Records made and not yet handed out.
    var finished: [CaptureRecord] = []
    /// File names by index, for problem reports.
    var files: [String] = []

    private var idleMicros: Int64 { Int64(options.idleTimeout * 1_000_000) }
    /// Reported connections linger this long to absorb stragglers.
    private var lingerMicros: Int64 { min(idleMicros, 60_000_000) }

    init(options: CaptureOptions) {
        self.options = options
        extractor = SYNSignatureExtractor(pathMTU: options.pathMTU, table: options.signatureTable)
        fingerprinter = TLSFingerprinter(alpnRule: options.alpnRule)
    }

    var openConnections: Int { index.count }

    /// Takes one TCP segment of packet `packetNumber` in file `file`, at `micros`.
    mutating func ingest(
        _ s: TCPSegment, packet: UnsafeRawBufferPointer, micros: Int64, file: Int32, packetNumber: Int,
        statistics: inout CaptureStatistics
    ) {
        if micros > now { now = micros }
        if now >= nextSweep {
            if nextSweep != Int64.min { sweep(statistics: &statistics) }
            nextSweep = now + max(1_000_000, idleMicros / 8)
        }
        let key = FlowKey(s)
        let isSYN = s.flags & TCPSegment.syn != 0
        let isACK = s.flags & TCPSegment.ack != 0
        var slot: Int32
        if let found = index[key] {
            slot = found
            let f = Int(found)
            if flows[f].closed || (isSYN && !isACK && isNewConnection(flows[f], s)) {
                if !isSYN || isACK {
                    flows[f].lastMicros = max(flows[f].lastMicros, micros)
                    return
                }
                if !flows[f].closed { report(f, end: .reused, statistics: &statistics) }
                release(key: key, slot: found)
                slot = open(key: key, s, packet: packet, micros: micros, statistics: &statistics)
            }
        } else {
            slot = open(key: key, s, packet: packet, micros: micros, statistics: &statistics)
        }
        let f = Int(slot)
        flows[f].lastMicros = max(flows[f].lastMicros, micros)
        flows[f].lastFile = file
        flows[f].lastPacket = packetNumber
        let fromClient = s.source == flows[f].client.address && s.sourcePort == flows[f].client.port
        if fromClient {
            flows[f].clientPackets += 1
            flows[f].clientBytes += s.payloadLength
            if isSYN && !isACK && !flows[f].hasSYN {
                flows[f].hasSYN = true
                flows[f].syn = SYNObservation(s, packet: packet)
                flows[f].base = s.sequence &+ 1
                flows[f].baseKnown = true
            }
            if s.payloadCaptured > 0 && !flows[f].clientStream.isDone {
                let dataSequence = isSYN ? s.sequence &+ 1 : s.sequence
                if !flows[f].baseKnown {
                    flows[f].base = dataSequence
                    flows[f].baseKnown = true
                }
                let offset = Int(Int32(bitPattern: dataSequence &- flows[f].base))
                if offset >= 0 {
                    let bytes = UnsafeRawBufferPointer(rebasing: packet[s.payloadStart..<(s.payloadStart + s.payloadCaptured)])
                    flows[f].clientStream.insert(bytes, at: offset)
                    if let issue = flows[f].clientStream.parser.issue, !flows[f].issueNoted {
                        flows[f].issueNoted = true
                        statistics.note(issue, file: files[Int(file)], packet: packetNumber)
                    }
                    if options.recordOnHandshake && !flows[f].handedEarly {
                        let parser = flows[f].clientStream.parser
                        if (!parser.hellos.isEmpty && !parser.isInsideFirstHello) || parser.http != nil {
                            flows[f].handedEarly = true
                            finished.append(makeRecord(f, end: .open, issue: parser.issue))
                        }
                    }
                }
            }
            if s.flags & TCPSegment.fin != 0 { flows[f].clientFin = true }
        } else {
            flows[f].serverPackets += 1
            flows[f].serverBytes += s.payloadLength
            if isSYN && isACK && !flows[f].baseKnown {
                flows[f].base = s.acknowledgment
                flows[f].baseKnown = true
            }
            if s.flags & TCPSegment.fin != 0 { flows[f].serverFin = true }
        }
        if s.flags & TCPSegment.rst != 0 {
            report(f, end: .reset, statistics: &statistics)
        } else if flows[f].clientFin && flows[f].serverFin {
            report(f, end: .fin, statistics: &statistics)
        }
    }

    /// A SYN on a known address pair starts a new connection when the old one was closing
    /// or its SYN had another initial sequence number.
    private func isNewConnection(_ flow: Flow, _ s: TCPSegment) -> Bool {
        if flow.clientFin || flow.serverFin { return true }
        return flow.hasSYN && flow.syn.sequence != s.sequence
    }

    private mutating func open(
        key: FlowKey, _ s: TCPSegment, packet: UnsafeRawBufferPointer, micros: Int64, statistics: inout CaptureStatistics
    ) -> Int32 {
        if index.count >= options.maxOpenConnections { evict(statistics: &statistics) }
        let source = Endpoint(address: s.source, port: s.sourcePort)
        let destination = Endpoint(address: s.destination, port: s.destinationPort)
        let isSYN = s.flags & TCPSegment.syn != 0, isACK = s.flags & TCPSegment.ack != 0
        var evidence = CaptureRecord.ClientEvidence.port
        let sourceIsClient: Bool
        if isSYN {
            sourceIsClient = !isACK
            evidence = isACK ? .synAck : .syn
        } else if Self.looksLikeClientData(packet, s) {
            sourceIsClient = true
            evidence = .payload
        } else if s.sourcePort < 1024 && s.destinationPort >= 1024 {
            sourceIsClient = false
        } else if s.destinationPort < 1024 && s.sourcePort >= 1024 {
            sourceIsClient = true
        } else {
            sourceIsClient = s.sourcePort >= s.destinationPort  // ephemeral ports are the high ones
        }
        let flow = Flow(
            client: sourceIsClient ? source : destination, server: sourceIsClient ? destination : source, stream: nextStream,
            firstMicros: micros, lastMicros: micros, evidence: evidence)
        nextStream += 1
        let slot: Int32
        if let reused = freeSlots.popLast() {
            slot = reused
            flows[Int(slot)] = flow
        } else {
            slot = Int32(flows.count)
            flows.append(flow)
        }
        index[key] = slot
        statistics.peakOpenConnections = max(statistics.peakOpenConnections, index.count)
        return slot
    }

    /// A first data segment that can only come from a client: a TLS handshake record, an
    /// HTTP request line's method, or a SOCKS greeting to a SOCKS port.
    static func looksLikeClientData(_ packet: UnsafeRawBufferPointer, _ s: TCPSegment) -> Bool {
        guard s.payloadCaptured >= 3 else { return false }
        let p = s.payloadStart
        if packet[p] == 0x16 && packet[p + 1] == 3 && s.payloadCaptured >= 6 && packet[p + 5] == 1 { return true }
        if (packet[p] == 4 || packet[p] == 5) && s.destinationPort == 1080 { return true }
        var i = 0
        while i < s.payloadCaptured && i < 8 && packet[p + i] >= 65 && packet[p + i] <= 90 { i += 1 }
        return i >= 3 && i < s.payloadCaptured && packet[p + i] == 32
    }

    /// Makes the record of flow `f` and marks it closed (it stays to absorb stragglers).
    private mutating func report(_ f: Int, end: CaptureRecord.End, statistics: inout CaptureStatistics) {
        guard !flows[f].closed else { return }
        flows[f].closed = true
        let parser = flows[f].clientStream.parser
        var issue = parser.issue
        if issue == nil && parser.isInsideFirstHello {
            issue = .incompleteClientHello
            statistics.note(.incompleteClientHello, file: files[Int(flows[f].lastFile)], packet: flows[f].lastPacket)
        }
        let record = makeRecord(f, end: end, issue: issue)
        flows[f].clientStream = ClientStream()
        statistics.connections += 1
        if !record.tls.isEmpty { statistics.tlsConnections += 1 }
        if record.http != nil { statistics.httpConnections += 1 }
        if record.syn != nil { statistics.synSignatures += 1 }
        if end == .evicted { statistics.evictedConnections += 1 }
        finished.append(record)
    }

    /// The record of flow `f` as it stands.
    private mutating func makeRecord(_ f: Int, end: CaptureRecord.End, issue: PacketIssue?) -> CaptureRecord {
        let flow = flows[f]
        let parser = flow.clientStream.parser
        return CaptureRecord(
            stream: flow.stream, client: flow.client, server: flow.server, firstSeenMicros: flow.firstMicros,
            lastSeenMicros: flow.lastMicros, clientEvidence: flow.evidence, syn: flow.hasSYN ? extractor.signature(flow.syn) : nil,
            tls: parser.hellos.map { fingerprints.fingerprint($0, fingerprinter) }, http: parser.http, proxy: parser.proxy,
            clientPackets: flow.clientPackets, serverPackets: flow.serverPackets, clientBytes: flow.clientBytes,
            serverBytes: flow.serverBytes, end: end, issue: issue)
    }

    private mutating func release(key: FlowKey, slot: Int32) {
        index[key] = nil
        flows[Int(slot)].clientStream = ClientStream()
        freeSlots.append(slot)
    }

    /// Reports idle flows and forgets them and the closed ones past their linger time.
    private mutating func sweep(statistics: inout CaptureStatistics) {
        var gone: [(FlowKey, Int32)] = []
        for (key, slot) in index {
            let flow = flows[Int(slot)]
            let idle = now - flow.lastMicros
            if flow.closed ? idle >= lingerMicros : idle >= idleMicros {
                if !flow.closed { report(Int(slot), end: .idle, statistics: &statistics) }
                gone.append((key, slot))
            }
        }
        for (key, slot) in gone { release(key: key, slot: slot) }
    }

    /// Makes room: forgets closed flows, then reports and forgets the least recently
    /// active sixteenth of the rest.
    private mutating func evict(statistics: inout CaptureStatistics) {
        var closed: [(FlowKey, Int32)] = []
        var open: [(FlowKey, Int32, Int64)] = []
        for (key, slot) in index {
            let flow = flows[Int(slot)]
            if flow.closed { closed.append((key, slot)) } else { open.append((key, slot, flow.lastMicros)) }
        }
        for (key, slot) in closed { release(key: key, slot: slot) }
        if index.count < options.maxOpenConnections - options.maxOpenConnections / 16 { return }
        open.sort { ($0.2, flows[Int($0.1)].stream) < ($1.2, flows[Int($1.1)].stream) }
        for (key, slot, _) in open.prefix(max(1, options.maxOpenConnections / 16)) {
            report(Int(slot), end: .evicted, statistics: &statistics)
            release(key: key, slot: slot)
        }
    }

    /// Reports every connection still open (end of input), in stream order.
    mutating func finish(statistics: inout CaptureStatistics) {
        let open = index.values.filter { !flows[Int($0)].closed }.sorted { flows[Int($0)].stream < flows[Int($1)].stream }
        for slot in open { report(Int(slot), end: .open, statistics: &statistics) }
        index = [:]
        flows = []
        freeSlots = []
    }
}
