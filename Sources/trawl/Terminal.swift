import Foundation
import TrawlModel
import TrawlPipeline

#if canImport(Glibc)
    import Glibc
#endif

/// Human output on standard error: messages, progress, summaries.
enum Terminal {
    static let isTerminal = isatty(2) == 1

    static func say(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    static func error(_ text: String) { say("trawl: error: " + text) }

    /// Writes one JSON value as a line on standard output.
    static func emit<T: Encodable>(_ value: T) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        guard var data = try? encoder.encode(value) else { return }
        data.append(0x0A)
        FileHandle.standardOutput.write(data)
    }

    /// A progress callback that redraws one line, or `nil` when stderr is not a terminal.
    static func progressLine() -> (@Sendable (ProgressSnapshot) -> Void)? {
        guard isTerminal else { return nil }
        return { p in
            if p.phase != "reading" {
                let text = "\(p.phase) · \(count(p.lines)) lines read in \(String(format: "%.1f", p.seconds)) s"
                FileHandle.standardError.write(Data(("\r\u{1B}[K" + text).utf8))
                return
            }
            var text = "read \(bytes(p.bytesDone))"
            if let total = p.bytesTotal, total > 0 {
                let share = min(1, Double(p.bytesDone) / Double(total))
                text += " of \(bytes(total)) (\(Int(share * 100))%)"
                if share > 0.02 {
                    text += " · ETA \(Int((p.seconds / share - p.seconds).rounded()))s"
                }
            }
            let rate = p.seconds > 0 ? Double(p.lines) / p.seconds : 0
            text += " · \(count(p.lines)) lines · \(count(Int(rate))) lines/s"
            FileHandle.standardError.write(Data(("\r\u{1B}[K" + text).utf8))
        }
    }

    static func clearProgress() {
        if isTerminal { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }

    /// Columns of the terminal on standard error (120 when it is not a terminal).
    static func columns() -> Int {
        var size = winsize()
        guard ioctl(2, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return 120 }
        return Int(size.ws_col)
    }

    static func bytes(_ n: Int) -> String {
        let units = ["B", "KB", "MB", "GB", "TB"]
        var v = Double(n), u = 0
        while v >= 1000 && u < units.count - 1 {
            v /= 1000
            u += 1
        }
        return u == 0 ? "\(n) B" : String(format: "%.1f %@", v, units[u])
    }

    static func count(_ n: Int) -> String {
        if n >= 1_000_000 { return String(format: "%.1fM", Double(n) / 1e6) }
        if n >= 10_000 { return String(format: "%.0fk", Double(n) / 1e3) }
        return String(n)
    }

    static func printSummary(_ s: AnalyzeSummary) {
        clearProgress()
        for line in s.reports { say("  " + TerminalText.sanitize(line, limit: 300)) }
        say(
            """
            trawl analyze: \(s.files) file(s), \(bytes(s.bytesRead)), \(s.linesRead) lines in \(String(format: "%.2f", s.seconds)) s \
            (\(count(Int(s.linesPerSecond))) lines/s), peak memory \(bytes(s.peakRSSBytes))
              events: \(s.events) · accounts: \(s.accounts) (\(s.accountDays) account-days) · flagged: \(s.flaggedAccounts)
              cases opened: \(s.casesOpened) · updated: \(s.casesUpdated) · store: \(s.database)\(s.runID.map { " (run \($0))" } ?? "")
            """)
        if s.clusters > 0 {
            say(
                "  clusters of linked accounts: \(s.clusters) · flagged: \(s.flaggedClusters) · cluster cases opened: \(s.clusterCasesOpened) · updated: \(s.clusterCasesUpdated)"
            )
        }
        if s.badLines > 0 {
            let parts = s.badByReason.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            say("  bad lines skipped: \(s.badLines) (\(parts))")
        }
        if !s.ignoredFields.isEmpty {
            let parts = s.ignoredFields.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            say("  values ignored for having the wrong type (line kept, field unknown): \(parts)")
        }
        if s.registryBadLines > 0 { say("  registry lines skipped: \(s.registryBadLines)") }
        if s.capturedConnections > 0 { say("  captures: \(s.capturedConnections) TCP connection(s) to join requests to") }
        if !s.geoipDatabases.isEmpty {
            say(
                "  geoip: " + TerminalText.sanitize(s.geoipDatabases.joined(separator: ", "), limit: 400)
                    + " · \(s.geoipNetworks) network(s) read"
                    + (s.geoipFailures > 0 ? " · \(s.geoipFailures) lookup(s) failed on a damaged database" : ""))
        }
    }
}
