import ArgumentParser
import Foundation
import TrawlPipeline
import TrawlSimulator

struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Write a labelled synthetic world: access logs, account registry and ground truth.",
        discussion: """
            The world holds benign individuals and hard negatives (carrier CGNAT, office and
            university NAT, VPN users, travellers, heavy legitimate automation, teams with many
            keys, power users running parallel coding agents, one-off benchmark runs, agents
            with a fixed system prompt, teams sharing a prompt library) beside pooled
            resellers, distillation operators and evasive variants of both (distillation also
            spread thinly over many accounts). labels.jsonl names each account's population.
            Files follow the input contract exactly: DIR/logs/DAY/part-N.jsonl[.gz],
            DIR/accounts.jsonl and DIR/labels.jsonl. The same seed gives the same bytes.
            DIR/networks.csv is the address plan as an intel list, compiled into
            DIR/geoip/world.mmdb for `trawl analyze --geoip`.
            With --pcap the world also has the edge's packet capture, DIR/capture/DAY.pcap:
            per connection a SYN from the client's OS (or a proxy exit's, with the MSS of its
            tunnel) and a ClientHello of the client's TLS stack (or of the reseller's relay);
            the log lines then leave out ja4. Analyse with `--pcap DIR/capture/*.pcap`.
            With --no-prompt-text the log keeps no prompt text: lines carry prompt_simhash
            but no prompt or system_prompt, and are otherwise the same as with text.

            Example:
              trawl simulate --out world --seed 7 --accounts 2000 --days 2 --gzip
              trawl simulate --out world --seed 3 --accounts 1000 --request-scale 0.2 --pcap
            """)

    @Option(help: "Output folder (created).") var out: String
    @Option(help: "Random seed; the same seed writes the same world.") var seed: UInt64 = 1
    @Option(help: "Number of accounts.") var accounts = 2000
    @Option(help: "Number of days.") var days = 1
    @Option(help: "First day (YYYY-MM-DD).") var startDay = "2026-11-21"
    @Option(help: "Multiply every account's request volume (1 = realistic, about 435 KB per account-day).")
    var requestScale = 1.0
    @Flag(help: "gzip the log files.") var gzip = false
    @Flag(help: "Also write the edge's packet capture, DIR/capture/DAY.pcap (the log lines then carry no ja4).")
    var pcap = false
    @Flag(help: "Leave prompt and system_prompt out of the log lines (they keep prompt_simhash).")
    var noPromptText = false

    func validate() throws {
        if accounts < 1 { throw ValidationError("--accounts must be at least 1") }
        if days < 1 { throw ValidationError("--days must be at least 1") }
        if requestScale <= 0 { throw ValidationError("--request-scale must be positive") }
    }

    func run() throws {
        let spec = WorldSpec(
            seed: seed, accounts: accounts, days: days, startDay: startDay, compression: gzip ? .gzip : .none, requestScale: requestScale)
        let summary = try SimulateCommand.write(spec, to: out, capture: pcap, promptText: !noPromptText)
        Terminal.say("wrote \(summary.lines) log lines (\(Terminal.bytes(summary.bytes))) for \(accounts) accounts to \(out)")
        Terminal.emit(summary)
    }

    static func write(_ spec: WorldSpec, to dir: String, capture: Bool = false, promptText: Bool = true) throws -> WorldSummary {
        do {
            let summary = try WorldSimulator.write(spec, to: dir, capture: capture, promptText: promptText) { lines in
                if Terminal.isTerminal { FileHandle.standardError.write(Data("\r\u{1B}[Ksimulating: \(Terminal.count(lines)) lines".utf8)) }
            }
            try WorldGeoIP.build(world: dir)
            return summary
        } catch {
            Terminal.clearProgress()
            throw CommandFailure(74, "\(dir): \(error)")
        }
    }
}
