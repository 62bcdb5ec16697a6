import Foundation
import TestSupport
import Testing
import TrawlModel

@testable import TrawlIngest

#if canImport(Glibc)
    import Glibc
#endif

/// Reads a follower's output: lines in order, and the latest position of each stream.
final class FollowCollector {
    let follower: LogFollower
    var lines: [String] = []
    var positions: [Int: StreamPosition] = [:]
    var overlong = 0
    var notices: [String] = []

    init(_ follower: LogFollower) { self.follower = follower }

    func pollOnce() {
        follower.poll { chunk in
            positions[chunk.stream] = chunk.position
            overlong += chunk.overlongLines
            for line in chunk.bytes.split(separator: 0x0A) { lines.append(String(decoding: line, as: UTF8.self)) }
        }
        notices += follower.takeNotices()
    }

    /// Polls until `done` holds (or 20 s pass: the caller's expectation then fails).
    func poll(until done: () -> Bool) {
        let deadline = Date().addingTimeInterval(20)
        while !done() && Date() < deadline {
            pollOnce()
            usleep(5_000)
        }
    }

    /// Polls a few rounds more, for output that must not come.
    func settle(rounds: Int = 20) {
        for _ in 0..<rounds {
            pollOnce()
            usleep(5_000)
        }
    }
}

/// A log writer holding its file open, as a server does.
final class LogWriter {
    let path: String
    private var handle: FileHandle
    private(set) var written: [String] = []
    private var n = 0
    let prefix: String

    init(_ path: String, prefix: String = "l") throws {
        self.path = path
        self.prefix = prefix
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        handle.seekToEndOfFile()
    }

    /// Appends `count` lines (each ~100 bytes, unique) and returns them.
    @discardableResult
    func write(_ count: Int) -> [String] {
        var out: [String] = []
        for _ in 0..<count {
            n += 1
            out.append(
                #"{"ts":\#(1_790_000_000_000 + n),"account_id":"\#(prefix)","request_id":"\#(prefix)-\#(n)","pad":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}"#
            )
        }
        writeRaw(out.joined(separator: "\n") + "\n")
        written += out
        return out
    }

    /// Writes at the file's end, as a writer with O_APPEND does (after a truncate too).
    func writeRaw(_ text: String) {
        handle.seekToEndOfFile()
        handle.write(Data(text.utf8))
    }

    /// Reopens the path (after a rotation), as a server told to reopen its log does.
    func reopen() throws {
        try handle.close()
        if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        handle.seekToEndOfFile()
    }

    func close() { try? handle.close() }
}

@Suite struct LogFollowerTests {
    static func options() -> FollowOptions {
        var o = FollowOptions()
        o.graceSeconds = 0.05
        o.rescanSeconds = 0.02
        o.settleSeconds = 0.05
        o.readBytes = 4096  // several reads per test file
        return o
    }

    @Test func growingFileGivesWholeLinesOnce() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let writer = try LogWriter(dir.file("app.log"))
        defer { writer.close() }
        writer.write(100)
        let c = FollowCollector(try LogFollower(paths: [writer.path], options: Self.options()))
        c.poll { c.lines.count == 100 }
        // Half a line waits for its end.
        writer.writeRaw(#"{"ts":1,"account_id":"half"#)
        c.settle()
        #expect(c.lines.count == 100)
        writer.writeRaw("\"}\n")
        writer.write(50)
        c.poll { c.lines.count == 151 }
        #expect(c.lines == Array(writer.written[..<100]) + [#"{"ts":1,"account_id":"half"}"#] + Array(writer.written[100...]))
        let position = try #require(c.positions.values.first)
        #expect(position.offset == Int64((try Data(contentsOf: URL(fileURLWithPath: writer.path))).count))
        #expect(position.headLength == 1024)
    }

    /// Renamed away while the writer still appends to it, then a new file at the path.
    @Test func renameRotationReadsBothFilesOnce() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let writer = try LogWriter(dir.file("app.log"))
        defer { writer.close() }
        writer.write(40)
        let c = FollowCollector(try LogFollower(paths: [writer.path], options: Self.options()))
        c.poll { c.lines.count == 40 }
        try FileManager.default.moveItem(atPath: writer.path, toPath: dir.file("app.log.1"))
        writer.write(10)  // still to the renamed file
        c.poll { c.lines.count == 50 }
        try writer.reopen()
        writer.write(30)
        c.poll { c.lines.count == 80 }
        c.settle()
        #expect(c.lines.sorted() == writer.written.sorted())
        #expect(c.notices.contains { $0.contains("rotated") })
    }

    /// Copy-truncate in a watched folder: lines written between the last read and the
    /// truncate come from the copy.
    @Test func copyTruncateInAFolderLosesNothing() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let writer = try LogWriter(dir.file("logs/app.log"))
        defer { writer.close() }
        writer.write(30)
        let c = FollowCollector(try LogFollower(paths: [dir.file("logs")], options: Self.options()))
        c.poll { c.lines.count == 30 }
        writer.write(20)  // not read yet when the rotator copies
        try FileManager.default.copyItem(atPath: writer.path, toPath: dir.file("logs/app.log.1"))
        truncate(writer.path, 0)
        writer.write(25)
        c.poll { c.lines.count == 75 }
        c.settle()
        #expect(c.lines.count == 75)
        #expect(c.lines.sorted() == writer.written.sorted())
    }

    /// Rename, then compress: the compressed file's content was read from the plain file,
    /// so none of it is read again.
    @Test(arguments: ["gzip", "zstd"])
    func rotateThenCompressNeverCountsTwice(tool: String) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let writer = try LogWriter(dir.file("logs/app.log"))
        defer { writer.close() }
        writer.write(60)
        let c = FollowCollector(try LogFollower(paths: [dir.file("logs")], options: Self.options()))
        c.poll { c.lines.count == 60 }
        try FileManager.default.moveItem(atPath: writer.path, toPath: dir.file("logs/app.log.1"))
        try writer.reopen()
        writer.write(15)
        c.poll { c.lines.count == 75 }
        let compressed = try compressFile(dir.file("logs/app.log.1"), with: tool)
        try FileManager.default.removeItem(atPath: dir.file("logs/app.log.1"))
        c.poll { c.notices.contains { $0.contains(compressed) } }
        writer.write(5)
        c.poll { c.lines.count == 80 }
        c.settle()
        #expect(c.lines.sorted() == writer.written.sorted())
        #expect(c.notices.contains { $0.contains("\(compressed): compressed copy") }, "\(c.notices)")
    }

    /// A compressed file new to the folder is read whole once complete.
    @Test func newCompressedFileIsReadWholeOnce() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try FileManager.default.createDirectory(atPath: dir.file("logs"), withIntermediateDirectories: true)
        let c = FollowCollector(try LogFollower(paths: [dir.file("logs")], options: Self.options()))
        c.settle(rounds: 3)
        let other = try LogWriter(dir.file("elsewhere.jsonl"), prefix: "z")
        other.write(70)
        other.close()
        let gz = try compressFile(other.path, with: "gzip")
        try FileManager.default.moveItem(atPath: gz, toPath: dir.file("logs/old.jsonl.gz"))
        c.poll { c.lines.count == 70 }
        c.settle()
        #expect(c.lines == other.written)
        let position = try #require(c.positions.values.first)
        #expect(position.finished)
    }

    /// A follower started from a checkpoint's positions reads only what came after, also
    /// from a file renamed while it was stopped.
    @Test func resumesWhereTheCheckpointStood() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let writer = try LogWriter(dir.file("app.log"))
        defer { writer.close() }
        writer.write(50)
        let first = FollowCollector(try LogFollower(paths: [writer.path], options: Self.options()))
        first.poll { first.lines.count == 50 }
        let checkpoint = Array(first.positions.values)
        // While stopped: more lines, a rename, a new file.
        writer.write(10)
        try FileManager.default.moveItem(atPath: writer.path, toPath: dir.file("app.log.1"))
        try writer.reopen()
        writer.write(20)
        let second = FollowCollector(try LogFollower(paths: [writer.path], options: Self.options(), resume: checkpoint))
        second.poll { second.lines.count == 30 }
        second.settle()
        #expect(second.lines.sorted() == Array(writer.written[50...]).sorted())
        #expect(second.notices.contains { $0.contains("resumed in") })
    }

    @Test func startAtEndSkipsWhatIsThere() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let writer = try LogWriter(dir.file("logs/app.log"))
        defer { writer.close() }
        writer.write(30)
        var o = Self.options()
        o.startAtEnd = true
        let c = FollowCollector(try LogFollower(paths: [dir.file("logs")], options: o))
        c.settle(rounds: 5)
        #expect(c.lines.isEmpty)
        let new = writer.write(3)
        c.poll { c.lines.count == 3 }
        #expect(c.lines == new)
    }

    @Test func overlongLinesAreSkippedAndCounted() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let writer = try LogWriter(dir.file("app.log"))
        defer { writer.close() }
        var o = Self.options()
        o.maxLineBytes = 10_000
        writer.write(2)
        writer.writeRaw(String(repeating: "x", count: 50_000) + "\n")
        writer.write(2)
        let c = FollowCollector(try LogFollower(paths: [writer.path], options: o))
        c.poll { c.lines.count == 4 }
        #expect(c.overlong == 1)
        #expect(c.lines == writer.written)
    }

    @Test func missingFolderIsAnError() {
        let error = #expect(throws: IngestError.self) { try LogFollower(paths: ["/nonexistent-trawl/app.log"]) }
        #expect(error?.reason == .noSuchInput)
    }
}

@Suite struct FollowedNameTests {
    @Test(arguments: [
        ("app.log", true), ("app.log.1", true), ("app.log.2.gz", true), ("api.jsonl-20261121.zst", true),
        ("api.jsonl-2026-11-21", true), ("app.log_3", true), ("notes.txt", false), ("app.log.old", false), ("1", false),
        ("day.jsonl.gz", true),
    ])
    func rotatedNamesAreFollowed(name: String, followed: Bool) {
        #expect(LogFollower.isFollowedName(name) == followed)
    }
}
