import Foundation
import TestSupport
import Testing
import TrawlCapture
import TrawlCases
import TrawlFeatures
import TrawlModel
import TrawlPipeline
import TrawlSimulator

#if canImport(Glibc)
    import Glibc
#endif

/// A small simulated day, its lines in time order (as one edge would log them) and its labels.
struct TailWorld: Sendable {
    let directory: String
    let lines: [String]
    let labels: GroundTruth

    /// Generated once per test process (worlds are deterministic).
    static let shared: TailWorld = {
        let dir = NSTemporaryDirectory() + "trawl-tail-world-\(getpid())"
        try? FileManager.default.removeItem(atPath: dir)
        let spec = WorldSpec(seed: 11, accounts: 320, days: 1, startDay: "2026-11-21", requestScale: 0.1)
        _ = try! WorldSimulator.write(spec, to: dir)
        var lines: [String] = []
        for name in try! FileManager.default.contentsOfDirectory(atPath: dir + "/logs/2026-11-21").sorted() {
            let text = try! String(contentsOfFile: dir + "/logs/2026-11-21/" + name, encoding: .utf8)
            lines += text.split(separator: "\n").map(String.init)
        }
        // Every line starts with {"ts":"2026-11-21T…Z": the text orders like the time.
        lines.sort { $0.prefix(33) < $1.prefix(33) }
        return TailWorld(directory: dir, lines: lines, labels: try! GroundTruth.load(path: dir))
    }()

    var accounts: String { directory + "/accounts.jsonl" }

    static let hardNegatives: Set<String> = [
        "individual", "carrier_cgnat", "office_nat", "university_nat", "vpn_user", "traveller", "heavy_automation", "team_many_keys",
        "power_user", "benchmark_burst", "agent_fixed_system", "team_prompt_library",
    ]
}

/// Appends to a file as a logging server does (at its end, like O_APPEND).
func append(_ lines: ArraySlice<String>, to path: String) throws {
    if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    defer { try? handle.close() }
    handle.seekToEndOfFile()
    handle.write(Data((lines.joined(separator: "\n") + "\n").utf8))
}

/// `trawl tail` as a child process, its output in files.
final class TailProcess {
    let process = Process()
    let stdout: String
    let stderr: String

    init(_ arguments: [String], in dir: TemporaryDirectory, name: String = "tail") throws {
        stdout = dir.file("\(name).out")
        stderr = dir.file("\(name).err")
        _ = FileManager.default.createFile(atPath: stdout, contents: nil)
        _ = FileManager.default.createFile(atPath: stderr, contents: nil)
        process.executableURL = URL(fileURLWithPath: builtProduct("trawl"))
        process.arguments = ["tail"] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(
            ["TRAWL_RULES": repositoryRoot() + "/rules", "TRAWL_LOG": "notice"]) { $1 }
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: stdout))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderr))
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    /// Waits for the process to exit (at most `seconds`, then kills it) and returns its status.
    func wait(seconds: Double = 180) -> Int32 {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return process.terminationStatus
    }

    var output: String { (try? String(contentsOfFile: stdout, encoding: .utf8)) ?? "" }
    var errors: String { (try? String(contentsOfFile: stderr, encoding: .utf8)) ?? "" }
}

/// Polls `condition` until it holds or `seconds` pass; returns whether it held.
func eventually(seconds: Double = 60, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try condition() { return true }
        usleep(20_000)
    }
    return try condition()
}

/// Requests per account in a checkpoint's longest window: every request is in exactly one
/// stored bucket, of the shortest window that held it.
func requestsInCheckpoint(_ store: CaseStore) throws -> [String: Int] {
    var out: [String: Int] = [:]
    for b in try store.loadTailCheckpoint()?.buckets ?? [] {
        out[b.accountID, default: 0] += try AccountDayState(decoding: b.state).requests
    }
    return out
}

@Suite(.serialized) struct TailTests {
    /// A simulated day appended to a log that is rotated twice (rename, then copy-truncate)
    /// while `trawl tail` follows its folder: every abusive account of the populations the
    /// rules find is alerted, no hard negative is, and every line is read exactly once.
    @Test func rotatedTwiceAlertsOnAbuseNotOnHardNegatives() throws {
        let world = TailWorld.shared
        let dir = try TemporaryDirectory("trawl-tail-e2e")
        defer { dir.remove() }
        try FileManager.default.createDirectory(atPath: dir.file("logs"), withIntermediateDirectories: true)
        let log = dir.file("logs/api.log")
        try append(world.lines[..<1], to: log)
        let tail = try TailProcess(
            [
                dir.file("logs"), "--accounts", world.accounts, "--db", dir.file("cases.sqlite"), "--alerts", dir.file("alerts.jsonl"),
                "--from-start", "--checkpoint-every", "0.3", "--stop-when-idle", "4", "--rotation-grace", "0.3", "--rescan-every", "0.1",
                "--settle", "0.3", "--link-every", "2", "--summary-json",
            ], in: dir)
        let n = world.lines.count
        let cuts = [1, n / 3, 2 * n / 3, n]
        let store = try CaseStore(path: dir.file("cases.sqlite"))
        var written = 0
        /// Waits until the checkpoints account for every byte written so far.
        func waitUntilRead() throws {
            let read = try eventually {
                try (store.loadTailCheckpoint()?.streams ?? []).reduce(0) { $0 + Int($1.offset) } >= written
            }
            #expect(read, "tail did not keep up: \(tail.errors)")
        }
        try append(world.lines[cuts[0]..<cuts[1]], to: log)
        written = (try FileManager.default.attributesOfItem(atPath: log)[.size] as! NSNumber).intValue
        try waitUntilRead()
        // First rotation: rename, a new file at the path.
        try FileManager.default.moveItem(atPath: log, toPath: dir.file("logs/api.log.1"))
        try append(world.lines[cuts[1]..<cuts[2]], to: log)
        written += (try FileManager.default.attributesOfItem(atPath: log)[.size] as! NSNumber).intValue
        try waitUntilRead()
        // An analyst reads the cases while tail writes them.
        let list = try runCommand(builtProduct("trawl"), ["cases", "list", "--db", dir.file("cases.sqlite"), "--json"])
        #expect(list.status == 0, "\(list.stderr)")
        #expect(list.stdout.contains(#""kind":"account""#))
        // Second rotation: copy, then truncate in place.
        try FileManager.default.copyItem(atPath: log, toPath: dir.file("logs/api.log.2"))
        truncate(log, 0)
        try append(world.lines[cuts[2]..<cuts[3]], to: log)
        #expect(tail.wait() == 0, "\(tail.errors)")

        let summary = try JSONSerialization.jsonObject(with: Data(tail.output.utf8)) as? [String: Any]
        #expect(summary?["lines"] as? Int == n, "every line once")
        #expect(summary?["badLines"] as? Int == 0)
        #expect(tail.errors.contains("rotated") || tail.errors.contains("renamed"))
        #expect(tail.errors.contains("truncated"))

        let alerts = try String(contentsOfFile: dir.file("alerts.jsonl"), encoding: .utf8).split(separator: "\n").map {
            try JSONDecoder().decode(AlertLine.self, from: Data($0.utf8))
        }
        let alerted = Set(alerts.compactMap(\.account_id))
        func accounts(_ population: String) -> [String] {
            world.labels.labels.filter { $0.value.population == population }.map(\.key).sorted()
        }
        for population in ["pooled", "distillation"] {
            let members = accounts(population)
            #expect(members.count >= 8, "\(population) too small to judge")
            let missed = members.filter { !alerted.contains($0) }
            #expect(missed.isEmpty, "\(population) not alerted: \(missed)")
        }
        for population in TailWorld.hardNegatives {
            let members = accounts(population)
            #expect(!members.isEmpty, "\(population) missing from the world")
            let wrong = members.filter { alerted.contains($0) }
            #expect(wrong.isEmpty, "\(population) alerted: \(wrong)")
        }
        // Once per escalation: an account's alerts climb band by band, never repeat one.
        for id in alerted {
            let bands = alerts.filter { $0.account_id == id }.map { AlertLine.bandNames.firstIndex(of: $0.band)! }
            #expect(bands == bands.sorted() && Set(bands).count == bands.count, "\(id): \(bands)")
        }
        // Each alert names its case, which the store holds.
        for a in alerts.prefix(20) {
            let id = try #require(a.case_id)
            #expect(try store.caseDetail(id: id)?.summary.subject == a.account_id ?? a.cluster_id)
        }
    }

    /// Killed with SIGKILL mid-stream and started again, tail counts every request exactly
    /// once: its window holds the same per-account counts as a batch run over the same lines.
    /// (A 48 h window holds the whole day whatever an account's phase: a 24 h one may have
    /// let an account's first minutes go, as its buckets begin a few minutes after midnight.)
    @Test func sigkillAndRestartCountEveryLineOnce() throws {
        let world = TailWorld.shared
        let dir = try TemporaryDirectory("trawl-tail-kill")
        defer { dir.remove() }
        let log = dir.file("api.log")
        let db = dir.file("cases.sqlite")
        let lines = world.lines
        let half = lines.count / 2
        try append(lines[..<(half / 2)], to: log)
        let first = try TailProcess(
            [log, "--db", db, "--from-start", "--checkpoint-every", "0.2", "--window", "1h,48h"], in: dir, name: "first")
        try append(lines[(half / 2)..<half], to: log)
        // Killed once a checkpoint holds part of the stream (and more is still being read).
        let store = try CaseStore(path: db)
        let checkpointed = try eventually {
            let offset = try store.loadTailCheckpoint()?.streams.first?.offset ?? 0
            return offset > 0
        }
        #expect(checkpointed, "\(first.errors)")
        try append(lines[half..<(half + 500)], to: log)
        kill(first.process.processIdentifier, SIGKILL)
        first.process.waitUntilExit()
        #expect(first.process.terminationReason == .uncaughtSignal)
        let killedAt = try store.loadTailCheckpoint()?.streams.first?.offset ?? 0
        let size = Int64((try FileManager.default.attributesOfItem(atPath: log)[.size] as? NSNumber)?.intValue ?? 0)
        #expect(killedAt > 0 && killedAt < size, "killed mid-stream: checkpoint at \(killedAt) of \(size) bytes")

        try append(lines[(half + 500)...], to: log)
        let second = try TailProcess(
            [log, "--db", db, "--stop-when-idle", "2", "--summary-json", "--window", "1h,48h"], in: dir, name: "second")
        #expect(second.wait() == 0, "\(second.errors)")
        #expect(second.errors.contains("resumed from a checkpoint"))
        // It read the lines after the checkpoint's offset, and only those.
        let rest = try Data(contentsOf: URL(fileURLWithPath: log))[Int(killedAt)...].filter { $0 == 0x0A }.count
        let summary = try JSONSerialization.jsonObject(with: Data(second.output.utf8)) as? [String: Any]
        #expect(summary?["lines"] as? Int == rest)

        var options = AnalyzeOptions(inputs: [log])
        options.databasePath = dir.file("batch.sqlite")
        options.rulesDirectory = repositoryRoot() + "/rules"
        var batch: [String: Int] = [:]
        for r in try BatchAnalyzer.run(options).results {
            batch[r.features.accountID, default: 0] += Int(r.features.features["requests"]?.number ?? 0)
        }
        let tail = try requestsInCheckpoint(store)
        #expect(batch.values.reduce(0, +) == lines.count)
        #expect(tail.count == batch.count)
        let differing = batch.filter { tail[$0.key] != $0.value }.map(\.key).sorted()
        #expect(differing.isEmpty, "accounts whose counts differ: \(differing.prefix(10))")
    }

    /// User agents, prompts and account ids with ANSI escape sequences reach the board sanitised.
    @Test func boardShowsNoEscapeSequences() throws {
        let dir = try TemporaryDirectory("trawl-tail-board")
        defer { dir.remove() }
        var lines: [String] = []
        for i in 0..<40 {
            lines.append(
                #"{"ts":"2026-11-21T10:\#(String(format: "%02d", i % 60)):00Z","account_id":"acct-\u001b[1mbold","client_ip":"10.0.\#(i).1","user_agent":"evil\u001b[31mRED\u001b[0m-agent\u0007","prompt":"please \u001b]0;pwned\u0007 answer\u001b[2J now \#(i)","latency_ms":900}"#
            )
        }
        try dir.write("api.log", text: lines.joined(separator: "\n") + "\n")
        let tail = try TailProcess(
            [
                dir.file("api.log"), "--db", dir.file("cases.sqlite"), "--from-start", "--board", "--keep-samples", "2", "--stop-when-idle",
                "1",
            ],
            in: dir)
        #expect(tail.wait() == 0, "\(tail.errors)")
        // The board's own cursor controls, and then nothing else of the kind.
        let frames = tail.errors.components(separatedBy: "\u{1B}[H\u{1B}[2J")
        #expect(frames.count > 1)
        let text = frames.dropFirst().joined()
        #expect(!text.contains("\u{1B}"))
        #expect(!text.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" })
        #expect(text.contains("evilRED-agent"))
        #expect(text.contains("acct-bold"))
        #expect(text.contains("prompt: please"))
        #expect(text.contains("answer now"))
    }
}

@Suite struct TailBoardTests {
    /// Every log-derived field, with escapes, controls and bidi overrides in it.
    @Test func renderedFrameHoldsNoControlCharacters() {
        let evil = "x\u{1B}[31my\u{1B}]8;;http://e\u{07}z\u{202E}w\u{0008}\u{9B}v"
        let snapshot = BoardSnapshot(
            time: Date(timeIntervalSince1970: 1_795_000_000), watermark: 1_795_000_000_000, linesPerSecond: 51_234, lines: 3_000_000,
            events: 2_999_000, badLines: 3, lateRequests: 0, alerts: 12, accounts: 4321, windows: ["1h", "24h"], residentBytes: 400_000_000,
            sources: [.init(path: "/var/log/\(evil).log", offset: 1 << 30, finished: false)],
            topAccounts: [
                .init(
                    accountID: "acct-\(evil)", score: 0.97, window: "1h", requests: 1234, networks: 40, addresses: 120, concurrency: 8.5,
                    userAgent: "ua-\(evil)", rules: ["pool.many_networks"], promptSample: "prompt-\(evil)", band: 2)
            ],
            clusters: [.init(id: "op-\(evil)", members: ["m-\(evil)"], score: 0.99, rules: ["r-\(evil)"])], linkingNote: nil)
        let frame = TailBoard.render(snapshot, width: 200)
        let controls = frame.unicodeScalars.filter { s in
            let v = s.value
            return (v < 0x20 && v != 0x0A) || v == 0x7F || (0x80...0x9F).contains(v)
        }
        #expect(controls.isEmpty)
        #expect(!frame.contains("\u{202E}"))
        #expect(frame.contains("acct-xy"))
        #expect(frame.contains("ua-xy"))
        #expect(frame.contains("high"))
        #expect(frame.contains("51k lines/s"))
    }
}

/// The analysis in process: alerts climb band by band, and a resumed run remembers them.
@Suite struct TailAlertTests {
    /// With one analysis thread and with three (accounts split over lanes), and a restart
    /// with the other number.
    @Test(arguments: [1, 3])
    func alertsOncePerEscalationAndNotAgainAfterARestart(analysisThreads: Int) throws {
        let dir = try TemporaryDirectory("trawl-tail-alerts")
        defer { dir.remove() }
        let log = dir.file("api.log")
        try dir.write("api.log", text: handMadeDay("2026-11-21"))
        var options = TailOptions(sources: [log])
        options.databasePath = dir.file("cases.sqlite")
        options.rulesDirectory = repositoryRoot() + "/rules"
        options.alertsPath = dir.file("alerts.jsonl")
        options.fromStart = true
        options.stopWhenIdle = 0.5
        options.evaluateEvery = 0.05
        options.analysisThreads = analysisThreads
        let first = try TailRunner.run(options)
        func alerts() throws -> [AlertLine] {
            try String(contentsOfFile: dir.file("alerts.jsonl"), encoding: .utf8).split(separator: "\n").map {
                try JSONDecoder().decode(AlertLine.self, from: Data($0.utf8))
            }
        }
        let raised = try alerts()
        #expect(first.alerts == raised.count)
        #expect(Set(raised.compactMap(\.account_id)) == ["acct-pool"])
        let bands = raised.map { AlertLine.bandNames.firstIndex(of: $0.band)! }
        #expect(bands == bands.sorted() && Set(bands).count == bands.count)
        #expect(raised.last?.case_id == 1)
        #expect(first.casesOpened == 1)
        // The whole day is in the 24h window: its score there is the batch pass's for the day.
        var batch = AnalyzeOptions(inputs: [log])
        batch.databasePath = dir.file("batch.sqlite")
        batch.rulesDirectory = options.rulesDirectory
        let day = try #require(try BatchAnalyzer.run(batch).scores.first { $0.account_id == "acct-pool" })
        let dayBand = [0.5, 0.9, 0.99].filter { day.score >= $0 }.count
        #expect(dayBand >= 1 && bands.last! + 1 >= dayBand)
        // More of the same after a restart: re-scored in the same band, so no alert again
        // (a run that forgot its alerts would raise them anew).
        let more = handMadeDay("2026-11-21").split(separator: "\n").filter { $0.contains("acct-pool") }.suffix(8).map(String.init)
        try append(more[...], to: log)
        options.analysisThreads = 4 - analysisThreads
        let second = try TailRunner.run(options)
        #expect(second.resumed)
        #expect(second.lines == 8)
        #expect(second.alerts == 0)
        #expect(try alerts().count == raised.count)
    }
}

/// A TCP connection on 127.0.0.1 that stays open, its client having sent a ClientHello.
struct LoopbackConnection {
    let listener: Int32, client: Int32, server: Int32
    let clientPort: UInt16

    init(serverPort: UInt16, hello: [UInt8]) throws {
        struct Failure: Error { let step: String }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = serverPort.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var one: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(listener, 1) == 0 else { throw Failure(step: "bind/listen") }
        let client = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(client, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw Failure(step: "connect") }
        let server = accept(listener, nil, nil)
        var local = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &local) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(client, $0, &length) }
        }
        _ = hello.withUnsafeBytes { send(client, $0.baseAddress, $0.count, 0) }
        var buffer = [UInt8](repeating: 0, count: 8192)
        _ = recv(server, &buffer, buffer.count, 0)
        self.listener = listener
        self.client = client
        self.server = server
        clientPort = UInt16(bigEndian: local.sin_port)
    }

    func close() {
        Glibc.close(client)
        Glibc.close(server)
        Glibc.close(listener)
    }
}

@Suite struct TailCaptureTests {
    /// Whether this machine lets trawl capture on the loopback interface (root, packet sockets).
    static let loopbackCaptureWorks: Bool = {
        guard getuid() == 0, let probe = try? runCommand(builtProduct("trawl"), ["capture", "--interface", "lo", "--duration", "0.2"])
        else { return false }
        return probe.status == 0
    }()

    /// A request logged on a connection that is still open joins its captured ClientHello:
    /// the account's state counts it as captured and holds the capture's JA4 (the line has
    /// none), and its case (every account is flagged at this threshold) names that JA4 by
    /// its text, which only the capture knew.
    @Test(.enabled(if: loopbackCaptureWorks, "live capture on lo needs root and packet sockets (skipped here)"))
    func liveCaptureJoinsRequestsOnOpenConnections() throws {
        let dir = try TemporaryDirectory("trawl-tail-capture")
        defer { dir.remove() }
        let log = dir.file("api.log")
        let db = dir.file("cases.sqlite")
        let port = UInt16.random(in: 20_000...40_000)
        try append([#"{"ts":\#(Int64(Date().timeIntervalSince1970 * 1000)),"account_id":"warm-up","client_ip":"10.0.0.1"}"#][...], to: log)
        let tail = try TailProcess(
            [
                log, "--interface", "lo", "--filter", "tcp port \(port)", "--db", db, "--from-start", "--checkpoint-every", "0.2",
                "--threshold", "0.0001",
            ], in: dir)
        defer {
            kill(tail.process.processIdentifier, SIGTERM)
            _ = tail.wait(seconds: 30)
        }
        let store = try CaseStore(path: dir.file("cases.sqlite"))
        #expect(try eventually { try store.loadTailCheckpoint() != nil }, "\(tail.errors)")
        // The capture starts beside the logs: a connection made before it listens is missed,
        // so each attempt makes a new one, until one joins.
        var joined: (account: String, state: AccountDayState)?
        for attempt in 0..<10 where joined == nil {
            let connection = try LoopbackConnection(
                serverPort: port, hello: ClientHelloBuilder.record(ClientHelloProfile.Known.python, serverName: "api.example", seed: 7))
            defer { connection.close() }
            // The server logs the request once it has answered it, a while after the
            // handshake (longer at each attempt, in case the capture is slow to start).
            usleep(UInt32(min(2_000_000, 200_000 * (attempt + 1))))
            let account = "acct-live-\(attempt)"
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            try append(
                [#"{"ts":\#(now),"account_id":"\#(account)","client_ip":"127.0.0.1","client_port":\#(connection.clientPort)}"#][...],
                to: log)
            var state: AccountDayState?
            _ = try eventually(seconds: 10) {
                state = try store.loadTailCheckpoint()?.buckets.first { $0.accountID == account }.map {
                    try AccountDayState(decoding: $0.state)
                }
                return state != nil
            }
            if let state, state.captured == 1 { joined = (account, state) }
        }
        let (account, state) = try #require(joined, "\(tail.errors)")
        #expect(state.captured == 1)
        #expect(!state.ja4s.isEmpty)
        var ja4s: [String]?
        _ = try eventually(seconds: 10) {
            guard let id = try store.caseID(kind: .account, subject: account) else { return false }
            ja4s = try store.caseDetail(id: id)?.days.last?.evidence.topJA4s?.map(\.value)
            return ja4s != nil
        }
        // A JA4 as text (`t13d1516h2_8daaf6152771_02713d6af862`), not a hash (`ja4:85744b5329d5145b`).
        let text = try #require(ja4s?.first, "\(tail.errors)")
        #expect(ja4s?.count == 1)
        #expect(text.wholeMatch(of: /[tqd]1[0-3s][di]\d{4}[0-9a-z]{2}_[0-9a-f]{12}_[0-9a-f]{12}/) != nil, "\(text)")
    }
}

/// Linking in a live run: the operators of a simulated day become cluster cases, with no
/// hard negative in them, and an account of a known network that starts later joins its
/// network's existing case instead of opening another.
@Suite struct TailLinkingTests {
    @Test func operatorsBecomeClusterCasesAndANewcomerJoinsItsNetworksCase() throws {
        let world = TailWorld.shared
        let dir = try TemporaryDirectory("trawl-tail-link")
        defer { dir.remove() }
        // The biggest operator network; its last account starts only after a first run.
        var networks: [String: [String]] = [:]
        for (id, label) in world.labels.labels { if let op = label.operator { networks[op, default: []].append(id) } }
        let (op, members) = try #require(networks.max { ($0.value.count, $1.key) < ($1.value.count, $0.key) })
        #expect(members.count >= 4, "\(op): \(members.count) accounts")
        let newcomer = members.sorted().last!
        let log = dir.file("api.log")
        let marker = "\"account_id\":\"\(newcomer)\""
        try append(world.lines.filter { !$0.contains(marker) }[...], to: log)

        var options = TailOptions(sources: [log])
        options.databasePath = dir.file("cases.sqlite")
        options.rulesDirectory = repositoryRoot() + "/rules"
        options.accountsPath = world.accounts
        options.alertsPath = dir.file("alerts.jsonl")
        options.fromStart = true
        options.stopWhenIdle = 0.5
        options.linkEvery = 3600  // linked once, when the run ends
        let first = try TailRunner.run(options)
        #expect(first.linkRuns == 1)
        #expect(first.clusterCasesOpened >= 4, "\(first.clusterCasesOpened) cluster cases")
        let store = try CaseStore(path: options.databasePath)
        func clusterCases() throws -> [(id: Int64, members: Set<String>)] {
            try store.listCases(CaseFilter(kind: .cluster)).map { c in
                let detail = try #require(try store.caseDetail(id: c.id)?.cluster)
                return (c.id, Set(detail.members.filter(\.active).map(\.accountID)))
            }
        }
        // Every flagged cluster is abuse: no hard negative is a member of one.
        for c in try clusterCases() {
            let benign = c.members.filter { TailWorld.hardNegatives.contains(world.labels.labels[$0]?.population ?? "") }
            #expect(benign.isEmpty, "case \(c.id) holds \(benign.sorted())")
        }
        let known = try #require(try clusterCases().first { $0.members.intersection(members).count >= 2 }, "\(op) not clustered")
        #expect(!known.members.contains(newcomer))
        let alerts = try String(contentsOfFile: dir.file("alerts.jsonl"), encoding: .utf8).split(separator: "\n").map {
            try JSONDecoder().decode(AlertLine.self, from: Data($0.utf8))
        }
        let alert = try #require(alerts.first { $0.kind == "cluster" && $0.case_id == known.id })
        #expect(Set(alert.members ?? []) == known.members)

        // The newcomer's day arrives: it joins the same case, and no other case is opened for it.
        try append(world.lines.filter { $0.contains(marker) }[...], to: log)
        let second = try TailRunner.run(options)
        #expect(second.resumed)
        let after = try clusterCases()
        let holding = after.filter { $0.members.contains(newcomer) }
        #expect(holding.map(\.id) == [known.id], "newcomer in cases \(holding.map(\.id)), network's case \(known.id)")
        #expect(second.clusterCasesUpdated >= 1)
    }
}

/// A live run names the JA4s in its cases' evidence by their text (from the log's `ja4`),
/// as a batch run does, not by their hash.
@Suite struct TailEvidenceTests {
    @Test func casesNameTheLogsJA4s() throws {
        let dir = try TemporaryDirectory("trawl-tail-ja4")
        defer { dir.remove() }
        let ja4 = "t13d1516h2_8daaf6152771_02713d6af862"
        let day = handMadeDay("2026-11-21").split(separator: "\n").map { line in
            guard line.contains("acct-pool") else { return String(line) }
            return line.replacingOccurrences(of: #","turns":3}"#, with: #","turns":3,"ja4":"\#(ja4)"}"#)
        }
        try dir.write("api.log", text: day.joined(separator: "\n") + "\n")
        var options = TailOptions(sources: [dir.file("api.log")])
        options.databasePath = dir.file("cases.sqlite")
        options.rulesDirectory = repositoryRoot() + "/rules"
        options.fromStart = true
        options.stopWhenIdle = 0.5
        options.link = false
        let summary = try TailRunner.run(options)
        #expect(summary.casesOpened == 1)
        let store = try CaseStore(path: options.databasePath)
        let id = try #require(try store.caseID(kind: .account, subject: "acct-pool"))
        let evidence = try #require(try store.caseDetail(id: id)?.days.last?.evidence)
        #expect(evidence.topJA4s?.map(\.value) == [ja4])
    }
}
