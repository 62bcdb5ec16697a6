import Crypto
import Foundation
import TrawlCases
import TrawlIngest
import TrawlModel

#if canImport(Glibc)
    import Glibc
#endif

/// The SHA-256 of one input's bytes as stored (compressed files compressed), fed by the
/// reader thread block by block as it reads them (`openByteSource(_:tap:)`), so the
/// source files of a run are identified without reading them twice.
///
/// SHA-256 through swift-crypto (BoringSSL, with the CPU's SHA extensions where present).
public final class SourceDigest {
    private var hasher = SHA256()
    /// Bytes fed so far.
    private(set) var bytes: Int64 = 0

    /// Adds the next block of the input.
    func add(_ block: UnsafeRawBufferPointer) {
        hasher.update(bufferPointer: block)
        bytes += Int64(block.count)
    }

    /// The digest of the whole input. A stream that stopped at damage leaves bytes unread:
    /// they are read here (from the file, or what is left of standard input) and added, so
    /// the digest is always that of the whole file.
    func finish(_ input: InputFile) -> RunInputFile {
        let fd: Int32 = input.isStandardInput ? 0 : open(input.path, O_RDONLY | O_CLOEXEC)
        if fd >= 0 {
            defer { if !input.isStandardInput { close(fd) } }
            if input.isStandardInput || lseek(fd, off_t(bytes), SEEK_SET) == off_t(bytes) {
                let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
                defer { buffer.deallocate() }
                while true {
                    let n = read(fd, buffer.baseAddress, buffer.count)
                    if n < 0 && errno == EINTR { continue }
                    if n <= 0 { break }
                    add(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
                }
            }
        }
        return RunInputFile(path: input.path, size: bytes, sha256: lowercaseHex(hasher.finalize()))
    }

    /// The digest of a file read on its own, as a run records it (for checks and `make bench`).
    public static func of(file path: String) -> RunInputFile { SourceDigest().finish(InputFile(path: path)) }
}

/// A digest of everything in a rules folder: what a run's scores depend on besides its
/// inputs (rule files, scoring, plans, lexicons, allowlists, stack and SYN tables).
public enum RulesDigest {
    /// `sha256:` and the hex SHA-256 over the folder's regular files (recursively, hidden
    /// entries skipped), in byte order of their relative paths, each as its path, a NUL,
    /// its size in decimal, a NUL and its bytes. `nil` when the folder cannot be read.
    ///
    /// The same files give the same digest wherever the folder is; editing, adding,
    /// removing or renaming a file changes it.
    public static func of(directory: String) -> String? {
        let root = URL(fileURLWithPath: directory)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue,
            let walker = FileManager.default.enumerator(atPath: directory)
        else { return nil }
        var files: [String] = []
        while let rel = walker.nextObject() as? String {
            if (rel as NSString).lastPathComponent.hasPrefix(".") {
                walker.skipDescendants()
                continue
            }
            var isDirectory: ObjCBool = false
            let full = root.appendingPathComponent(rel).path
            if FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory), !isDirectory.boolValue {
                files.append(rel)
            }
        }
        files.sort { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        var hasher = SHA256()
        for rel in files {
            guard let data = FileManager.default.contents(atPath: root.appendingPathComponent(rel).path) else { return nil }
            hasher.update(data: Data(rel.utf8) + [0] + Data(String(data.count).utf8) + [0])
            hasher.update(data: data)
        }
        return "sha256:" + lowercaseHex(hasher.finalize())
    }
}
