import Crypto
import Foundation
import TrawlFeatures

/// Renders a case file as `report.html`: one self-contained page for the people who
/// decide on the case.
///
/// Self-contained and inert: no script at all, no external style, font, image or link
/// target (in-page anchors and the rules' `http(s)` references only); charts are inline
/// SVG drawn with presentation attributes. A Content-Security-Policy meta tag allows
/// nothing but the page's one style block (by its SHA-256): no script, image, font,
/// frame, form target or connection. Every text from the case file goes through
/// `HTMLText.escape`, and never into an attribute or a URL: what came from logs is shown
/// as text, never interpreted.
///
/// Sections: summary with the recommended action; why (score and rules with the values
/// that fired them); members; activity heatmaps (requests per UTC hour × day) for the
/// cluster and each account; geography and networks (countries, ASNs, address kinds,
/// addresses); client fingerprints (user agents, JA4); the cluster graph with its links;
/// rule explanations; request and prompt samples; days; provenance; notes and audit.
public enum CaseReportRenderer {
    /// The page's only style; the CSP names its hash.
    static let style = """
        :root{color-scheme:light;--ink:#1f2933;--muted:#616e7c;--line:#d9dee4;--soft:#f4f6f8;--accent:#1d4ed8}
        *{box-sizing:border-box}
        body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--ink);background:#fff}
        main{max-width:1180px;margin:0 auto;padding:24px 28px 48px}
        h1{font-size:24px;margin:0 0 4px}
        h2{font-size:18px;margin:32px 0 10px;padding-bottom:4px;border-bottom:2px solid var(--line)}
        h3{font-size:15px;margin:18px 0 6px}
        .subject{font:16px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;margin:0 0 12px;word-break:break-all}
        .kind{font-size:13px;font-weight:600;color:var(--muted);text-transform:uppercase;letter-spacing:.05em;margin-left:8px}
        .action{border-left:6px solid var(--accent);background:#eef2ff;padding:10px 14px;margin:12px 0;font-size:15px}
        .action.suspend{border-color:#b91c1c;background:#fef2f2}
        .action.review.high{border-color:#c2410c;background:#fff7ed}
        .action.no_action,.action.already_enforced{border-color:#4b5563;background:var(--soft)}
        .redaction{font-size:13px;color:var(--muted);margin:6px 0}
        .redaction.off{color:#b91c1c;font-weight:700}
        dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:12px 0}
        dl.facts dt{color:var(--muted)}
        dl.facts dd{margin:0}
        nav{font-size:13px;margin:14px 0;padding:8px 0;border-top:1px solid var(--line);border-bottom:1px solid var(--line)}
        nav a{margin-right:14px;color:var(--accent);text-decoration:none}
        table{border-collapse:collapse;width:100%;margin:6px 0 14px;font-size:13px}
        th,td{border-bottom:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
        th{background:var(--soft);font-weight:600}
        td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
        .code,code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px;word-break:break-all}
        .pre{white-space:pre-wrap;word-break:break-word}
        td.values{white-space:pre;word-break:normal}
        .grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:0 24px}
        .muted{color:var(--muted)}
        .sample{background:var(--soft);border:1px solid var(--line);border-radius:4px;padding:6px 8px;margin:4px 0}
        svg{max-width:100%;height:auto;display:block;margin:6px 0 12px}
        footer{margin-top:40px;font-size:12px;color:var(--muted)}
        """

    /// The Content-Security-Policy of every report.
    public static let contentSecurityPolicy: String = {
        let hash = Data(SHA256.hash(data: Data(style.utf8))).base64EncodedString()
        return "default-src 'none'; style-src 'sha256-\(hash)'; img-src 'none'; font-src 'none'; "
            + "base-uri 'none'; form-action 'none'"
    }()

    /// The report of a case file (whose text is already redacted as the export asked).
    public static func render(_ file: CaseFile) -> String {
        var w = ReportWriter()
        let c = file.case
        w.raw("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
        w.raw("<meta http-equiv=\"Content-Security-Policy\" content=\"\(contentSecurityPolicy)\">\n")
        w.raw("<meta name=\"referrer\" content=\"no-referrer\">\n")
        w.raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
        w.raw("<title>Trawl case \(c.id): ")
        w.text(c.title)
        w.raw("</title>\n<style>\(style)</style>\n</head>\n<body>\n<main>\n")
        summary(&w, file)
        w.raw(
            "<nav><a href=\"#why\">Why</a><a href=\"#members\">Accounts</a><a href=\"#activity\">Activity</a>"
                + "<a href=\"#network\">Geography and networks</a><a href=\"#clients\">Client fingerprints</a>"
                + "<a href=\"#cluster\">Cluster</a><a href=\"#rules\">Rules</a><a href=\"#samples\">Samples</a>"
                + "<a href=\"#days\">Days</a><a href=\"#provenance\">Provenance</a><a href=\"#notes\">Notes and audit</a></nav>\n")
        why(&w, file)
        members(&w, file)
        activity(&w, file)
        network(&w, file)
        clients(&w, file)
        cluster(&w, file)
        rules(&w, file)
        samples(&w, file)
        days(&w, file)
        provenance(&w, file)
        notes(&w, file)
        w.raw("<footer>Case file written by Trawl ")
        w.text(file.export.trawlVersion)
        w.raw(" at ")
        w.text(file.export.exportedAt)
        w.raw(
            ". Every file of this folder is listed with its SHA-256 in <code>manifest.json</code>; "
                + "check it with <code>trawl cases verify FOLDER</code>. The data behind this page is in <code>case.json</code> "
                + "(schema version \(file.schemaVersion)).</footer>\n</main>\n</body>\n</html>\n")
        return w.out
    }

    // MARK: Sections

    private static func summary(_ w: inout ReportWriter, _ f: CaseFile) {
        let c = f.case
        w.raw("<header>\n<h1>Case \(c.id)<span class=\"kind\">\(c.kind.rawValue) case</span></h1>\n<p class=\"subject\">")
        w.text(c.subject)
        w.raw("</p>\n")
        let a = f.recommendedAction
        w.raw("<div class=\"action \(a.action.rawValue) \(a.priority.rawValue)\"><strong>Recommended action: ")
        w.text(a.action.rawValue.replacingOccurrences(of: "_", with: " "))
        w.raw("</strong> (priority \(a.priority.rawValue)). ")
        w.text(a.reason)
        w.raw("</div>\n<dl class=\"facts\">")
        func fact(_ name: String, _ value: String) {
            w.raw("<dt>\(name)</dt><dd>")
            w.text(value)
            w.raw("</dd>")
        }
        fact("Title", c.title)
        fact("Status", c.status.rawValue)
        fact("Score", "\(score(f.score.value)) on \(f.score.day) (last flagged day \(score(f.score.last)))")
        fact("Flagged days", "\(f.timeRange.firstDay) to \(f.timeRange.lastDay) (\(f.counts.flaggedDays) of \(f.counts.days) stored)")
        fact("Requests seen", "\(f.timeRange.firstSeen ?? "unknown") to \(f.timeRange.lastSeen ?? "unknown")")
        fact("Accounts", "\(f.counts.accounts) · \(f.counts.requests) requests · \(f.counts.links) links")
        fact("Tags", c.tags.isEmpty ? "none" : c.tags.joined(separator: ", "))
        fact("Opened", "\(c.createdAt) · last changed \(c.updatedAt)")
        w.raw("</dl>\n")
        if f.export.redacted {
            w.raw(
                "<p class=\"redaction\">Redacted export: e-mail addresses, phone numbers, API keys and card numbers in free "
                    + "text (user agents, session ids, prompt samples, notes) are shown as [email], [phone], [key] and [card].</p>\n")
        } else {
            w.raw(
                "<p class=\"redaction off\">UNREDACTED export: free text is shown as logged and may hold personal data "
                    + "and secrets (prompt samples are redacted when analyze keeps them).</p>\n")
        }
        w.raw("</header>\n")
    }

    private static func why(_ w: inout ReportWriter, _ f: CaseFile) {
        let s = f.score
        w.raw("<section id=\"why\">\n<h2>Why: score and the rules behind it</h2>\n<p>On ")
        w.text(s.day)
        w.raw(", account <span class=\"code\">")
        w.text(s.accountID)
        w.raw(
            "</span> scored <strong>\(score(s.value))</strong> = logistic(bias \(number(s.bias)) + rule weights) "
                + "= logistic(\(number(s.logOdds))).</p>\n")
        firings(&w, s.rules)
        w.raw("</section>\n")
    }

    private static func firings(_ w: inout ReportWriter, _ rules: [CaseFile.RuleFiring]) {
        guard !rules.isEmpty else {
            w.raw("<p class=\"muted\">No rule fired.</p>\n")
            return
        }
        w.raw("<table><thead><tr><th class=\"n\">weight</th><th>rule</th><th>explanation</th><th>feature values</th></tr></thead><tbody>\n")
        for r in rules {
            w.raw("<tr><td class=\"n\">\(signed(r.weight))</td><td><span class=\"code\">")
            w.text(r.ruleID)
            w.raw("</span><br>")
            w.text(r.title)
            w.raw("</td><td>")
            w.text(r.explanation)
            w.raw("</td><td class=\"code values\">")
            w.text(r.featureValues.keys.sorted().map { "\($0) = \(r.featureValues[$0]!.description)" }.joined(separator: "\n"))
            w.raw("</td></tr>\n")
        }
        w.raw("</tbody></table>\n")
    }

    private static func members(_ w: inout ReportWriter, _ f: CaseFile) {
        w.raw("<section id=\"members\">\n<h2>Accounts</h2>\n")
        w.raw(
            "<table><thead><tr><th>account</th><th class=\"n\">score</th><th class=\"n\">flagged days</th>"
                + "<th>stored days</th><th class=\"n\">requests</th></tr></thead><tbody>\n")
        for m in f.members {
            w.raw("<tr><td class=\"code\">")
            w.text(m.accountID)
            w.raw("</td><td class=\"n\">\(score(m.score))</td><td class=\"n\">\(m.flaggedDays)</td><td>")
            w.text(m.firstDay.map { $0 == m.lastDay ? $0 : "\($0) to \(m.lastDay ?? "")" } ?? "none")
            w.raw("</td><td class=\"n\">\(m.requests)</td></tr>\n")
        }
        w.raw("</tbody></table>\n</section>\n")
    }

    private static func activity(_ w: inout ReportWriter, _ f: CaseFile) {
        w.raw("<section id=\"activity\">\n<h2>Activity: requests per hour (UTC) and day</h2>\n")
        var total: [String: [Int]] = [:]
        for m in f.members {
            for d in m.days {
                guard let hourly = d.evidence.hourly, hourly.count == 24 else { continue }
                total[d.day] = zip(total[d.day] ?? Array(repeating: 0, count: 24), hourly).map { $0 + $1 }
            }
        }
        w.raw("<h3>")
        w.text(f.members.count == 1 ? "The case (one account)" : "The cluster (all \(f.members.count) accounts)")
        w.raw("</h3>\n")
        heatmap(&w, total)
        if f.members.count > 1 {
            for m in f.members {
                w.raw("<h3 class=\"code\">")
                w.text(m.accountID)
                w.raw("</h3>\n")
                var rows: [String: [Int]] = [:]
                for d in m.days { if let h = d.evidence.hourly, h.count == 24 { rows[d.day] = h } }
                heatmap(&w, rows)
            }
        }
        w.raw("</section>\n")
    }

    /// Fill colours from no requests to the busiest hour.
    static let heat = ["#f1f3f5", "#dbe7fb", "#b3cdf6", "#7fa9ee", "#4a80e0", "#1d4ed8", "#1e3a8a"]

    /// An SVG grid, one row per day and one column per UTC hour, shaded by requests.
    private static func heatmap(_ w: inout ReportWriter, _ rows: [String: [Int]]) {
        guard !rows.isEmpty else {
            w.raw("<p class=\"muted\">No hourly counts stored for these days.</p>\n")
            return
        }
        let days = rows.keys.sorted()
        let cell = 22, gap = 2, left = 92, top = 20
        let width = left + 24 * (cell + gap), height = top + days.count * (cell + gap) + 4
        let peak = max(1, rows.values.flatMap { $0 }.max() ?? 1)
        w.raw(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\" role=\"img\">"
        )
        w.raw("<title>Requests per hour (UTC) and day; darkest: \(peak) requests</title>")
        for h in 0..<24 {
            w.raw(
                "<text x=\"\(left + h * (cell + gap) + cell / 2)\" y=\"13\" font-size=\"10\" text-anchor=\"middle\" fill=\"#616e7c\">\(h)</text>"
            )
        }
        for (r, day) in days.enumerated() {
            let y = top + r * (cell + gap)
            w.raw("<text x=\"0\" y=\"\(y + 15)\" font-size=\"11\" fill=\"#1f2933\">")
            w.text(day)
            w.raw("</text>")
            for (h, n) in (rows[day] ?? []).enumerated() {
                let level = n == 0 ? 0 : 1 + min(heat.count - 2, Int((Double(n) / Double(peak)).squareRoot() * Double(heat.count - 2)))
                w.raw(
                    "<rect x=\"\(left + h * (cell + gap))\" y=\"\(y)\" width=\"\(cell)\" height=\"\(cell)\" rx=\"2\" fill=\"\(heat[level])\"><title>"
                )
                w.text("\(day) \(h):00-\(h + 1):00 UTC: \(n) requests")
                w.raw("</title></rect>")
            }
        }
        w.raw("</svg>\n")
    }

    private static func network(_ w: inout ReportWriter, _ f: CaseFile) {
        let days = f.members.flatMap(\.days)
        w.raw("<section id=\"network\">\n<h2>Geography and networks</h2>\n<div class=\"grid\">\n<div>")
        let geo = days.contains { $0.evidence.topCountries != nil || $0.evidence.addressKinds != nil }
        countedTable(&w, "Countries", "country", days.compactMap(\.evidence.topCountries), code: true)
        countedTable(&w, "Autonomous systems", "ASN", days.compactMap(\.evidence.topASNs), code: true)
        w.raw("</div>\n<div>")
        w.raw("<h3>Address kinds</h3>\n")
        let kinds = days.compactMap(\.evidence.addressKinds)
        if kinds.isEmpty {
            w.raw("<p class=\"muted\">Not known: the runs had no GeoIP or anonymity data.</p>\n")
        } else {
            func sum(_ k: KeyPath<CaseFile.AddressKinds, Int>) -> Int { kinds.reduce(0) { $0 + $1[keyPath: k] } }
            let covered = sum(\.anonymityCovered)
            w.raw("<table><thead><tr><th>kind</th><th class=\"n\">requests</th><th class=\"n\">share of covered</th></tr></thead><tbody>\n")
            for (name, n) in [
                ("residential proxy", sum(\.residentialProxy)), ("VPN", sum(\.vpn)), ("hosting / cloud", sum(\.hosting)),
                ("Tor exit", sum(\.tor)), ("allowlisted network", sum(\.allowlisted)),
            ] {
                w.raw("<tr><td>\(name)</td><td class=\"n\">\(n)</td><td class=\"n\">\(share(n, covered))</td></tr>\n")
            }
            w.raw(
                "<tr><td>covered by an anonymity database</td><td class=\"n\">\(covered)</td><td></td></tr>\n"
                    + "<tr><td>known to any GeoIP database</td><td class=\"n\">\(sum(\.known))</td><td></td></tr>\n</tbody></table>\n")
        }
        countedTable(&w, "Client addresses", "address", days.map(\.evidence.topIPs), code: true)
        w.raw("</div>\n</div>\n")
        if !geo { w.raw("<p class=\"muted\">Countries and networks need GeoIP data (analyze --geoip).</p>\n") }
        w.raw("</section>\n")
    }

    private static func clients(_ w: inout ReportWriter, _ f: CaseFile) {
        let days = f.members.flatMap(\.days)
        w.raw("<section id=\"clients\">\n<h2>Client fingerprints</h2>\n")
        countedTable(&w, "User agents", "User-Agent", days.map(\.evidence.topUserAgents), code: true)
        countedTable(&w, "JA4 TLS fingerprints", "JA4", days.compactMap(\.evidence.topJA4s), code: true)
        w.raw("</section>\n")
    }

    /// A table of values summed over days (each day lists its top values).
    private static func countedTable(_ w: inout ReportWriter, _ title: String, _ column: String, _ lists: [[CaseFile.Counted]], code: Bool)
    {
        w.raw("<h3>")
        w.text(title)
        w.raw("</h3>\n")
        var sums: [String: Int] = [:]
        for list in lists { for c in list { sums[c.value, default: 0] += c.requests } }
        guard !sums.isEmpty else {
            w.raw("<p class=\"muted\">None recorded.</p>\n")
            return
        }
        let rows = sums.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(25)
        w.raw("<table><thead><tr><th>")
        w.text(column)
        w.raw("</th><th class=\"n\">requests</th></tr></thead><tbody>\n")
        for (value, n) in rows {
            w.raw(code ? "<tr><td class=\"code\">" : "<tr><td>")
            w.text(value)
            w.raw("</td><td class=\"n\">\(n)</td></tr>\n")
        }
        w.raw("</tbody></table>\n")
        if lists.count > 1 { w.raw("<p class=\"muted\">Sums of each day's most used values (up to 5 a day).</p>\n") }
    }

    private static func cluster(_ w: inout ReportWriter, _ f: CaseFile) {
        let cl = f.cluster
        w.raw("<section id=\"cluster\">\n<h2>Cluster</h2>\n<p>")
        if cl.members.count == 1 {
            w.raw("One account, no links to other accounts.")
        } else {
            w.raw("\(cl.members.count) accounts, \(cl.links.count) links")
            if let cohesion = cl.cohesion { w.raw(", cohesion \(number(cohesion))") }
            w.raw(".")
        }
        w.raw("</p>\n")
        graph(&w, cl)
        if !cl.links.isEmpty {
            w.raw(
                "<table><thead><tr><th>accounts</th><th class=\"n\">weight</th><th>shared</th></tr></thead><tbody>\n")
            for link in cl.links {
                w.raw("<tr><td class=\"code\">")
                w.text(link.accounts.joined(separator: "\n"))
                w.raw("</td><td class=\"n\">\(number(link.weight))</td><td>")
                for s in link.shared {
                    w.raw("<div><span class=\"code\">")
                    w.text(s.kind)
                    w.raw("</span> ")
                    w.text(s.value)
                    w.raw(" <span class=\"muted\">(weight \(number(s.weight)), shared by \(s.accountsSharing) accounts)</span></div>")
                }
                w.raw("</td></tr>\n")
            }
            w.raw("</tbody></table>\n")
        }
        w.raw("</section>\n")
    }

    /// The members on a circle, links as lines as thick as their weight (at most 80 members drawn).
    private static func graph(_ w: inout ReportWriter, _ cl: CaseFile.Cluster) {
        let shown = Array(cl.members.prefix(80))
        let size = shown.count == 1 ? 220 : 520
        let center = Double(size) / 2
        let radius = shown.count == 1 ? 0 : center - 70
        var position: [String: (x: Double, y: Double)] = [:]
        for (i, m) in shown.enumerated() {
            let angle = 2 * Double.pi * Double(i) / Double(shown.count) - Double.pi / 2
            position[m.accountID] = (center + radius * cos(angle), center + radius * sin(angle))
        }
        let heaviest = max(cl.links.map(\.weight).max() ?? 1, 1e-9)
        w.raw(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(size)\" height=\"\(size)\" viewBox=\"0 0 \(size) \(size)\" role=\"img\">"
                + "<title>Member accounts and the links between them</title>")
        for link in cl.links where link.accounts.count == 2 {
            guard let a = position[link.accounts[0]], let b = position[link.accounts[1]] else { continue }
            w.raw(
                "<line x1=\"\(coord(a.x))\" y1=\"\(coord(a.y))\" x2=\"\(coord(b.x))\" y2=\"\(coord(b.y))\" stroke=\"#7fa9ee\" "
                    + "stroke-width=\(quoted(coord(1 + 5 * link.weight / heaviest)))><title>")
            w.text("\(link.accounts[0]) – \(link.accounts[1]): weight \(number(link.weight))")
            w.raw("</title></line>")
        }
        for m in shown {
            let p = position[m.accountID]!
            w.raw("<circle cx=\"\(coord(p.x))\" cy=\"\(coord(p.y))\" r=\"9\" fill=\"#1d4ed8\"><title>")
            w.text(m.accountID)
            w.raw("</title></circle>")
            w.raw("<text x=\"\(coord(p.x))\" y=\"\(coord(p.y + 24))\" font-size=\"11\" text-anchor=\"middle\" fill=\"#1f2933\">")
            w.text(m.accountID.count > 22 ? String(m.accountID.prefix(21)) + "…" : m.accountID)
            w.raw("</text>")
        }
        w.raw("</svg>\n")
        if cl.members.count > shown.count {
            w.raw("<p class=\"muted\">The first \(shown.count) of \(cl.members.count) accounts are drawn.</p>\n")
        }
    }

    private static func rules(_ w: inout ReportWriter, _ f: CaseFile) {
        w.raw("<section id=\"rules\">\n<h2>Rule explanations</h2>\n")
        if f.rules.isEmpty { w.raw("<p class=\"muted\">No rule fired.</p>\n") }
        for r in f.rules {
            w.raw("<h3><span class=\"code\">")
            w.text(r.ruleID)
            w.raw("</span> · ")
            w.text(r.title)
            w.raw("</h3>\n<p>Weight \(signed(r.weight)); fired on \(r.daysFired) account-day\(r.daysFired == 1 ? "" : "s")")
            if !r.tags.isEmpty {
                w.raw("; tags ")
                w.text(r.tags.joined(separator: ", "))
            }
            w.raw(".</p>\n")
            if let description = r.description, !description.isEmpty {
                w.raw("<p class=\"pre\">")
                w.text(description)
                w.raw("</p>\n")
            }
            if !r.references.isEmpty {
                w.raw("<p>References: ")
                for (i, ref) in r.references.enumerated() {
                    if i > 0 { w.raw(" · ") }
                    // The rules folder's references; only plain http(s) addresses become links.
                    if (ref.hasPrefix("https://") || ref.hasPrefix("http://")) && !ref.contains(where: { $0.isWhitespace }) {
                        w.raw("<a rel=\"noreferrer noopener\" href=\"")
                        w.text(ref)
                        w.raw("\">")
                        w.text(ref)
                        w.raw("</a>")
                    } else {
                        w.text(ref)
                    }
                }
                w.raw("</p>\n")
            }
            var lines: [String] = []
            for m in f.members {
                for d in m.days {
                    for h in d.rules where h.ruleID == r.ruleID {
                        lines.append((f.members.count > 1 ? "\(m.accountID) " : "") + "\(d.day): \(h.explanation)")
                    }
                }
            }
            if !lines.isEmpty {
                w.raw("<ul>")
                for line in lines.prefix(60) {
                    w.raw("<li>")
                    w.text(line)
                    w.raw("</li>")
                }
                w.raw("</ul>\n")
            }
        }
        w.raw("</section>\n")
    }

    private static func samples(_ w: inout ReportWriter, _ f: CaseFile) {
        w.raw("<section id=\"samples\">\n<h2>Request samples</h2>\n")
        var rows = 0
        w.raw("<table><thead><tr><th>day</th>")
        if f.members.count > 1 { w.raw("<th>account</th>") }
        w.raw("<th>request id</th><th>session id</th></tr></thead><tbody>\n")
        for m in f.members {
            for d in m.days {
                for r in d.evidence.requests {
                    rows += 1
                    w.raw("<tr><td>")
                    w.text(d.day)
                    w.raw("</td>")
                    if f.members.count > 1 {
                        w.raw("<td class=\"code\">")
                        w.text(m.accountID)
                        w.raw("</td>")
                    }
                    w.raw("<td class=\"code\">")
                    w.text(r.requestID)
                    w.raw("</td><td class=\"code\">")
                    w.text(r.sessionID ?? "")
                    w.raw("</td></tr>\n")
                }
            }
        }
        w.raw("</tbody></table>\n")
        if rows == 0 { w.raw("<p class=\"muted\">No request ids were logged.</p>\n") }
        w.raw("<h3>Prompt samples</h3>\n")
        var prompts = 0
        for m in f.members {
            for d in m.days {
                for p in d.evidence.promptSamples {
                    prompts += 1
                    w.raw("<div class=\"sample\"><div class=\"muted\">")
                    w.text(f.members.count > 1 ? "\(m.accountID) · \(d.day)" : d.day)
                    w.raw("</div><div class=\"pre\">")
                    w.text(p)
                    w.raw("</div></div>\n")
                }
            }
        }
        if prompts == 0 {
            w.raw("<p class=\"muted\">None kept (analyze keeps redacted prompt samples only with --keep-samples).</p>\n")
        }
        w.raw("</section>\n")
    }

    private static func days(_ w: inout ReportWriter, _ f: CaseFile) {
        w.raw("<section id=\"days\">\n<h2>Days</h2>\n")
        w.raw(
            "<table><thead><tr><th>day</th><th>account</th><th class=\"n\">score</th><th>flagged</th>"
                + "<th class=\"n\">requests</th><th>rules that fired (weight)</th><th class=\"n\">run</th></tr></thead><tbody>\n")
        for m in f.members {
            for d in m.days {
                w.raw("<tr><td>")
                w.text(d.day)
                w.raw("</td><td class=\"code\">")
                w.text(m.accountID)
                w.raw(
                    "</td><td class=\"n\">\(score(d.score))</td><td>\(d.flagged ? "yes" : "no")</td>"
                        + "<td class=\"n\">\(Int(d.features["requests"]?.number ?? 0))</td><td class=\"code\">")
                w.text(d.rules.map { "\($0.ruleID) (\(signed($0.weight)))" }.joined(separator: ", "))
                w.raw("</td><td class=\"n\">\(d.runID)</td></tr>\n")
            }
        }
        w.raw("</tbody></table>\n</section>\n")
    }

    private static func provenance(_ w: inout ReportWriter, _ f: CaseFile) {
        let p = f.provenance
        w.raw("<section id=\"provenance\">\n<h2>Provenance</h2>\n<p>Produced by Trawl ")
        w.text(p.trawlVersion ?? "(version not recorded)")
        w.raw(" with rules <span class=\"code\">")
        w.text(p.rulesVersion ?? "(not recorded)")
        w.raw("</span>; exported by Trawl ")
        w.text(f.export.trawlVersion)
        w.raw(" at ")
        w.text(f.export.exportedAt)
        w.raw(" with rules <span class=\"code\">")
        w.text(f.export.rulesVersion ?? "(none read)")
        w.raw("</span>.</p>\n")
        w.raw(
            "<table><thead><tr><th class=\"n\">run</th><th>started</th><th>status</th><th>source file</th>"
                + "<th class=\"n\">bytes</th><th>SHA-256</th></tr></thead><tbody>\n")
        for r in p.runs {
            let inputs = r.inputs.isEmpty ? [nil] : r.inputs.map { Optional($0) }
            for (i, file) in inputs.enumerated() {
                w.raw("<tr><td class=\"n\">\(i == 0 ? String(r.runID) : "")</td><td>")
                if i == 0 { w.text(r.startedAt) }
                w.raw("</td><td>\(i == 0 ? r.status.rawValue : "")</td><td class=\"code\">")
                w.text(file?.path ?? "(not recorded)")
                w.raw("</td><td class=\"n\">\(file.map { String($0.size) } ?? "")</td><td class=\"code\">")
                w.text(file?.sha256 ?? "")
                w.raw("</td></tr>\n")
            }
        }
        w.raw("</tbody></table>\n</section>\n")
    }

    private static func notes(_ w: inout ReportWriter, _ f: CaseFile) {
        w.raw("<section id=\"notes\">\n<h2>Notes and audit trail</h2>\n")
        if f.notes.isEmpty { w.raw("<p class=\"muted\">No notes.</p>\n") }
        for n in f.notes {
            w.raw("<div class=\"sample\"><div class=\"muted\">")
            w.text("\(n.createdAt) · \(n.author)")
            w.raw("</div><div class=\"pre\">")
            w.text(n.text)
            w.raw("</div></div>\n")
        }
        w.raw("<table><thead><tr><th>at</th><th>who</th><th>action</th><th>change</th></tr></thead><tbody>\n")
        for a in f.audit {
            w.raw("<tr><td>")
            w.text(a.at)
            w.raw("</td><td>")
            w.text(a.actor)
            w.raw("</td><td>")
            w.text(a.action)
            w.raw("</td><td class=\"pre\">")
            if let field = a.field { w.text("\(field): \(a.oldValue ?? "–") → \(a.newValue ?? "–")") }
            w.raw("</td></tr>\n")
        }
        w.raw("</tbody></table>\n</section>\n")
    }

    // MARK: Formatting (numbers only: nothing here comes from logs)

    static func score(_ v: Double) -> String { String(format: "%.3f", v) }
    static func number(_ v: Double) -> String { FeatureValue.number(v).description }
    static func signed(_ v: Double) -> String { String(format: "%+.2f", v) }
    static func coord(_ v: Double) -> String { String(format: "%.1f", v) }
    static func quoted(_ s: String) -> String { "\"" + s + "\"" }
    static func share(_ part: Int, _ whole: Int) -> String {
        whole > 0 ? String(format: "%.1f%%", 100 * Double(part) / Double(whole)) : "–"
    }
}

/// Appends markup and escaped text.
struct ReportWriter {
    private(set) var out = ""

    init() { out.reserveCapacity(32 << 10) }

    /// Markup written by the renderer itself (never data).
    mutating func raw(_ markup: String) { out += markup }

    /// Text from the case file, escaped (`HTMLText.escape`).
    mutating func text(_ text: String) { out += HTMLText.escape(text) }
}
