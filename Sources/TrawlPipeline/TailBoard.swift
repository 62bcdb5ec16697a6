import Foundation
import TrawlModel

/// Renders a `BoardSnapshot` as plain text lines for a terminal (`trawl tail --board`).
///
/// Every string that comes from the logs (account ids, User-Agents, prompt samples,
/// cluster ids, paths) passes through `TerminalText.sanitize`, which removes escape
/// sequences and replaces other control and invisible characters: the frame holds no
/// ESC byte and no control character but its newlines. The caller adds the terminal's
/// own cursor controls around it.
public enum TailBoard {
    /// The frame for a terminal `width` columns wide (at least 60).
    public static func render(_ s: BoardSnapshot, width: Int = 120) -> String {
        let width = max(60, width)
        var out: [String] = []
        let clock = TimestampParser.format(Int64(s.time.timeIntervalSince1970 * 1000))
        let eventTime = s.watermark == .min ? "none yet" : TimestampParser.format(s.watermark)
        out.append(fit("trawl tail · \(clock) · event time \(eventTime) · windows \(s.windows.joined(separator: ", "))", width))
        out.append(
            fit(
                "input \(count(Int(s.linesPerSecond.rounded()))) lines/s · \(count(s.lines)) lines · \(count(s.badLines)) bad · "
                    + "\(count(s.lateRequests)) late · \(count(s.alerts)) alerts · \(count(s.accounts)) accounts · \(megabytes(s.residentBytes))",
                width))
        for source in s.sources.filter({ !$0.finished }).prefix(4) {
            out.append(fit("  \(clean(source.path, 80)) at \(megabytes(Int(clamping: source.offset)))", width))
        }
        out.append("")
        out.append(fit(row(["SCORE", "BAND", "WIN", "ACCOUNT", "REQS", "NETS", "IPS", "CONC", "USER AGENT", "RULES"]), width))
        if s.topAccounts.isEmpty { out.append("  (no account scored yet)") }
        for a in s.topAccounts {
            let band = a.band > 0 ? AlertLine.bandNames[a.band - 1] : "-"
            out.append(
                fit(
                    row([
                        String(format: "%.3f", a.score), band, a.window, clean(a.accountID, 22), count(a.requests),
                        a.networks.map(String.init) ?? "-", a.addresses.map(String.init) ?? "-",
                        a.concurrency.map { String(format: "%.1f", $0) } ?? "-", clean(a.userAgent ?? "-", 24),
                        clean(a.rules.joined(separator: ","), 60),
                    ]), width))
            if let prompt = a.promptSample { out.append(fit("        prompt: \(clean(prompt, width))", width)) }
        }
        out.append("")
        out.append("CLUSTERS")
        if let note = s.linkingNote { out.append(fit("  (\(clean(note, width)))", width)) }
        for c in s.clusters {
            out.append(
                fit(
                    "  \(String(format: "%.3f", c.score))  \(clean(c.id, 24))  \(c.members.count) accounts: "
                        + "\(clean(c.members.prefix(6).joined(separator: ", "), 80))  \(clean(c.rules.joined(separator: ","), 60))",
                    width))
        }
        return out.joined(separator: "\n") + "\n"
    }

    /// Log text made safe and short.
    static func clean(_ text: String, _ limit: Int) -> String { TerminalText.sanitize(text, limit: max(1, limit)) }

    static let columns = [6, 8, 4, 22, 7, 5, 5, 5, 24, 0]

    static func row(_ cells: [String]) -> String {
        var line = ""
        for (i, cell) in cells.enumerated() {
            let w = columns[i]
            var c = cell
            if w > 0 && c.count > w { c = String(c.prefix(w - 1)) + "…" }
            line += c + (w > 0 ? String(repeating: " ", count: max(0, w - c.count)) + " " : "")
        }
        return line
    }

    static func fit(_ line: String, _ width: Int) -> String { line.count > width ? String(line.prefix(width - 1)) + "…" : line }

    static func count(_ n: Int) -> String {
        if n >= 1_000_000 { return String(format: "%.1fM", Double(n) / 1e6) }
        if n >= 10_000 { return String(format: "%.0fk", Double(n) / 1e3) }
        return String(n)
    }

    static func megabytes(_ n: Int) -> String { String(format: "%.0f MB", Double(n) / 1e6) }
}
