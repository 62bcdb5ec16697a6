import Foundation
import TrawlModel

/// Reads the account registry (inputs.md §2): JSONL, plain, gzip or zstd.
///
/// Not a hot path (one line per account), so it uses Foundation's JSON parser. Bad lines
/// are counted and sampled like log lines; the rest of the file is kept.
public enum AccountRegistryReader {
    public struct Result: Sendable {
        public var accounts: [String: AccountRecord] = [:]
        public var tally = BadLineTally()
        public var lines = 0
        public init() {}
    }

    /// - Throws: `IngestError` when the file cannot be opened.
    public static func read(_ path: String) throws -> Result {
        let source = try openByteSource(InputFile(path: path))
        let pool = ChunkPool(chunkSize: 1 << 20)
        let chunker = LineChunker(source: source, fileIndex: 0, pool: pool, maxLineBytes: 1 << 20)
        var result = Result()
        while let chunk = chunker.next() {
            // Registry files are read in order on one thread, so positions carry absolute
            // line indexes (sequence 0) and need no later resolution.
            let pos = LinePosition(fileIndex: 0, sequence: 0, lineInChunk: result.lines)
            switch chunk.kind {
            case .overlongLine:
                result.lines += 1
                result.tally.record(.lineTooLong, at: pos, detail: "line longer than 1 MiB")
                continue
            case .truncatedTail:
                continue
            case .lines: break
            }
            guard let buffer = chunk.buffer else { continue }
            let lines = buffer.bytes.split(separator: 0x0A, omittingEmptySubsequences: false)
            let count = buffer.bytes.last == 0x0A ? lines.count - 1 : lines.count
            for (k, line) in lines.prefix(count).enumerated() {
                let here = LinePosition(fileIndex: 0, sequence: 0, lineInChunk: result.lines + k)
                parse(Data(line), at: here, into: &result)
            }
            result.lines += count
            pool.recycle(buffer)
        }
        if let error = chunker.streamError {
            result.tally.record(
                { if case .truncatedStream = error.reason { return .truncatedStream } else { return .corruptStream } }(),
                at: LinePosition(fileIndex: 0, sequence: 0, lineInChunk: result.lines), detail: error.description)
        }
        return result
    }

    static func parse(_ line: Data, at pos: LinePosition, into result: inout Result) {
        if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return }
        guard String(data: line, encoding: .utf8) != nil else {
            result.tally.record(.invalidUTF8, at: pos, detail: "invalid UTF-8")
            return
        }
        guard let object = (try? JSONSerialization.jsonObject(with: line)) as? [String: Any] else {
            result.tally.record(.invalidJSON, at: pos, detail: "invalid JSON")
            return
        }
        guard let id = object["account_id"] as? String, !id.isEmpty else {
            result.tally.record(
                object["account_id"] == nil ? .missingField(.accountID) : .invalidField(.accountID), at: pos,
                detail: "account_id missing or not a string")
            return
        }
        var record = AccountRecord(accountID: id)
        if let text = object["created_at"] as? String { record.createdAt = TimestampParser.parse(text) }
        record.plan = object["plan"] as? String
        if let text = object["signup_ip"] as? String { record.signupIP = IPAddress(text) }
        record.signupUserAgent = object["signup_user_agent"] as? String
        record.emailDomain = (object["email_domain"] as? String)?.lowercased()
        record.phoneCountry = (object["phone_country"] as? String)?.uppercased()
        record.paymentFingerprint = object["payment_fingerprint"] as? String
        record.cardCountry = (object["card_country"] as? String)?.uppercased()
        record.billingCountry = (object["billing_country"] as? String)?.uppercased()
        record.kycStatus = object["kyc_status"] as? String
        result.accounts[id] = record
    }
}
