import CZlib

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A file written in large blocks, plain (`fwrite`) or gzip (`gzwrite`).
///
/// Not shared between threads: each part file of a day has its own.
final class OutputFile {
    private var plain: UnsafeMutablePointer<FILE>?
    private var gz: gzFile?
    let path: String

    /// Opens (truncating) `path`; `gzipLevel` 0 writes plain bytes.
    /// - Throws: `SimulatorError.io` when the file cannot be created.
    init(path: String, gzipLevel: Int) throws {
        self.path = path
        if gzipLevel > 0 {
            gz = gzopen(path, "wb\(min(9, gzipLevel))")
            guard let gz else { throw SimulatorError(path: path, reason: .io(String(cString: strerror(errno)))) }
            gzbuffer(gz, 1 << 20)
        } else {
            plain = fopen(path, "wb")
            guard plain != nil else { throw SimulatorError(path: path, reason: .io(String(cString: strerror(errno)))) }
        }
    }

    func write(_ bytes: [UInt8]) throws {
        if bytes.isEmpty { return }
        try bytes.withUnsafeBytes { raw in
            if let gz {
                var offset = 0
                while offset < raw.count {
                    let n = min(raw.count - offset, 1 << 30)
                    if gzwrite(gz, raw.baseAddress! + offset, UInt32(n)) != Int32(n) {
                        throw SimulatorError(path: path, reason: .io("gzwrite failed"))
                    }
                    offset += n
                }
            } else if let plain {
                if fwrite(raw.baseAddress!, 1, raw.count, plain) != raw.count {
                    throw SimulatorError(path: path, reason: .io(String(cString: strerror(errno))))
                }
            }
        }
    }

    func close() throws {
        if let g = gz {
            gz = nil
            if gzclose(g) != Z_OK { throw SimulatorError(path: path, reason: .io("gzclose failed")) }
        }
        if let f = plain {
            plain = nil
            if fclose(f) != 0 { throw SimulatorError(path: path, reason: .io(String(cString: strerror(errno)))) }
        }
    }

    deinit {
        if let gz { gzclose(gz) }
        if let plain { fclose(plain) }
    }

    /// Size of a file on disk, or 0.
    static func size(_ path: String) -> Int {
        var st = stat()
        return stat(path, &st) == 0 ? Int(st.st_size) : 0
    }

    /// Deletes a file if it exists.
    static func remove(_ path: String) { unlink(path) }

    /// Creates a folder and its parents (like `mkdir -p`).
    static func makeDirectory(_ path: String) throws {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += component + "/"
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw SimulatorError(path: path, reason: .io(String(cString: strerror(errno))))
            }
        }
    }
}
