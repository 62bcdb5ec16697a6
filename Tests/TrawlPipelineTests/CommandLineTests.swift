import Foundation
import TestSupport
import Testing

/// The built `trawl` binary, run as an analyst would.
@Suite struct CommandLineTests {
    static let root = repositoryRoot()
    static var binary: String { builtProduct("trawl") }

    func trawl(_ args: [String], stdin: Data? = nil, in dir: String? = nil) throws -> CommandResult {
        try runCommand(Self.binary, args, stdin: stdin, environment: ["TRAWL_RULES": Self.root + "/rules"])
    }

    @Test(arguments: [
        ["analyze"], ["cases", "list"], ["cases", "show"], ["cases", "update"], ["cases", "export"], ["cases", "verify"],
        ["cases", "schema"], ["rules", "lint"], ["rules", "test"],
        ["features"], ["simulate"], ["evaluate"], ["demo"], ["tail"],
    ])
    func everyCommandHasHelpWithAnExample(_ command: [String]) throws {
        let r = try trawl(command + ["--help"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("Example"))
    }

    @Test func exitStatuses() throws {
        #expect(try trawl(["analyze", "/nonexistent/log.jsonl"]).status == 66)
        #expect(try trawl(["analyze", "--no-such-option", "x"]).status == 64)
        #expect(try trawl(["analyze", "-", "--max-bad-ratio", "2"]).status == 64)
        #expect(try trawl(["cases", "list", "--db", "/nonexistent/cases.sqlite"]).status == 66)
        #expect(try trawl(["tail", "/nonexistent/logs/api.log"]).status == 66)
        #expect(try trawl(["tail", "x.log", "--window", "7m"]).status == 64)
    }

    /// Standard input, a damaged line reported as <stdin>:line, summary JSON on stdout, then the cases.
    @Test func analyzeStandardInputThenWorkTheCase() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.file("cases.sqlite")
        let input = handMadeDay() + "{\"ts\":1,\"account_id\":\"x\",\"client_ip\":\"999.1.1.1\"}\n"
        let r = try trawl(["analyze", "-", "--db", db, "--summary-json"], stdin: Data(input.utf8))
        #expect(r.status == 0)
        let summary = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        #expect(summary?["badLines"] as? Int == 1)
        #expect(summary?["casesOpened"] as? Int == 1)
        #expect(r.stderr.contains("<stdin>:3951: invalid_field.client_ip"))
        #expect(!r.stderr.contains("999.1.1.1"))  // values are quoted only with --verbose
        let verbose = try trawl(["analyze", "-", "--db", dir.file("v.sqlite"), "--verbose"], stdin: Data(input.utf8))
        #expect(verbose.stderr.contains(#"client_ip is not an IPv4 or IPv6 address: "999.1.1.1""#))
        let list = try trawl(["cases", "list", "--db", db, "--json"])
        #expect(list.stdout.split(separator: "\n").count == 1)
        #expect(list.stdout.contains(#""subject":"acct-pool""#))
        #expect(try trawl(["cases", "update", "1", "--db", db, "--status", "enforced"]).status == 65)
        #expect(try trawl(["cases", "update", "1", "--db", db, "--status", "confirmed", "--note", "seen \u{1B}[31m"]).status == 0)
        let show = try trawl(["cases", "show", "1", "--db", db])
        #expect(show.stderr.contains("confirmed"))
        #expect(!show.stderr.contains("\u{1B}[31m"))
    }

    /// A reseller's six accounts become one cluster case that lists them and what links them.
    @Test func clusterCaseFromTheCommandLine() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.file("cases.sqlite")
        let fixture = Self.root + "/fixtures/rules/reseller_cluster_vs_office_and_cgnat"
        let r = try trawl(["analyze", fixture + "/events.jsonl", "--accounts", fixture + "/accounts.jsonl", "--db", db, "--clusters", "-"])
        #expect(r.status == 0)
        #expect(r.stderr.contains("clusters of linked accounts:") && r.stderr.contains("cluster cases opened: 1"))
        let clusters = r.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        let flagged = clusters.filter { $0["flagged"] as? Bool == true }
        #expect(flagged.count == 1 && flagged.first?["size"] as? Int == 6)
        let subject = try #require(flagged.first?["cluster_id"] as? String)
        let list = try trawl(["cases", "list", "--db", db, "--kind", "cluster"])
        // People's output goes to standard error, JSON to standard output.
        #expect(list.stderr.contains("\(subject) (6 accounts)") && list.stderr.contains("1 case(s)"))
        let json = try trawl(["cases", "list", "--db", db, "--kind", "cluster", "--json"])
        let row = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(row?["members"] as? Int == 6 && row?["kind"] as? String == "cluster")
        let id = try #require(row?["id"] as? Int)
        let show = try trawl(["cases", "show", String(id), "--db", db])
        #expect(show.status == 0)
        #expect(show.stderr.contains("cluster \(subject)") && show.stderr.contains("members (6 active, 0 left)"))
        #expect(show.stderr.contains("cluster.sessions_across_accounts") && show.stderr.contains("what links them"))
        #expect(show.stderr.contains("signup     203.0.113.50") && show.stderr.contains("6 of 6 holders"))
        #expect(try trawl(["cases", "list", "--db", db, "--kind", "nope"]).status == 64)
    }

    @Test func rulesLintReportsPositions() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("rules/bad.yaml", text: "rules:\n  - id: x\n    title: X\n    when: distinct_ipz > 3\n    weight: 1\n")
        let r = try trawl(["rules", "lint", "--rules", dir.file("rules")])
        #expect(r.status == 65)
        #expect(r.stderr.contains("bad.yaml:4:11: error: unknown feature `distinct_ipz`"))
    }
}
