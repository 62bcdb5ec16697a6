import Foundation

/// A fresh folder under the system's temporary directory, removed by `remove()`.
public struct TemporaryDirectory: Sendable {
    public let path: String

    public init(_ label: String = "trawl-test") throws {
        let base = (NSTemporaryDirectory() as NSString).appendingPathComponent("\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        path = base
    }

    public func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    /// Writes bytes to `name` (creating folders) and returns the full path.
    @discardableResult
    public func write(_ name: String, bytes: [UInt8]) throws -> String {
        let full = file(name)
        try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: full))
        return full
    }

    @discardableResult
    public func write(_ name: String, text: String) throws -> String { try write(name, bytes: Array(text.utf8)) }

    public func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// Runs a program and returns its standard output; fails the caller on a non-zero exit.
public struct CommandResult: Sendable {
    public let status: Int32
    public let stdout: String
    public let stderr: String
}

public func runCommand(_ executable: String, _ arguments: [String], stdin: Data? = nil, environment: [String: String]? = nil) throws
    -> CommandResult
{
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let environment { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
    let out = Pipe(), err = Pipe(), input = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = input
    try process.run()
    if let stdin { input.fileHandleForWriting.write(stdin) }
    try input.fileHandleForWriting.close()
    // Read both pipes concurrently so a full stderr cannot block the child.
    let errData = LockedData()
    let t = Thread { errData.set(err.fileHandleForReading.readDataToEndOfFile()) }
    t.start()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    while !errData.isSet { usleep(1000) }
    return CommandResult(
        status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
        stderr: String(decoding: errData.get(), as: UTF8.self))
}

final class LockedData: @unchecked Sendable {
    private let lock = NSLock()
    private var data: Data?
    func set(_ d: Data) {
        lock.lock()
        data = d
        lock.unlock()
    }
    var isSet: Bool {
        lock.lock()
        defer { lock.unlock() }
        return data != nil
    }
    func get() -> Data {
        lock.lock()
        defer { lock.unlock() }
        return data ?? Data()
    }
}

/// Compresses a file with the system's `gzip` or `zstd` program, keeping the original.
public func compressFile(_ path: String, with tool: String) throws -> String {
    let exe = tool == "gzip" ? "/usr/bin/gzip" : "/usr/bin/zstd"
    let args = tool == "gzip" ? ["-k", "-f", path] : ["-q", "-k", "-f", path]
    let r = try runCommand(exe, args)
    guard r.status == 0 else { throw NSError(domain: "compress", code: Int(r.status), userInfo: [NSLocalizedDescriptionKey: r.stderr]) }
    return path + (tool == "gzip" ? ".gz" : ".zst")
}

/// The repository's root folder, found from a source file path (`#filePath`).
public func repositoryRoot(from filePath: String = #filePath) -> String {
    var url = URL(fileURLWithPath: filePath)
    while url.path != "/" {
        url.deleteLastPathComponent()
        if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url.path }
    }
    return FileManager.default.currentDirectoryPath
}

/// A product of this package (`trawl`) built beside the running test bundle, so tests use
/// the binary of the same build whatever `--scratch-path` is; else `.build/debug` or
/// `.build/release` of the repository.
public func builtProduct(_ name: String) -> String {
    let here = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
    var candidates = [here.appendingPathComponent(name).path, here.deletingLastPathComponent().appendingPathComponent(name).path]
    for config in ["debug", "release"] { candidates.append(repositoryRoot() + "/.build/\(config)/" + name) }
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[0]
}
