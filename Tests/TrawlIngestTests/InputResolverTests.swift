import TestSupport
import Testing
import TrawlIngest

@Suite struct InputResolverTests {
    @Test func foldersAreWalkedRecursivelyAndGlobsExpand() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("logs/b/part-1.jsonl.gz", text: "")
        try dir.write("logs/a.jsonl", text: "")
        try dir.write("logs/notes.txt", text: "")
        try dir.write("logs/.hidden/x.jsonl", text: "")
        try dir.write("other/c.jsonl.zst", text: "")
        let found = try InputResolver.resolve([dir.file("logs"), dir.file("other/*.zst"), "-"]).map(\.path)
        #expect(found == [dir.file("logs/a.jsonl"), dir.file("logs/b/part-1.jsonl.gz"), dir.file("other/c.jsonl.zst"), "-"])
    }

    @Test func missingInputIsAnError() throws {
        #expect(throws: IngestError.self) { try InputResolver.resolve(["/nonexistent/trawl/log.jsonl"]) }
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("empty/readme.txt", text: "")
        let error = #expect(throws: IngestError.self) { try InputResolver.resolve([dir.file("empty")]) }
        #expect(error?.reason == .noInputFiles)
    }
}
