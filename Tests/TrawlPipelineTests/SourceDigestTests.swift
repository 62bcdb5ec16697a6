import Foundation
import TestSupport
import Testing
import TrawlCases
import TrawlModel
import TrawlPipeline

/// What a run records of its inputs and rules, for case files.
@Suite struct SourceDigestTests {
    static let root = repositoryRoot()

    func trawl(_ args: [String], stdin: Data? = nil) throws -> CommandResult {
        try runCommand(builtProduct("trawl"), args, stdin: stdin, environment: ["TRAWL_RULES": Self.root + "/rules"])
    }

    /// Every input's SHA-256 is recorded as the reader reads it: plain, gzip, a gzip file
    /// damaged halfway (the digest still covers the whole file) and standard input.
    @Test func runsRecordTheirSourceFilesDigests() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let plain = try dir.write("logs/a.jsonl", text: handMadeDay("2026-11-21"))
        let gz = try compressFile(try dir.write("logs/b.jsonl", text: handMadeDay("2026-11-22")), with: "gzip")
        try FileManager.default.removeItem(atPath: dir.file("logs/b.jsonl"))
        var damaged = try Data(contentsOf: URL(fileURLWithPath: gz))
        damaged[damaged.count / 2] ^= 0xFF
        let broken = dir.file("logs/c.jsonl.gz")
        try damaged.write(to: URL(fileURLWithPath: broken))
        var options = AnalyzeOptions(inputs: [dir.file("logs")])
        options.databasePath = dir.file("cases.sqlite")
        options.rulesDirectory = Self.root + "/rules"
        _ = try BatchAnalyzer.run(options)
        let run = try #require(try CaseStore(path: options.databasePath).runs().last)
        let expected = try [plain, gz, broken].map { path in
            RunInputFile(
                path: path, size: Int64(try Data(contentsOf: URL(fileURLWithPath: path)).count),
                sha256: String(try runCommand("/usr/bin/sha256sum", [path]).stdout.prefix(64)))
        }
        #expect(run.files == expected)
        #expect(run.provenance?.trawlVersion == TrawlVersion.current)
        #expect(run.provenance?.rulesVersion == RulesDigest.of(directory: options.rulesDirectory))

        let input = Data(handMadeDay().utf8)
        let db = dir.file("stdin.sqlite")
        #expect(try trawl(["analyze", "-", "--db", db], stdin: input).status == 0)
        let stdinRun = try #require(try CaseStore(path: db).runs().last)
        let sum = try runCommand("/usr/bin/sha256sum", ["-"], stdin: input).stdout.prefix(64)
        #expect(stdinRun.files == [RunInputFile(path: "-", size: Int64(input.count), sha256: String(sum))])
    }

    @Test func rulesDigestFollowsTheFiles() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("a/rules.yaml", text: "rules: []\n")
        try dir.write("a/lexicons/x.yaml", text: "class: x\n")
        try dir.write("b/rules.yaml", text: "rules: []\n")
        try dir.write("b/lexicons/x.yaml", text: "class: x\n")
        try dir.write("b/.hidden", text: "ignored")
        let a = try #require(RulesDigest.of(directory: dir.file("a")))
        #expect(a.hasPrefix("sha256:") && a.count == 71)
        #expect(RulesDigest.of(directory: dir.file("b")) == a)  // same files elsewhere, hidden files ignored
        try dir.write("b/lexicons/x.yaml", text: "class: y\n")
        #expect(RulesDigest.of(directory: dir.file("b")) != a)
        try dir.write("b/lexicons/x.yaml", text: "class: x\n")
        try FileManager.default.moveItem(atPath: dir.file("b/lexicons/x.yaml"), toPath: dir.file("b/lexicons/z.yaml"))
        #expect(RulesDigest.of(directory: dir.file("b")) != a)  // a renamed file changes it too
        #expect(RulesDigest.of(directory: dir.file("nowhere")) == nil)
    }
}
