import Foundation
import TrawlCases
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
        let tail = Process()
        tail.executableURL = URL(fileURLWithPath: options.trawl)
        tail.arguments =
            [
                "tail", dir, "--db", db, "--alerts", fifo, "--from-start", "--stop-when-idle", "5", "--summary-json",
            ] + (options.tailEvaluateEvery.map { ["--evaluate-every", String($0)] } ?? [])
            + (options.tailWindow.map { ["--window", $0] } ?? [])
        let summaryPipe = Pipe()
        tail.standardOutput = summaryPipe
        tail.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try tail.run()
        let pid = tail.processIdentifier

        // Alerts, stamped as they arrive.
        let start = Date()
        let t0 = nowMillis()
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
                    // Event time back to the wall time it was written at.
                    let written = t0 + Int64(Double(trigger - t0) / speed)
                    delays.add(Double(arrived - written) / 1000)
                }
            }
        }
        reader.start()

        // The writer: batches every 10 ms at the target rate; a rotation every minute.
        var generator = StreamGenerator(seed: 42)
        var handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        var written = 0
        var writtenBytes: Int64 = 0
        var samples: [Sample] = []
        var lastSample = -Double.infinity
        var lastRotation = 0.0
        let store = try CaseStore(path: db)
        say(
            "trawl tail: \(options.tailRate) lines/s for \(Int(options.tailSeconds)) s (event time ×\(speed), windows \(options.tailWindow ?? "1h,24h")), log rotated every 60 s …"
        )
        while true {
            let elapsed = Date().timeIntervalSince(start)
            if elapsed >= options.tailSeconds { break }
            let due = Int(elapsed * Double(options.tailRate)) - written
            if due > 0 {
                let now = nowMillis()
                let eventTime = t0 + Int64(Double(now - t0) * speed)
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
                let read = (try? store.tailStreams())?.reduce(0) { $0 + $1.offset } ?? 0
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
                format: "tail: %d lines written in %.0f s (%.0f lines/s); tail caught up %.1f s after the writer stopped, exit %d", written,
                wroteFor, Double(written) / wroteFor, caughtUp, tail.terminationStatus))
        say(
            String(
                format:
                    "alert delay (line written -> alert read, upper bound): p50 %.2f s, p99 %.2f s, max %.2f s over %d alerts (target p99 <= 2 s)",
                pct(0.5), pct(0.99), d.last ?? .nan, d.count))
        say(
            String(
                format: "tail RSS: peak %.0f MB; max after 60 s in the first half %.0f MB, in the second half %.0f MB (flat when close)",
                Double(peak) / 1e6, Double(firstHalf.max() ?? 0) / 1e6, Double(half.max() ?? 0) / 1e6))
        say(
            "RSS over time (s: MB, of which anonymous): "
                + samples.map { String(format: "%.0f:%.0f/%.0f", $0.second, Double($0.rss) / 1e6, Double($0.anonymous) / 1e6) }
                .joined(separator: " "))
        print(
            String(
                format:
                    #"{"tail_lines":%d,"tail_seconds":%.1f,"tail_lines_per_s":%.0f,"tail_catch_up_s":%.1f,"alerts":%d,"delay_p50_s":%.3f,"delay_p99_s":%.3f,"delay_max_s":%.3f,"tail_peak_rss":%d,"tail_rss_first_half":%d,"tail_rss_second_half":%d}"#,
                written, wroteFor, Double(written) / wroteFor, caughtUp, d.count, pct(0.5), pct(0.99), d.last ?? .nan, peak,
                firstHalf.max() ?? 0, half.max() ?? 0))
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
    func add(_ v: Double) {
        lock.lock()
        values.append(v)
        lock.unlock()
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
            let a = Int(pow(Double(Self.benignAccounts), u)) - 1
            text =
                #"{"ts":\#(ts),"account_id":"user-\#(a)","client_ip":"10.\#(a >> 16 & 255).\#(a >> 8 & 255).\#(a & 255)","request_id":"r\#(n)","session_id":"u\#(a)","user_agent":"claude-cli/1.0.\#(a % 90)","plan":"pro","model":"claude-sonnet-4","input_tokens":\#(1000 + r % 3000),"output_tokens":\#(200 + r % 900),"latency_ms":\#(1000 + r % 8000),"turns":\#(1 + r % 4)}"#
        }
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
