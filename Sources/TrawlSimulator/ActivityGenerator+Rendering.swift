import TrawlModel

extension ActivityGenerator {
    /// Applies the plan window, picks each line's timestamp form and part file, and renders.
    mutating func emit(
        _ p: AccountProfile, account: Int, state: inout AccountState, day: DayContext,
        rng: inout SimulationRandom, arena: inout DayArena, spill: inout DayArena
    ) {
        let limit = p.plan.windowTokens
        let idBase = (UInt64(day.index) << 48 | UInt64(account) << 24) ^ world.spec.seed
        let isLastDay = day.index == world.spec.days - 1
        var captureRNG = SimulationRandom(world.spec.seed, 0xCA97, UInt64(account), UInt64(day.index))
        for i in requests.indices {
            var q = requests[i]
            if limit > 0 && !state.admit(q.ts, tokens: q.inputTokens + q.outputTokens, limit: limit) {
                q.status = 429
                q.rateLimited = true
            }
            if !q.rateLimited && rng.chance(0.002) { q.status = rng.chance(0.7) ? 529 : 500 }
            if q.status != 200 {
                q.inputTokens = 0
                q.outputTokens = 0
                if q.cacheRead > 0 { q.cacheRead = 0 }
                q.latency = rng.int(30, 400)
            }
            // Timestamp form: mostly UTC with milliseconds; some microseconds, whole seconds,
            // local offsets and integer epoch milliseconds.
            let roll = rng.int(1000)
            let style = roll < 840 ? 0 : roll < 860 ? 1 : roll < 870 ? 2 : roll < 950 ? 3 : 4
            if style == 2 { q.ts -= q.ts % 1000 }
            let requestID = mix64(idBase ^ UInt64(i & 0xFF_FFFF))
            let part = rng.int(12)
            if q.ts >= day.end {
                if isLastDay { continue }
                spill.begin()
                render(q, p, style: style, requestID: requestID, rng: &rng, into: &spill.bytes)
                spill.end(millisOfDay: q.ts - day.end, part: part)
                if capture { noteConnection(q, p, account: account, rng: &captureRNG, into: &spill.connections) }
            } else {
                arena.begin()
                render(q, p, style: style, requestID: requestID, rng: &rng, into: &arena.bytes)
                arena.end(millisOfDay: q.ts - day.start, part: part)
                if capture { noteConnection(q, p, account: account, rng: &captureRNG, into: &arena.connections) }
            }
        }
    }

    /// One JSON object and a newline. Optional fields are left out on a realistic minority
    /// of lines (absent means unknown); `accept_language` is sometimes an explicit `null`.
    mutating func render(
        _ q: Request, _ p: AccountProfile, style: Int, requestID: UInt64, rng: inout SimulationRandom,
        into out: inout [UInt8]
    ) {
        let bits = rng.next()
        @inline(__always) func present(_ shift: UInt64, _ mask: UInt64) -> Bool { (bits >> shift) & mask != 0 }
        out.append("{\"ts\":")
        appendTimestamp(q, p, style: style, rng: &rng, into: &out)
        out.append(",\"account_id\":\"")
        out.append(contentsOf: p.id)
        out.append("\",\"client_ip\":\"")
        out.appendIP(q.ip)
        out.append(UInt8(ascii: "\""))
        if q.port >= 0 && present(0, 31) {
            out.append(",\"client_port\":")
            out.appendInt(Int(q.port))
        }
        if present(5, 127) {
            out.append(",\"request_id\":\"req_")
            out.appendHex(requestID, digits: 16)
            out.append(UInt8(ascii: "\""))
        }
        if q.key >= 0 && Int(q.key) < p.keys.count {
            out.append(",\"api_key_id\":\"")
            out.append(contentsOf: p.keys[Int(q.key)])
            out.append(UInt8(ascii: "\""))
        }
        if !p.orgID.isEmpty {
            out.append(",\"org_id\":\"")
            out.append(contentsOf: p.orgID)
            out.append(UInt8(ascii: "\""))
        }
        if present(12, 31) {
            out.append(",\"plan\":\"")
            out.append(contentsOf: Plan.nameBytes[p.plan.rawValue])
            out.append(UInt8(ascii: "\""))
        }
        if q.session != 0 && present(17, 31) {
            out.append(",\"session_id\":\"")
            appendUUID(q.session, into: &out)
            out.append(UInt8(ascii: "\""))
        }
        let stack = ClientCatalog.all[Int(q.client)]
        if present(22, 127) {
            out.append(",\"user_agent\":\"")
            out.append(contentsOf: stack.userAgent)
            out.append(UInt8(ascii: "\""))
        }
        if q.lang >= 0 {
            if present(29, 127) {
                out.append(",\"accept_language\":\"")
                out.append(contentsOf: Geography.languages[Int(q.lang)])
                out.append(UInt8(ascii: "\""))
            } else {
                out.append(",\"accept_language\":null")
            }
        }
        if q.zone >= 0 {
            out.append(",\"client_timezone\":\"")
            out.append(contentsOf: Geography.zones[Int(q.zone)].name)
            out.append(UInt8(ascii: "\""))
        }
        if !capture && (bits >> 36) & 15 > 4 {
            out.append(",\"ja4\":\"")
            out.append(contentsOf: stack.ja4)
            out.append(UInt8(ascii: "\""))
        }
        out.append(",\"endpoint\":\"/v1/messages\",\"model\":\"")
        out.append(contentsOf: Model.nameBytes[q.model.rawValue])
        out.append("\",\"status\":")
        out.appendInt(Int(q.status))
        out.append(q.stream ? ",\"stream\":true" : ",\"stream\":false")
        out.append(",\"input_tokens\":")
        out.appendInt(q.inputTokens)
        out.append(",\"output_tokens\":")
        out.appendInt(q.outputTokens)
        if q.cacheRead >= 0 {
            out.append(",\"cache_read_tokens\":")
            out.appendInt(q.cacheRead)
        }
        if q.maxTokens >= 0 {
            out.append(",\"max_tokens\":")
            out.appendInt(q.maxTokens)
        }
        if q.temperature >= 0 {
            out.append(",\"temperature\":")
            out.appendHundredths(Int(q.temperature))
        }
        if present(40, 31) { out.append(q.thinking ? ",\"thinking\":true" : ",\"thinking\":false") }
        out.append(",\"turns\":")
        out.appendInt(Int(q.turns))
        out.append(",\"latency_ms\":")
        out.appendInt(q.latency)
        if present(45, 31) { out.append(q.rateLimited ? ",\"rate_limited\":true" : ",\"rate_limited\":false") }
        // Prompt text with its SimHash (85%), the SimHash alone (12.5%), neither (2.5%); the
        // system prompt on 3 in 4 lines of the first two kinds. Without prompt text
        // (`promptText` off) the same lines keep only the SimHash.
        let mode = Int((bits >> 50) & 127)
        let withText = mode < 109
        let withHash = mode < 125
        if withHash {
            text.removeAll(keepingCapacity: true)
            PromptSource.shared.write(q.promptGroup, template: Int(q.promptTemplate), seed: q.promptSeed, into: &text)
            if withText && promptText {
                var nonASCII = false
                for c in text where c >= 0x80 {
                    nonASCII = true
                    break
                }
                let asciiOnly = nonASCII && (bits >> 57) & 3 == 0
                out.append(",\"prompt\":\"")
                text.withUnsafeBufferPointer { out.appendJSONEscaped($0, asciiOnly: asciiOnly) }
                out.append(UInt8(ascii: "\""))
            }
            if promptText && q.system != -1 && (bits >> 59) & 3 != 0 {
                out.append(",\"system_prompt\":\"")
                let system = q.system >= 0 ? PromptSource.shared.systemPrompts[Int(q.system)] : p.systemPrompt
                system.withUnsafeBufferPointer { out.appendJSONEscaped($0, asciiOnly: (bits >> 61) & 1 == 1) }
                out.append(UInt8(ascii: "\""))
            }
            out.append(",\"prompt_simhash\":\"")
            out.appendHex(text.withUnsafeBufferPointer { hasher.simHash($0) }, digits: 16)
            out.append(UInt8(ascii: "\""))
        }
        out.append("}\n")
    }

    private func appendTimestamp(_ q: Request, _ p: AccountProfile, style: Int, rng: inout SimulationRandom, into out: inout [UInt8]) {
        let ms = Int(q.ts % 1000)
        switch style {
        case 4:
            out.appendDecimal(UInt64(q.ts))
        case 3:
            let offset = Geography.zones[Int(q.zone >= 0 ? q.zone : p.zone)].offsetMinutes
            out.append(UInt8(ascii: "\""))
            out.appendDateTime(q.ts + Int64(offset) * 60_000)
            out.append(UInt8(ascii: "."))
            out.appendPadded(ms, width: 3)
            out.append(UInt8(ascii: offset < 0 ? "-" : "+"))
            out.appendPadded(abs(offset) / 60, width: 2)
            out.append(UInt8(ascii: ":"))
            out.appendPadded(abs(offset) % 60, width: 2)
            out.append(UInt8(ascii: "\""))
        default:
            out.append(UInt8(ascii: "\""))
            out.appendDateTime(q.ts)
            if style != 2 {
                out.append(UInt8(ascii: "."))
                out.appendPadded(ms, width: 3)
                if style == 1 { out.appendPadded(rng.int(1000), width: 3) }
            }
            out.append("Z\"")
        }
    }

    private func appendUUID(_ session: UInt64, into out: inout [UInt8]) {
        let a = mix64(session)
        let b = mix64(session ^ 0x5E55_1014)
        out.appendHex(a >> 32, digits: 8)
        out.append(UInt8(ascii: "-"))
        out.appendHex(a >> 16, digits: 4)
        out.append("-4")
        out.appendHex(a, digits: 3)
        out.append(UInt8(ascii: "-"))
        out.appendHex(0x8000 | (b >> 48) & 0x3FFF, digits: 4)
        out.append(UInt8(ascii: "-"))
        out.appendHex(b, digits: 12)
    }
}
