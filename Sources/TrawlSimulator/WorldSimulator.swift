import Dispatch
import TrawlModel

/// Writes labelled synthetic worlds in exactly Trawl's input formats.
///
/// Layout of the output folder:
/// - `accounts.jsonl`: the account registry (inputs.md §2), one line per account.
/// - `labels.jsonl`: ground truth (inputs.md §4) plus `population`, one line per account.
/// - `networks.csv`: the synthetic address plan as an intel list (`network,kind,country,asn,as_org,`
///   anonymity flags, location, accuracy radius, time zone) that `trawl intel build` compiles,
///   one row per /16 and IPv6 /32, plus /24 rows an intel feed lists as residential proxies.
/// - `logs/YYYY-MM-DD/part-N.jsonl` (or `.jsonl.gz`): the access log (inputs.md §1), 2–4
///   part files a day, each sorted by time, interleaved with each other like the logs of
///   several edge servers.
/// - with `capture`: `capture/YYYY-MM-DD.pcap`, the edge's capture of the TCP connections
///   the day's requests go over (SYN, SYN-ACK, ClientHello, the server's first flight),
///   which joins to the log lines by `client_ip`, `client_port` and time. People's clients
///   speak their own stacks from their own devices; resellers' relays speak their own
///   (Go, Python, Node.js) through proxy exits whatever User-Agent they forward. The log
///   lines then carry no `ja4` (the capture has the TLS fingerprints); everything else in
///   the world is the same as without a capture.
/// - with `promptText` off (`simulate --no-prompt-text`): text-free logs, whose lines keep
///   `prompt_simhash` but carry no `prompt` or `system_prompt`; every other byte of the
///   world is the same as with text.
public enum WorldSimulator {
    /// Accounts per generation chunk; fixed so that output does not depend on the core count.
    static let chunkSize = 512
    /// zlib level for `.gz` logs.
    static let gzipLevel = 6
    /// Bytes buffered per part file between writes.
    static let writeBlock = 4 << 20

    /// Generates the world of `spec` into `directory` (created if needed; files of the same
    /// names are replaced, and part files of an earlier run in the same day folders removed;
    /// day folders outside this world's days are left alone, so prefer a new folder).
    ///
    /// - Parameters:
    ///   - capture: also write the edge's packet capture.
    ///   - promptText: write `prompt` and `system_prompt` (otherwise only `prompt_simhash`).
    ///   - progress: called on the calling thread after each day with the number of log
    ///     lines written so far.
    /// - Returns: the files written, their total size and the population counts.
    /// - Throws: `SimulatorError` for an invalid spec or an I/O failure.
    /// - Complexity: linear in the lines written; one day of log is held in memory.
    public static func write(
        _ spec: WorldSpec, to directory: String, capture: Bool = false, promptText: Bool = true,
        progress: ((Int) -> Void)? = nil
    ) throws -> WorldSummary {
        let firstDay = try spec.validated()
        let world = WorldBuilder.build(spec, firstDay: firstDay)
        let root = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        try OutputFile.makeDirectory(root + "/logs")
        var files: [String] = []
        var bytes = 0
        for (name, content) in [
            ("accounts.jsonl", RegistryRenderer.registry(world)), ("labels.jsonl", RegistryRenderer.labels(world)),
            ("networks.csv", world.catalog.csv()),
        ] {
            let file = try OutputFile(path: root + "/" + name, gzipLevel: 0)
            try file.write(content)
            try file.close()
            files.append(name)
            bytes += content.count
        }

        var states = [AccountState](repeating: AccountState(), count: world.accounts.count)
        var carry: [DayArena] = []
        var lines = 0
        var partRNG = SimulationRandom(spec.seed, 0x9A27)
        let suffix = spec.compression == .gzip ? ".jsonl.gz" : ".jsonl"
        for d in 0..<spec.days {
            let dayNumber = world.firstDay + Int32(d)
            let context = DayContext(
                index: d, start: Int64(dayNumber) * TimestampParser.millisPerDay,
                weekday: Int((Int64(dayNumber) % 7 + 11) % 7), scale: spec.requestScale)
            let (arenas, spills) = generate(world, context, &states, capture: capture, promptText: promptText)
            let day = SortedDay(arenas: carry + arenas)
            carry = spills
            let parts = partRNG.int(2, 4)
            let folder = "logs/" + TimestampParser.dayString(dayNumber)
            try OutputFile.makeDirectory(root + "/" + folder)
            let names = (0..<parts).map { "\(folder)/part-\($0)\(suffix)" }
            // Part files of an earlier run into the same folder would read as extra log.
            for k in 0..<16 {
                for stale in [".jsonl", ".jsonl.gz"] where k >= parts || stale != suffix {
                    OutputFile.remove(root + "/\(folder)/part-\(k)\(stale)")
                }
            }
            try writeParts(day, names.map { root + "/" + $0 }, gzip: spec.compression == .gzip)
            for name in names {
                files.append(name)
                bytes += OutputFile.size(root + "/" + name)
            }
            if capture {
                try OutputFile.makeDirectory(root + "/capture")
                let name = "capture/\(TimestampParser.dayString(dayNumber)).pcap"
                var connections = day.arenas.flatMap(\.connections)
                if d == spec.days - 1 {
                    // The last day's lines past midnight are not written: nor are their connections.
                    connections.removeAll { $0.start >= context.start + TimestampParser.millisPerDay }
                }
                do { try CaptureDayWriter.write(connections, to: root + "/" + name) } catch {
                    throw SimulatorError(path: root + "/" + name, reason: .io(error.description))
                }
                files.append(name)
                bytes += OutputFile.size(root + "/" + name)
            }
            lines += day.keys.count
            progress?(lines)
        }
        var byPopulation: [String: Int] = [:]
        for (p, n) in world.counts { byPopulation[p.rawValue] = n }
        return WorldSummary(
            files: files, lines: lines, bytes: bytes, accountsByPopulation: byPopulation, operators: world.operators.count)
    }

    /// A pointer that chunks running on several threads write through, each to its own slots.
    private struct SharedSlots<T>: @unchecked Sendable {
        let base: UnsafeMutablePointer<T>
    }

    /// Generates one day for every account, in parallel over fixed chunks of accounts.
    private static func generate(
        _ world: World, _ day: DayContext, _ states: inout [AccountState], capture: Bool, promptText: Bool
    ) -> ([DayArena], [DayArena]) {
        let n = world.accounts.count
        let chunks = (n + chunkSize - 1) / chunkSize
        let results = UnsafeMutablePointer<(DayArena, DayArena)>.allocate(capacity: chunks)
        results.initialize(repeating: (DayArena(), DayArena()), count: chunks)
        defer { results.deinitialize(count: chunks).deallocate() }
        let out = SharedSlots(base: results)
        states.withUnsafeMutableBufferPointer { buffer in
            let stateSlots = SharedSlots(base: buffer.baseAddress!)
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                var generator = ActivityGenerator(world: world)
                generator.capture = capture
                generator.promptText = promptText
                var arena = DayArena()
                var spill = DayArena()
                for a in (c * chunkSize)..<min(n, (c + 1) * chunkSize) {
                    generator.run(account: a, state: &stateSlots.base[a], day: day, into: &arena, spill: &spill)
                }
                out.base[c] = (arena, spill)
            }
        }
        var arenas: [DayArena] = []
        var spills: [DayArena] = []
        for c in 0..<chunks {
            arenas.append(results[c].0)
            spills.append(results[c].1)
        }
        return (arenas, spills)
    }

    /// Writes the sorted day into its part files, one thread per part.
    private static func writeParts(_ day: SortedDay, _ paths: [String], gzip: Bool) throws {
        let parts = paths.count
        let errors = UnsafeMutablePointer<SimulatorError?>.allocate(capacity: parts)
        errors.initialize(repeating: nil, count: parts)
        defer { errors.deinitialize(count: parts).deallocate() }
        let errorSlots = SharedSlots(base: errors)
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            do {
                let file = try OutputFile(path: paths[part], gzipLevel: gzip ? gzipLevel : 0)
                var buffer: [UInt8] = []
                buffer.reserveCapacity(writeBlock + 65536)
                for key in day.keys {
                    let (a, i) = day.locate(Int(key & SortedDay.lineMask))
                    let arena = day.arenas[a]
                    guard Int(arena.parts[i]) % parts == part else { continue }
                    let start = arena.starts[i], end = arena.end(ofLine: i)
                    arena.bytes.withUnsafeBufferPointer { buffer.append(contentsOf: $0[start..<end]) }
                    if buffer.count >= writeBlock {
                        try file.write(buffer)
                        buffer.removeAll(keepingCapacity: true)
                    }
                }
                try file.write(buffer)
                try file.close()
            } catch let error as SimulatorError {
                errorSlots.base[part] = error
            } catch {
                errorSlots.base[part] = SimulatorError(path: paths[part], reason: .io("\(error)"))
            }
        }
        for k in 0..<parts { if let e = errors[k] { throw e } }
    }
}
