import Foundation
import TrawlModel

#if canImport(Glibc)
    import Glibc
#endif

/// Follows growing log files and watched folders, across rotation, and hands out whole
/// lines with the position of their stream after them (`trawl tail`).
///
/// **Identity.** A file is known by its device and inode while it is open, and its content
/// by the hash of its first KiB (its *head*, see `StreamPosition`): a file whose head
/// continues a stream's head holds that stream's content, so its bytes up to the stream's
/// offset are not read again.
///
/// **Rotation.**
/// - *Rename* (`app.log` → `app.log.1`, a new `app.log`): the renamed file keeps its inode;
///   it is read on until it has not grown for `graceSeconds`, and the new file at the path
///   is read from its start.
/// - *Copy-truncate*: the file shrinks below the offset read (or its head changes), and is
///   read again from its start. Lines written between the rotator's copy and its truncate
///   exist only in the copy: when the copy is in a watched folder it continues the old
///   stream from the offset read, otherwise those lines are lost (inherent to copy-truncate).
/// - *Compression* in a watched folder (`app.log.1` → `app.log.1.gz`): a compressed file
///   is read once it is complete (size unchanged for `settleSeconds` and the stream ends
///   properly). If its decompressed head continues a known stream, the bytes already read
///   are skipped; otherwise it is read whole.
///
/// Only the thread that calls `poll` may use a follower. Files are read with `pread`
/// (plain) or through `openByteSource` (gzip, zstd); a partial last line is left for the
/// next poll. Written on Glibc's calls like the rest of TrawlIngest's readers: it needs
/// `stat`/`fstat` (device, inode, size) and positioned reads, and polls (every 10 ms when
/// idle) rather than using inotify, which misses nothing across rename and copy-truncate
/// and works the same on any file system.
public final class LogFollower {
    private enum Source {
        case file(String)
        case folder(String)
    }

    private struct DevIno: Hashable {
        var device: UInt64
        var inode: UInt64
    }

    private final class Stream {
        let id: Int
        var headLength: Int
        var headHash: UInt64
        var offset: Int64
        var finished: Bool
        var path: String
        var devino: DevIno
        var lastRead: Timestamp
        /// The open file reading it, if any.
        var reader: TrackedFile?
        /// Copies of its content seen in watched folders while another file was read.
        var aliases: [String] = []

        init(id: Int, path: String, devino: DevIno, offset: Int64) {
            self.id = id
            self.path = path
            self.devino = devino
            self.offset = offset
            headLength = 0
            headHash = 0
            finished = false
            lastRead = nowMillis()
        }

        var position: StreamPosition {
            StreamPosition(
                path: path, device: devino.device, inode: devino.inode, headLength: headLength, headHash: headHash, offset: offset,
                finished: finished, lastRead: lastRead)
        }
    }

    private final class TrackedFile {
        /// -1 once closed (`poll` then drops it).
        var fd: Int32
        var path: String
        let devino: DevIno
        var stream: Stream
        /// The path no longer names this file (renamed away or deleted): read until quiet.
        var draining = false
        /// Seconds (monotonic) of the last growth.
        var lastGrowth: Double
        /// Read for a `file` source's path (never closed for idleness).
        var followsPath: Bool
        /// The last read found no more lines: check for truncation before reading again.
        var atEnd = false

        init(fd: Int32, path: String, devino: DevIno, stream: Stream, followsPath: Bool) {
            self.fd = fd
            self.path = path
            self.devino = devino
            self.stream = stream
            self.followsPath = followsPath
            lastGrowth = monotonicSeconds()
        }
    }

    /// A compressed file waiting to be complete.
    private struct Pending {
        var size: Int64
        var modified: Int64
        var since: Double
    }

    public let options: FollowOptions
    private let sources: [Source]
    private var streams: [Int: Stream] = [:]
    private var nextStream = 0
    private var files: [TrackedFile] = []
    /// Files a `file` source reads at its path, by path.
    private var atPath: [String: TrackedFile] = [:]
    /// Files read whole or known as copies (not to be looked at again), with their size then.
    private var consumed: [DevIno: Int64] = [:]
    private var pending: [DevIno: Pending] = [:]
    private var lastScan = -Double.infinity
    private var started = false
    private let firstRun: Bool
    private var buffer: [UInt8]
    /// Rotations, truncations and files that could not be read, for the run's log.
    public private(set) var notices: [String] = []

    /// Follows files (their path: a new file there is read after the old one) and folders
    /// (every log file in them, recursively: `*.jsonl`, `*.ndjson`, `*.json`, `*.log`,
    /// optionally `.gz` or `.zst`).
    ///
    /// - Parameter resume: the positions of a checkpoint (empty on a first run).
    /// - Throws: `IngestError` (`noSuchInput`) when a path and its folder are both missing,
    ///   `notAFile` for something that is neither a file nor a folder.
    public init(paths: [String], options: FollowOptions = FollowOptions(), resume: [StreamPosition] = []) throws {
        var sources: [Source] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
                if isDirectory.boolValue {
                    sources.append(.folder(path))
                } else if FileStatus.of(path: path) != nil {
                    sources.append(.file(path))
                } else {
                    throw IngestError(file: path, reason: .notAFile)
                }
            } else {
                // A file may be missing for a moment while its rotator replaces it.
                let folder = (path as NSString).deletingLastPathComponent
                guard FileManager.default.fileExists(atPath: folder.isEmpty ? "." : folder) else {
                    throw IngestError(file: path, reason: .noSuchInput)
                }
                sources.append(.file(path))
            }
        }
        self.sources = sources
        self.options = options
        firstRun = resume.isEmpty
        buffer = [UInt8](repeating: 0, count: max(options.readBytes, 4096))
        let now = nowMillis()
        for p in resume where !(p.finished && Double(now - p.lastRead) > options.forgetSeconds * 1000) {
            let s = newStream(path: p.path, devino: DevIno(device: p.device, inode: p.inode), offset: p.offset)
            s.headLength = p.headLength
            s.headHash = p.headHash
            s.finished = p.finished
            s.lastRead = p.lastRead
        }
    }

    deinit { for f in files { close(f.fd) } }

    /// Streams held (open or remembered).
    public var streamCount: Int { streams.count }
    /// Files open.
    public var openFiles: Int { files.count }

    /// Takes the notices gathered since the last call.
    public func takeNotices() -> [String] {
        defer { notices.removeAll() }
        return notices
    }

    /// Reads what is new in every source and hands it to `emit`, in order per stream.
    /// - Returns: whether any bytes were read (call again at once), else wait a little.
    @discardableResult
    public func poll(_ emit: (FollowedChunk) -> Void) -> Bool {
        if !started {
            started = true
            locateResumed(emit)
        }
        let now = monotonicSeconds()
        if now - lastScan >= options.rescanSeconds {
            let initial = lastScan == -.infinity
            lastScan = now
            scan(initial: initial, emit)
        } else {
            checkPaths(emit)  // a rotated path is opened again at once, not at the next scan
        }
        var progressed = false
        for f in files where f.fd >= 0 {
            if read(f, emit) { progressed = true } else { checkAtEnd(f, emit) }
        }
        files.removeAll { $0.fd < 0 }
        return progressed
    }

    // MARK: - Discovery

    private func newStream(path: String, devino: DevIno, offset: Int64) -> Stream {
        let s = Stream(id: nextStream, path: path, devino: devino, offset: offset)
        nextStream += 1
        streams[s.id] = s
        return s
    }

    /// Finds the files of streams a checkpoint left unfinished: the same inode in the
    /// stream's folder (renamed there meanwhile), else a compressed copy of its content.
    private func locateResumed(_ emit: (FollowedChunk) -> Void) {
        for s in streams.values.sorted(by: { $0.id < $1.id }) where !s.finished && s.reader == nil {
            let folder = (s.path as NSString).deletingLastPathComponent
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.isEmpty ? "." : folder)) ?? []
            var found = false
            for name in names.sorted() where !name.hasPrefix(".") {
                let path = folder.isEmpty ? name : (folder as NSString).appendingPathComponent(name)
                guard let st = FileStatus.of(path: path), st.device == s.devino.device, st.inode == s.devino.inode else { continue }
                if let head = plainHead(path), head.continues(headLength: s.headLength, headHash: s.headHash),
                    let f = open(path, st, stream: s, at: s.offset, followsPath: false)
                {
                    if path != s.path { notices.append("\(s.path): resumed in \(path), where it was renamed") }
                    s.path = path
                    files.append(f)
                    found = true
                    break
                }
            }
            if found { continue }
            for name in names.sorted() where !name.hasPrefix(".") {
                let path = folder.isEmpty ? name : (folder as NSString).appendingPathComponent(name)
                guard let st = FileStatus.of(path: path), Self.isCompressed(path) else { continue }
                if let head = compressedHead(path), head.continues(headLength: s.headLength, headHash: s.headHash) {
                    notices.append("\(s.path): resumed from its compressed copy \(path)")
                    readCompressed(path, st, stream: s, emit)
                    found = true
                    break
                }
            }
            if !found && FileStatus.of(path: s.path) == nil {
                notices.append("\(s.path): gone while stopped; lines after byte \(s.offset) of it were not read")
                s.finished = true
                emit(FollowedChunk(stream: s.id, position: s.position, bytes: []))
            }
        }
    }

    /// Opens the file at each `file` source's path when none is being read there.
    private func checkPaths(_ emit: (FollowedChunk) -> Void, initial: Bool = false) {
        for case .file(let path) in sources {
            if let f = atPath[path], f.fd >= 0, !f.draining { continue }
            guard let st = FileStatus.of(path: path) else { continue }
            if let tracked = files.first(where: { $0.fd >= 0 && $0.devino == DevIno(device: st.device, inode: st.inode) }) {
                tracked.followsPath = true
                atPath[path] = tracked
                continue
            }
            if let f = discover(path, st, initial: initial, followsPath: true, emit) { atPath[path] = f }
        }
    }

    private func scan(initial: Bool, _ emit: (FollowedChunk) -> Void) {
        checkPaths(emit, initial: initial)
        for source in sources {
            switch source {
            case .file: continue
            case .folder(let folder):
                for path in Self.logFiles(in: folder) {
                    guard let st = FileStatus.of(path: path) else { continue }
                    let key = DevIno(device: st.device, inode: st.inode)
                    if let tracked = files.first(where: { $0.fd >= 0 && $0.devino == key }) {
                        if tracked.path != path {
                            notices.append("\(tracked.path): renamed to \(path)")
                            tracked.path = path
                            tracked.stream.path = path
                        }
                        continue
                    }
                    if let size = consumed[key], size == st.size { continue }
                    consumed[key] = nil
                    _ = discover(path, st, initial: initial, followsPath: false, emit)
                }
            }
        }
    }

    /// Starts reading a file not seen before (or a consumed one that changed).
    private func discover(
        _ path: String, _ st: FileStatus, initial: Bool, followsPath: Bool, _ emit: (FollowedChunk) -> Void
    ) -> TrackedFile? {
        let key = DevIno(device: st.device, inode: st.inode)
        if Self.isCompressed(path) {
            if initial && firstRun && options.startAtEnd {
                // Already there on a first run from the end: remember its content, read none.
                consumed[key] = st.size
                if let head = compressedHead(path) {
                    let s = newStream(path: path, devino: key, offset: .max)
                    s.headLength = head.bytes.count
                    s.headHash = head.hash
                    s.finished = true
                    emit(FollowedChunk(stream: s.id, position: s.position, bytes: []))
                }
                return nil
            }
            let now = monotonicSeconds()
            guard let p = pending[key], p.size == st.size, p.modified == st.modified else {
                pending[key] = Pending(size: st.size, modified: st.modified, since: now)
                return nil
            }
            guard now - p.since >= options.settleSeconds else { return nil }
            // Complete when the stream ends properly, or when it has not changed for long
            // (a damaged file is read up to its damage, as a batch run does).
            let complete = Self.compressedStreamEnds(path)
            guard complete || now - p.since >= max(60, 10 * options.settleSeconds) else { return nil }
            guard let head = compressedHead(path) else { return nil }
            let known = bestStream(for: head)
            // The plain file it was made from is still being read: wait for its end, then skip
            // what it gave.
            if let known, known.reader != nil { return nil }
            pending[key] = nil
            consumed[key] = st.size
            if let s = known {
                if s.offset >= Int64.max / 2 {
                    notices.append("\(path): a compressed copy of content already accounted for; skipped")
                } else {
                    notices.append("\(path): compressed copy of \(s.path); reading past byte \(s.offset)")
                    readCompressed(path, st, stream: s, emit)
                }
            } else {
                let s = newStream(path: path, devino: key, offset: 0)
                readCompressed(path, st, stream: s, emit)
            }
            return nil
        }
        guard let head = plainHead(path) else { return nil }
        if !head.bytes.isEmpty, let s = bestStream(for: head) {
            if let reader = s.reader, reader.fd >= 0 {
                // A copy of a file being read (a copy-truncate rotator's): kept in case the
                // original is truncated before its last lines were read.
                s.aliases.append(path)
                consumed[key] = st.size
                return nil
            }
            if st.size <= s.offset && s.finished {
                consumed[key] = st.size
                return nil
            }
            s.finished = false
            if s.path != path { notices.append("\(path): continues \(s.path) from byte \(s.offset)") }
            s.path = path
            s.devino = key
            guard let f = open(path, st, stream: s, at: s.offset, followsPath: followsPath) else { return nil }
            files.append(f)
            return f
        }
        var start: Int64 = 0
        if initial && firstRun && options.startAtEnd { start = lastLineEnd(path, size: st.size) }
        let s = newStream(path: path, devino: key, offset: start)
        guard let f = open(path, st, stream: s, at: start, followsPath: followsPath) else {
            streams[s.id] = nil
            return nil
        }
        updateHead(f)
        files.append(f)
        if start > 0 { emit(FollowedChunk(stream: s.id, position: s.position, bytes: [])) }
        return f
    }

    /// The stream whose head the given head continues (the longest such head).
    private func bestStream(for head: FileHead) -> Stream? {
        var best: Stream?
        for s in streams.values where head.continues(headLength: s.headLength, headHash: s.headHash) {
            if best == nil || s.headLength > best!.headLength || (s.headLength == best!.headLength && s.id > best!.id) { best = s }
        }
        return best
    }

    private func open(_ path: String, _ st: FileStatus, stream: Stream, at offset: Int64, followsPath: Bool) -> TrackedFile? {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            notices.append("\(path): cannot open: \(String(cString: strerror(errno)))")
            return nil
        }
        guard let now = FileStatus.of(fd: fd), now.sameFile(st) else {
            close(fd)
            return nil
        }
        let f = TrackedFile(
            fd: fd, path: path, devino: DevIno(device: st.device, inode: st.inode), stream: stream, followsPath: followsPath)
        stream.reader = f
        stream.offset = offset
        return f
    }

    // MARK: - Reading plain files

    /// Reads whole lines from where the file's stream stands. Returns whether any came.
    private func read(_ f: TrackedFile, _ emit: (FollowedChunk) -> Void) -> Bool {
        guard f.fd >= 0 else { return false }
        if f.atEnd {
            // New bytes after a pause may be a truncated file's new content, not more of the old.
            f.atEnd = false
            if let st = FileStatus.of(fd: f.fd), isReplaced(f, st) { replace(f, st, emit) }
        }
        var progressed = false
        for _ in 0..<8 {
            let s = f.stream
            let n = buffer.withUnsafeMutableBytes { pread(f.fd, $0.baseAddress, $0.count, off_t(s.offset)) }
            guard n > 0 else { break }
            if let last = buffer[..<n].lastIndex(of: 0x0A) {
                let bytes = Array(buffer[...last])
                s.offset += Int64(bytes.count)
                s.lastRead = nowMillis()
                f.lastGrowth = monotonicSeconds()
                if s.headLength < FileHead.length { updateHead(f) }
                emit(FollowedChunk(stream: s.id, position: s.position, bytes: bytes))
                progressed = true
                continue
            }
            // No newline in a full read: a line longer than the buffer.
            guard n == buffer.count else { break }  // a partial last line: wait for the rest
            if skipLongLine(f, emit) { progressed = true } else { break }
        }
        return progressed
    }

    /// Handles a line longer than the read size: reads it whole when within
    /// `maxLineBytes`, else skips past its newline. Returns whether the stream moved.
    private func skipLongLine(_ f: TrackedFile, _ emit: (FollowedChunk) -> Void) -> Bool {
        let s = f.stream
        var probe = [UInt8](repeating: 0, count: options.maxLineBytes + 1)
        let n = probe.withUnsafeMutableBytes { pread(f.fd, $0.baseAddress, $0.count, off_t(s.offset)) }
        guard n > 0 else { return false }
        if let nl = probe[..<n].firstIndex(of: 0x0A) {
            s.offset += Int64(nl + 1)
            f.lastGrowth = monotonicSeconds()
            if s.headLength < FileHead.length { updateHead(f) }
            emit(FollowedChunk(stream: s.id, position: s.position, bytes: Array(probe[...nl])))
            return true
        }
        guard n > options.maxLineBytes else { return false }  // still being written
        // Over the limit: skip to the next newline, however far.
        var at = s.offset + Int64(n)
        while true {
            let m = buffer.withUnsafeMutableBytes { pread(f.fd, $0.baseAddress, $0.count, off_t(at)) }
            guard m > 0 else { return false }  // its end is not written yet
            if let nl = buffer[..<m].firstIndex(of: 0x0A) {
                at += Int64(nl + 1)
                break
            }
            at += Int64(m)
        }
        s.offset = at
        f.lastGrowth = monotonicSeconds()
        emit(FollowedChunk(stream: s.id, position: s.position, bytes: [], overlongLines: 1))
        return true
    }

    /// At the end of a file: truncation, replacement, rotation, the end of a drained file.
    private func checkAtEnd(_ f: TrackedFile, _ emit: (FollowedChunk) -> Void) {
        guard f.fd >= 0, let st = FileStatus.of(fd: f.fd) else { return }
        f.atEnd = true
        let s = f.stream
        let now = monotonicSeconds()
        if isReplaced(f, st) {
            replace(f, st, emit)
            return
        }
        if !f.draining {
            let there = FileStatus.of(path: f.path)
            if there == nil || !(there!.device == f.devino.device && there!.inode == f.devino.inode) {
                f.draining = true
                f.lastGrowth = now
                notices.append(
                    there == nil ? "\(f.path): deleted; reading it to its end" : "\(f.path): rotated; reading the old file to its end")
                if f.followsPath { atPath[f.path] = nil }
            } else if !f.followsPath && now - f.lastGrowth >= options.idleCloseSeconds {
                close(f.fd)
                f.fd = -1
                f.stream.reader = nil
                consumed[f.devino] = nil
            }
            return
        }
        guard now - f.lastGrowth >= options.graceSeconds else { return }
        // Done: a last line without its newline still counts.
        if st.size > s.offset {
            let n = Int(st.size - s.offset)
            var tail = [UInt8](repeating: 0, count: n)
            let got = tail.withUnsafeMutableBytes { pread(f.fd, $0.baseAddress, n, off_t(s.offset)) }
            if got > 0 {
                s.offset += Int64(got)
                emit(FollowedChunk(stream: s.id, position: s.position, bytes: Array(tail[..<got])))
            }
        }
        close(f.fd)
        f.fd = -1
        s.reader = nil
        continueFromAlias(s, emit)
        if s.reader == nil {
            s.finished = true
            emit(FollowedChunk(stream: s.id, position: s.position, bytes: []))
        }
    }

    /// Whether the file no longer holds its stream's content: shorter than the offset read,
    /// or its head changed (truncated and written again past the offset).
    private func isReplaced(_ f: TrackedFile, _ st: FileStatus) -> Bool {
        let s = f.stream
        if st.size < s.offset { return true }
        guard s.headLength > 0 && s.offset > 0 else { return false }
        var head = [UInt8](repeating: 0, count: s.headLength)
        let n = head.withUnsafeMutableBytes { pread(f.fd, $0.baseAddress, $0.count, 0) }
        return n != s.headLength || FileHead.hash(head[...]) != s.headHash
    }

    /// Copy-truncate (or a file rewritten in place): the content read so far is gone from
    /// this file, which is read again from its start as a new stream; the old stream goes
    /// on from a copy of it in a watched folder, if there is one.
    private func replace(_ f: TrackedFile, _ st: FileStatus, _ emit: (FollowedChunk) -> Void) {
        let s = f.stream
        notices.append("\(f.path): truncated to \(st.size) bytes after \(s.offset) were read; reading it again from its start")
        s.reader = nil
        continueFromAlias(s, emit)
        if !s.finished && s.reader == nil {
            s.finished = true
            emit(FollowedChunk(stream: s.id, position: s.position, bytes: []))
        }
        let fresh = newStream(path: f.path, devino: f.devino, offset: 0)
        fresh.reader = f
        f.stream = fresh
        f.lastGrowth = monotonicSeconds()
    }

    /// A stream whose file went away continues from a copy seen in a watched folder.
    private func continueFromAlias(_ s: Stream, _ emit: (FollowedChunk) -> Void) {
        while let path = s.aliases.popLast() {
            guard let st = FileStatus.of(path: path), st.size > s.offset, let head = plainHead(path),
                head.continues(headLength: s.headLength, headHash: s.headHash)
            else { continue }
            consumed[DevIno(device: st.device, inode: st.inode)] = nil
            notices.append("\(path): copy of \(s.path); reading it past byte \(s.offset)")
            s.path = path
            s.devino = DevIno(device: st.device, inode: st.inode)
            if let f = open(path, st, stream: s, at: s.offset, followsPath: false) {
                files.append(f)
                _ = read(f, emit)
                return
            }
        }
    }

    private func updateHead(_ f: TrackedFile) {
        var head = [UInt8](repeating: 0, count: FileHead.length)
        let n = head.withUnsafeMutableBytes { pread(f.fd, $0.baseAddress, $0.count, 0) }
        guard n > f.stream.headLength else { return }
        // Only whole head bytes already read count, so that a head never names bytes a
        // stream has not consumed.
        let length = min(n, Int(min(Int64(FileHead.length), max(f.stream.offset, Int64(n)))))
        f.stream.headLength = length
        f.stream.headHash = FileHead.hash(head[..<length])
    }

    // MARK: - Compressed files

    /// Reads a complete compressed file, skipping the stream's content already read.
    private func readCompressed(_ path: String, _ st: FileStatus, stream s: Stream, _ emit: (FollowedChunk) -> Void) {
        let key = DevIno(device: st.device, inode: st.inode)
        consumed[key] = st.size
        let source: any ByteSource
        do { source = try openByteSource(InputFile(path: path)) } catch {
            notices.append("\(path): cannot open: \(error)")
            return
        }
        let skip = max(0, s.offset)
        var cutter = LineCutter(maxLineBytes: options.maxLineBytes)
        var delivered: Int64 = 0
        var failure: IngestError?
        s.path = path
        s.devino = key
        if s.headLength == 0, let head = compressedHead(path) {
            s.headLength = head.bytes.count
            s.headHash = head.hash
        }
        read: while true {
            let n: Int
            do { n = try buffer.withUnsafeMutableBytes { try source.read(into: $0) } } catch let e as IngestError {
                failure = e
                break read
            } catch {
                break read
            }
            if n == 0 { break }
            var from = 0
            // Bytes before the stream's offset were read already (from the plain file).
            if delivered < skip {
                from = Int(min(Int64(n), skip - delivered))
            }
            delivered += Int64(n)
            guard from < n else { continue }
            cutter.feed(buffer[from..<n]) { bytes, overlong, consumed in
                s.offset = skip + consumed
                s.lastRead = nowMillis()
                emit(FollowedChunk(stream: s.id, position: s.position, bytes: bytes, overlongLines: overlong))
            }
        }
        if let rest = cutter.finish() {
            s.offset = skip + cutter.consumed
            emit(FollowedChunk(stream: s.id, position: s.position, bytes: rest))
        }
        if let failure { notices.append("\(failure.description); lines before the damage were read") }
        if delivered > s.offset { s.offset = delivered }
        s.finished = true
        s.reader = nil
        emit(FollowedChunk(stream: s.id, position: s.position, bytes: []))
    }

    private func compressedHead(_ path: String) -> FileHead? {
        guard let source = try? openByteSource(InputFile(path: path)) else { return nil }
        var head = [UInt8](repeating: 0, count: FileHead.length)
        var got = 0
        while got < head.count {
            let n = (try? head.withUnsafeMutableBytes { try source.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[got...])) }) ?? 0
            if n <= 0 { break }
            got += n
        }
        return FileHead(head[..<got])
    }

    private func plainHead(_ path: String) -> FileHead? {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var head = [UInt8](repeating: 0, count: FileHead.length)
        let n = head.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        return n >= 0 ? FileHead(head[..<n]) : nil
    }

    /// The offset just past the last newline of a file of `size` bytes.
    private func lastLineEnd(_ path: String, size: Int64) -> Int64 {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return 0 }
        defer { close(fd) }
        var end = size
        while end > 0 {
            let from = max(0, end - Int64(buffer.count))
            let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, Int(end - from), off_t(from)) }
            guard n > 0 else { return 0 }
            if let nl = buffer[..<n].lastIndex(of: 0x0A) { return from + Int64(nl) + 1 }
            end = from
        }
        return 0
    }

    /// Whether a compressed file's stream ends properly (its writer has finished it).
    static func compressedStreamEnds(_ path: String) -> Bool {
        guard let source = try? openByteSource(InputFile(path: path)) else { return false }
        var scratch = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            do {
                let n = try scratch.withUnsafeMutableBytes { try source.read(into: $0) }
                if n == 0 { return true }
            } catch let e as IngestError {
                if case .truncatedStream = e.reason { return false }
                return true  // corrupt, not unfinished
            } catch {
                return false
            }
        }
    }

    static func isCompressed(_ path: String) -> Bool {
        path.hasSuffix(".gz") || path.hasSuffix(".zst") || path.hasSuffix(".zstd")
    }

    /// A log file's name (`InputResolver.isLogName`), or a rotated one: the same followed by
    /// a rotator's number or date (`app.log.1`, `app.log.2.gz`, `api.jsonl-20261121.zst`).
    static func isFollowedName(_ name: String) -> Bool {
        if InputResolver.isLogName(name) { return true }
        var base = Substring(name)
        for suffix in [".gz", ".zst", ".zstd"] where base.hasSuffix(suffix) {
            base = base.dropLast(suffix.count)
            break
        }
        // Drop the rotation suffix: separators and digits at the end.
        var end = base.endIndex
        while end > base.startIndex, base[base.index(before: end)].isASCII,
            base[base.index(before: end)].isNumber || base[base.index(before: end)] == "-"
        {
            end = base.index(before: end)
        }
        guard end < base.endIndex, end > base.startIndex else { return false }
        let separator = base[base.index(before: end)]
        guard separator == "." || separator == "-" || separator == "_" else {
            // `-2026…` was taken with the digits; what is left must end with a log suffix.
            return InputResolver.isLogName(String(base[..<end]))
        }
        return InputResolver.isLogName(String(base[..<base.index(before: end)]))
    }

    /// Log files in a folder, recursively, skipping hidden entries, sorted.
    static func logFiles(in folder: String) -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: folder) else { return [] }
        var out: [String] = []
        while let rel = walker.nextObject() as? String {
            let name = (rel as NSString).lastPathComponent
            if name.hasPrefix(".") {
                walker.skipDescendants()
                continue
            }
            if isFollowedName(name) { out.append((folder as NSString).appendingPathComponent(rel)) }
        }
        return out.sorted()
    }
}
