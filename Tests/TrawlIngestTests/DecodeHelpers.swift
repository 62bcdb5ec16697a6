import Foundation
import TestSupport
import TrawlIngest
import TrawlModel

/// An event with its interned fields resolved, so events from different decoders compare.
struct ResolvedEvent: Equatable, CustomStringConvertible {
    var ts: Int64
    var account: String
    var ip: String
    var port: Int32
    var requestID: String?
    var userAgent: String
    var plan: String
    var model: String
    var session: UInt64
    var apiKey: UInt64
    var inputTokens: Int64
    var outputTokens: Int64
    var maxTokens: Int64
    var latencyMs: Int64
    var turns: Int32
    var status: Int32
    var temperature: Float
    var flags: UInt16
    var simhash: UInt64
    var prompt: String? = nil
    var systemPrompt: String? = nil

    var description: String { "\(account)@\(ts) \(ip) ua=\(userAgent)" }

    static func == (a: ResolvedEvent, b: ResolvedEvent) -> Bool {
        a.ts == b.ts && a.account == b.account && a.ip == b.ip && a.port == b.port && a.requestID == b.requestID
            && a.userAgent == b.userAgent && a.plan == b.plan && a.model == b.model && a.session == b.session
            && a.apiKey == b.apiKey && a.inputTokens == b.inputTokens && a.outputTokens == b.outputTokens
            && a.maxTokens == b.maxTokens && a.latencyMs == b.latencyMs && a.turns == b.turns && a.status == b.status
            && (a.temperature == b.temperature || (a.temperature.isNaN && b.temperature.isNaN)) && a.flags == b.flags
            && a.simhash == b.simhash && a.prompt == b.prompt && a.systemPrompt == b.systemPrompt
    }
}

struct DecodeOutcome {
    var events: [ResolvedEvent] = []
    var tally = BadLineTally()
    var lines = 0
    var streamError: IngestError?
}

/// Reads a file through the real chunker and decoder on one thread.
func decodeFile(_ path: String, chunkSize: Int = 1 << 16, maxLineBytes: Int = 1 << 20) throws -> DecodeOutcome {
    let source = try openByteSource(InputFile(path: path))
    let pool = ChunkPool(chunkSize: chunkSize)
    let chunker = LineChunker(source: source, fileIndex: 0, pool: pool, maxLineBytes: maxLineBytes)
    var decoder = CanonicalLogDecoder(maxLineBytes: maxLineBytes)
    var out = DecodeOutcome()
    while let chunk = chunker.next() {
        switch chunk.kind {
        case .lines:
            var batch = DecodedBatch()
            decoder.decode(chunk.buffer!.bytes, fileIndex: 0, sequence: chunk.sequence, into: &batch)
            out.lines += batch.lines
            for e in batch.events {
                let i = decoder.interner
                out.events.append(
                    ResolvedEvent(
                        ts: e.ts, account: i.string(e.account), ip: e.clientIP.description, port: e.clientPort,
                        requestID: batch.requestID(of: e), userAgent: i.string(e.userAgent), plan: i.string(e.plan),
                        model: i.string(e.model), session: e.sessionHash, apiKey: e.apiKeyHash,
                        inputTokens: e.inputTokens, outputTokens: e.outputTokens, maxTokens: e.maxTokens,
                        latencyMs: e.latencyMs, turns: e.turns, status: e.status, temperature: e.temperature,
                        flags: e.flags.rawValue, simhash: e.promptSimhash, prompt: batch.prompt(of: e),
                        systemPrompt: batch.systemPrompt(of: e)))
            }
            pool.recycle(chunk.buffer!)
        case .overlongLine:
            out.lines += 1
            decoder.recordDropped(.lineTooLong, at: LinePosition(fileIndex: 0, sequence: chunk.sequence, lineInChunk: 0), detail: "")
        case .truncatedTail:
            break
        }
    }
    out.tally = decoder.tally
    out.streamError = chunker.streamError
    return out
}
