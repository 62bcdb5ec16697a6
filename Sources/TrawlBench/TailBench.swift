import Foundation
import TrawlCases
import TrawlFeatures
import TrawlModel
import TrawlPipeline

#if canImport(Glibc)
    import Glibc
#endif

/// The tail stage of the benchmark (`BENCH_STAGES=tail`): writes a log at `tailRate` lines/s
/// for `tailSeconds`, rotating it every minute, while `trawl tail` follows it with its alerts
/// on a pipe, and reports:
/// - lines/s written and read (tail's checkpoints say how far it got; the lag is the rest),
/// - the delay from a line being written to its alert, p50/p99/max: each alert's
///   `trigger_ts` (the earliest request since the account was last scored, so an upper
///   bound on the delay from the request that raised it) against when the alert line came,
/// - tail's resident memory over time (from /proc), and its peak.
///
/// The stream: benign accounts (one address, client and session each, Zipf-distributed
/// volume) and, from the start, a new reseller-like account every second that sends 5
/// requests/s for 30 s from many networks, clients and sessions with long requests in
/// flight (it crosses the alert threshold after a few seconds of it).
/// Requests carry the write time as `ts` (times `tailSpeed`: with a speed above 1 event
/// time runs faster, so windows turn over within the run).
///
/// History (`tailHistoryMillis`, by default the longest window): before the measured minutes
/// the log holds the benign accounts' previous hours, every bucket of every window with
/// requests of every account (4 per bucket of the shortest window, 2 per bucket of the
/// others), so tail's windows are full when the measurement starts, as on a shift that has
/// been running for a day. Tail reads it as fast as it can (not measured) and the stream
/// goes on from the history's last event time. Without history the windows start empty
/// and fill during the run (the 24 h window cannot be full in 10 minutes at event time ×1).
struct TailBench {
    let options: Options

    struct Sample {
        var second: Double
        var rss: Int
        /// Anonymous memory (the heap) of `rss`; the rest is mapped files (the binary, SQLite's shared memory).
        var anonymous: Int
        var written: Int
        var readBytes: Int64
        var writtenBytes: Int64
    }

    func run() throws {
        let dir = "\(options.dir)/tail"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let log = "\(dir)/api.log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let db = "\(dir)/tail.sqlite"

        // Alerts come through a named pipe, read as they are written; the run's summary
        // (with seconds per phase) on standard output at the end.
        let fifo = "\(dir)/alerts.fifo"
        guard mkfifo(fifo, 0o600) == 0 else { throw BenchError("cannot make \(fifo)") }
        // History, written before tail starts: it reads it from the start.
        var generator = StreamGenerator(seed: 42)
        let specs: [WindowSpec]
        switch WindowSpec.parseList(options.tailWindow ?? "1h,24h") {
        case .success(let s): specs = s
        case .failure(let e): throw BenchError("--tail-window: \(e)")
        }
        let historyMillis = min(options.tailHistoryMillis ?? specs.last!.spanMillis, specs.last!.spanMillis)
        let historyEnd = nowMillis()
        var history = (lines: 0, bytes: Int64(0))
        if historyMillis > 0 {
            let t = Date()
            history = try Self.writeHistory(to: log, specs: specs, millis: historyMillis, end: historyEnd, generator: &generator)
            say(
                String(
                    format: "history: %d lines, %.0f MB over the %@ before the stream (every account in every bucket), written in %.1f s",
                    history.lines, Double(history.bytes) / 1e6, WindowSpec(spanMillis: historyMillis)?.description ?? "\(historyMillis) ms",
                    Date().timeIntervalSince(t)))
        }
        // With history tail may pause between reading it and the stream's first line while it
        // works through it: it must not take that for the end of its input.
        let idleLimit = historyMillis > 0 ? 60 : 5
        let tail = Process()
        tail.executableURL = URL(fileURLWithPath: options.trawl)
        tail.arguments =
            [
                "tail", dir, "--db", db, "--alerts", fifo, "--from-start", "--stop-when-idle", String(idleLimit), "--summary-json",
            ] + (options.tailEvaluateEvery.map { ["--evaluate-every", String($0)] } ?? [])
            + (options.tailWindow.map { ["--window", $0] } ?? [])
        let summaryPipe = Pipe()
        tail.standardOutput = summaryPipe
        tail.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try tail.run()
        let pid = tail.processIdentifier

        // Alerts, stamped as they arrive.
        let speed = options.tailSpeed
        let delays = DelayLog()
        let reader = Thread {
            var pending = Data()
            guard let handle = FileHandle(forReadingAtPath: fifo) else { return }
            while true {
                let data = handle.availableData
                if data.isEmpty { break }
                let arrived = nowMillis()
                pending.append(data)
                while let nl = pending.firstIndex(of: 0x0A) {
                    let line = pending[pending.startIndex..<nl]
                    pending.removeSubrange(pending.startIndex...nl)
                    guard let obj = try? JSONSerialization.jsonObject(with: line) as? [String: Any],
                        let trigger = (obj["trigger_ts"] as? String).flatMap({ TimestampParser.parse($0) })
                    else { continue }
                    delays.note(trigger: trigger, arrived: arrived)
                }
            }
        }
        reader.start()

        // Tail works through the history first (not measured).
        let store = try CaseStore(path: db)
        /// Bytes of every stream tail's last checkpoint covers.
        func checkpointed() -> Int64 { (try? store.tailStreams())?.reduce(0) { $0 + $1.offset } ?? 0 }
        var warmUpSeconds = 0.0
        if history.bytes > 0 {
            let t = Date()
            var lastReport = 0.0
            while true {
                let read = checkpointed()
                if read >= history.bytes { break }
                guard tail.isRunning else { throw BenchError("trawl tail stopped while reading the history") }
                let elapsed = Date().timeIntervalSince(t)
                if elapsed - lastReport >= 10 {
                    lastReport = elapsed
                    say(
                        String(
                            format: "  history %4.0f s  tail RSS %5.0f MB  checkpointed %6.0f MB of %6.0f MB", elapsed,
                            Double(Self.rss(pid: pid)) / 1e6, Double(read) / 1e6, Double(history.bytes) / 1e6))
                }
                usleep(200_000)
            }
            warmUpSeconds = Date().timeIntervalSince(t)
            say(
                String(
                    format: "tail read and checkpointed the history in %.1f s (RSS %.0f MB); the stream starts", warmUpSeconds,
                    Double(Self.rss(pid: pid)) / 1e6))
        }

        // The writer: batches every 10 ms at the target rate; a rotation every minute. Event
        // time goes on from the history's end (now, without history).
        let start = Date()
        let t0 = nowMillis()
        let e0 = history.bytes > 0 ? historyEnd : t0
        delays.start(wall: t0, event: e0, speed: speed)
        var handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        handle.seekToEndOfFile()
        var written = 0
        var writtenBytes: Int64 = 0
        var samples: [Sample] = []
        var lastSample = -Double.infinity
        var lastRotation = 0.0
        say(
            "trawl tail: \(options.tailRate) lines/s for \(Int(options.tailSeconds)) s (event time ×\(speed), windows \(options.tailWindow ?? "1h,24h")), log rotated every 60 s …"
        )
        while true {
            let elapsed = Date().timeIntervalSince(start)
            if elapsed >= options.tailSeconds { break }
            let due = Int(elapsed * Double(options.tailRate)) - written
            if due > 0 {
                let now = nowMillis()
                let eventTime = e0 + Int64(Double(now - t0) * speed)
                var bytes: [UInt8] = []
                bytes.reserveCapacity(due * 320)
                for _ in 0..<due { generator.line(at: eventTime, wall: Double(now - t0) / 1000, into: &bytes) }
                handle.write(Data(bytes))
                written += due
                writtenBytes += Int64(bytes.count)
            }
            if elapsed - lastRotation >= 60 {
                lastRotation = elapsed
                try handle.close()
                try? FileManager.default.removeItem(atPath: log + ".1")
                try FileManager.default.moveItem(atPath: log, toPath: log + ".1")
                _ = FileManager.default.createFile(atPath: log, contents: nil)
                handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
            }
            if elapsed - lastSample >= 10 {
                lastSample = elapsed
                let read = checkpointed() - history.bytes
                samples.append(
                    Sample(
                        second: elapsed, rss: Self.rss(pid: pid), anonymous: Self.rss(pid: pid, field: "RssAnon:"), written: written,
                        readBytes: read, writtenBytes: writtenBytes))
                let s = samples.last!
                say(
                    String(
                        format: "  %4.0f s  written %9d lines  tail RSS %5.0f MB  checkpointed %6.0f MB of %6.0f MB  alerts %d", s.second,
                        s.written, Double(s.rss) / 1e6, Double(s.readBytes) / 1e6, Double(s.writtenBytes) / 1e6, delays.count))
            }
            usleep(10_000)
        }
        try handle.close()
        let wroteFor = Date().timeIntervalSince(start)
        say("writing done; waiting for tail to catch up and stop …")
        let summaryData = summaryPipe.fileHandleForReading.readDataToEndOfFile()
        tail.waitUntilExit()
        let caughtUp = Date().timeIntervalSince(start) - wroteFor
        let summary = (try? JSONSerialization.jsonObject(with: summaryData)) as? [String: Any] ?? [:]
        let phases = (summary["phaseSeconds"] as? [String: Double] ?? [:]).sorted { $0.key < $1.key }
        say(
            "tail's seconds per phase (decode on the decoding thread, the rest on the analysis thread): "
                + phases.map { String(format: "%@ %.1f", $0.key, $0.value) }.joined(separator: ", "))
        say("tail read \(summary["lines"] as? Int ?? 0) lines, scored \(summary["windowsScored"] as? Int ?? 0) account windows")

        let d = delays.sorted()
        func pct(_ p: Double) -> Double { d.isEmpty ? .nan : d[min(d.count - 1, Int(Double(d.count) * p))] }
        let peak = samples.map(\.rss).max() ?? 0
        let half = samples.filter { $0.second >= options.tailSeconds / 2 }.map(\.rss)
        let firstHalf = samples.filter { $0.second < options.tailSeconds / 2 && $0.second >= 60 }.map(\.rss)
        say("")
        say(
            String(
                format:
                    "tail: %d lines written in %.0f s (%.0f lines/s); tail stopped %.1f s after the writer (%d s of it its --stop-when-idle), exit %d",
                written, wroteFor, Double(written) / wroteFor, caughtUp, idleLimit, tail.terminationStatus))
        if history.bytes > 0 {
            say(
                String(
                    format: "history: %d lines read and checkpointed in %.1f s before the stream; %d alerts on it (benign: expected 0)",
                    history.lines, warmUpSeconds, delays.warmUpAlerts))
        }
        say(
            String(
                format:
                    "alert delay (line written -> alert read, upper bound): p50 %.2f s, p99 %.2f s, max %.2f s over %d alerts (target p99 <= 2 s)",
                pct(0.5), pct(0.99), d.last ?? .nan, d.count))
        say(
            "longest delays (s after the stream's start the line was written: delay s): "
                + delays.worst(12).map { String(format: "%.1f:%.2f", $0.written, $0.delay) }.joined(separator: " "))
        let longest = (summary["longestSeconds"] as? [String: Double] ?? [:]).sorted { $0.key < $1.key }
        say(
            "tail's longest step of each kind, history included (s): "
                + longest.map { String(format: "%@ %.2f", $0.key, $0.value) }.joined(separator: ", "))
        say(
            String(
                format: "tail RSS: peak %.0f MB; max after 60 s in the first half %.0f MB, in the second half %.0f MB (flat when close)",
                Double(peak) / 1e6, Double(firstHalf.max() ?? 0) / 1e6, Double(half.max() ?? 0) / 1e6))
        if let from = samples.first(where: { $0.second >= 60 }), let to = samples.last, from.rss > 0 {
            say(
                String(
                    format: "tail RSS from %.0f s to %.0f s: %.0f MB -> %.0f MB (%+.1f%%)", from.second, to.second, Double(from.rss) / 1e6,
                    Double(to.rss) / 1e6, 100 * (Double(to.rss) / Double(from.rss) - 1)))
        }
        say(
            "RSS over time (s: MB, of which anonymous): "
                + samples.map { String(format: "%.0f:%.0f/%.0f", $0.second, Double($0.rss) / 1e6, Double($0.anonymous) / 1e6) }
                .joined(separator: " "))
        print(
            String(
                format:
                    #"{"tail_lines":%d,"tail_seconds":%.1f,"tail_lines_per_s":%.0f,"tail_catch_up_s":%.1f,"alerts":%d,"delay_p50_s":%.3f,"delay_p99_s":%.3f,"delay_max_s":%.3f,"tail_peak_rss":%ld,"tail_rss_first_half":%ld,"tail_rss_second_half":%ld,"history_lines":%d,"history_seconds":%.1f}"#,
                written, wroteFor, Double(written) / wroteFor, caughtUp, d.count, pct(0.5), pct(0.99), d.last ?? .nan, peak,
                firstHalf.max() ?? 0, half.max() ?? 0, history.lines, warmUpSeconds))
    }

    /// Writes the benign accounts' history to `path`: for each window, over the time only it
    /// covers (back from the shorter window's span to its own, up to `millis` before `end`),
    /// every account's requests in every bucket (4 per bucket in the shortest window, 2 in
    /// the others), in time order.
    static func writeHistory(
        to path: String, specs: [WindowSpec], millis: Int64, end: Int64, generator: inout StreamGenerator
    ) throws -> (lines: Int, bytes: Int64) {
        let accounts = StreamGenerator.benignAccounts
        var spans: [(from: Int64, to: Int64, bucket: Int64, perBucket: Int)] = []
        var covered: Int64 = 0
        for (i, spec) in specs.enumerated() where covered < millis {
            let upTo = min(spec.spanMillis, millis)
            spans.append((end - upTo, end - covered, spec.bucketMillis, i == 0 ? 4 : 2))
            covered = upTo
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        var lines = 0
        var bytes: Int64 = 0
        var out: [UInt8] = []
        for span in spans.reversed() {
            var slot = span.from
            while slot < span.to {
                let next = min(slot + span.bucket, span.to)
                let n = span.perBucket * accounts
                out.removeAll(keepingCapacity: true)
                for i in 0..<n {
                    generator.benignLine(account: i % accounts, at: slot + (next - slot) * Int64(i) / Int64(n), into: &out)
                }
                handle.write(Data(out))
                lines += n
                bytes += Int64(out.count)
                slot = next
            }
        }
        return (lines, bytes)
    }

    /// Resident memory of a process, from /proc/PID/status (`VmRSS`, or another field in kB).
    static func rss(pid: Int32, field: String = "VmRSS:") -> Int {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix(field) {
            let kb = line.split(separator: " ").compactMap { Int($0) }.first ?? 0
            return kb * 1024
        }
        return 0
    }
}

/// Delays gathered by the alert reader thread.
final class DelayLog: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Double] = []
    /// Per delay, when its line was written (seconds after the stream's start).
    private var writtenAt: [Double] = []
    /// Where the stream starts: the wall time of its first line and that line's event time.
    private var origin: (wall: Int64, event: Int64, speed: Double)?
    private var warmUp = 0

    /// The stream starts: alerts before it (on the history) are counted apart.
    func start(wall: Int64, event: Int64, speed: Double) {
        lock.lock()
        origin = (wall, event, speed)
        lock.unlock()
    }

    /// An alert raised by requests from `trigger` (event time), read at `arrived` (wall time).
    func note(trigger: Int64, arrived: Int64) {
        lock.lock()
        defer { lock.unlock() }
        guard let o = origin, trigger >= o.event else {
            warmUp += 1
            return
        }
        // Event time back to the wall time it was written at.
        let written = o.wall + Int64(Double(trigger - o.event) / o.speed)
        values.append(Double(arrived - written) / 1000)
        writtenAt.append(Double(written - o.wall) / 1000)
    }

    /// The `n` longest delays and when their lines were written, longest first.
    func worst(_ n: Int) -> [(written: Double, delay: Double)] {
        lock.lock()
        defer { lock.unlock() }
        return zip(writtenAt, values).map { (written: $0, delay: $1) }.sorted { $0.delay > $1.delay }.prefix(n).map { $0 }
    }

    /// Alerts on the history.
    var warmUpAlerts: Int {
        lock.lock()
        defer { lock.unlock() }
        return warmUp
    }
    var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return values.count
    }
    func sorted() -> [Double] {
        lock.lock()
        defer { lock.unlock() }
        return values.sorted()
    }
}

/// Canonical log lines of a synthetic stream: benign accounts and short-lived resellers.
struct StreamGenerator {
    static let benignAccounts = 40_000
    private var rng: UInt64
    private var n = 0
    /// Reseller accounts: (number, first second, last second).
    private var resellers: [(id: Int, from: Double, to: Double)] = []
    private var nextReseller = 0.0
    private var resellerCount = 0

    init(seed: UInt64) { rng = seed }

    private mutating func next() -> UInt64 {
        rng = rng &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return mix64(rng)
    }

    /// Appends one line at event time `ts`, `wall` seconds into the run.
    mutating func line(at ts: Timestamp, wall: Double, into out: inout [UInt8]) {
        n += 1
        while nextReseller <= wall {
            resellers.append((resellerCount, nextReseller, nextReseller + 30))
            resellerCount += 1
            nextReseller += 1
        }
        resellers.removeAll { $0.to < wall }
        let r = next()
        var text: String
        // Resellers: 5 requests/s each, about 30 at a time.
        let resellerShare = Double(resellers.count * 5) / 50_000
        if !resellers.isEmpty && Double(r % 1_000_000) / 1e6 < resellerShare {
            let who = resellers[Int(r >> 32) % resellers.count].id
            let k = next()
            text =
                #"{"ts":\#(ts),"account_id":"reseller-\#(who)","client_ip":"\#(20 + k % 100).\#(k >> 8 % 200).\#(k >> 16 % 250).\#(1 + k >> 24 % 250)","request_id":"r\#(n)","session_id":"s\#(k % 100_000)","user_agent":"client-\#(k >> 40 % 12)/1.0","plan":"max_20x","model":"claude-sonnet-4","input_tokens":\#(2000 + k % 5000),"output_tokens":\#(500 + k % 2000),"latency_ms":\#(20_000 + k % 30_000),"turns":3}"#
        } else {
            // Benign: Zipf-like volume over accounts, each with its own address and client.
            let u = Double(r % 1_000_000) / 1e6
            benign(account: Int(pow(Double(Self.benignAccounts), u)) - 1, at: ts, r: r, into: &out)
            return
        }
        out.append(contentsOf: text.utf8)
        out.append(0x0A)
    }

    /// Appends one request of benign account `a` at event time `ts`.
    mutating func benignLine(account a: Int, at ts: Timestamp, into out: inout [UInt8]) {
        n += 1
        benign(account: a, at: ts, r: next(), into: &out)
    }

    private func benign(account a: Int, at ts: Timestamp, r: UInt64, into out: inout [UInt8]) {
        let text =
            #"{"ts":\#(ts),"account_id":"user-\#(a)","client_ip":"10.\#(a >> 16 & 255).\#(a >> 8 & 255).\#(a & 255)","request_id":"r\#(n)","session_id":"u\#(a)","user_agent":"claude-cli/1.0.\#(a % 90)","plan":"pro","model":"claude-sonnet-4","input_tokens":\#(1000 + r % 3000),"output_tokens":\#(200 + r % 900),"latency_ms":\#(1000 + r % 8000),"turns":\#(1 + r % 4)}"#
        out.append(contentsOf: text.utf8)
        out.append(0x0A)
    }
}

/// Milliseconds since the epoch.
func nowMillis() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

/// A benchmark that cannot run, with why.
struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
