import TrawlModel

/// Generates the requests of one account for one day and renders them as log lines.
///
/// Each account-day draws from its own generator (seed, account, day), so the output does
/// not depend on the order or the thread in which accounts are processed. Requests are
/// generated per population, sorted by time, passed through the plan-window limiter and
/// rendered; lines past midnight go to the next day's arena.
struct ActivityGenerator {
    let world: World
    var requests: [Request] = []
    var weights = [Double](repeating: 0, count: 24)
    var dayAddresses: [IPAddress] = []
    var day24: [UInt32] = []
    var daySite: UInt64 = 0
    var burstStarts: [Int64] = []
    var text: [UInt8] = []
    /// Write the world's capture (`simulate --pcap`): connections are noted beside the lines,
    /// and the lines leave out `ja4` (the capture carries the TLS fingerprints).
    var capture = false
    /// Write `prompt` and `system_prompt` text (off for `simulate --no-prompt-text`: the lines
    /// keep `prompt_simhash` and are otherwise byte for byte the same).
    var promptText = true
    var hasher = PromptHasher()
    /// The account-day's connections by client address and port, with their last use.
    var openConnections: [ConnectionKey: Int64] = [:]

    init(world: World) {
        self.world = world
        requests.reserveCapacity(4096)
        text.reserveCapacity(512)
    }

    /// Appends the account's lines for `day` to `arena` (and to `spill` past midnight).
    mutating func run(account a: Int, state: inout AccountState, day: DayContext, into arena: inout DayArena, spill: inout DayArena) {
        requests.removeAll(keepingCapacity: true)
        openConnections.removeAll(keepingCapacity: true)
        let p = world.accounts[a]
        var rng = SimulationRandom(world.spec.seed, 0xDA7A, UInt64(a), UInt64(day.index))
        switch p.population {
        case .individual, .carrierCGNAT, .officeNAT, .universityNAT, .vpnUser, .traveller, .teamManyKeys, .teamPromptLibrary:
            human(p, day, &rng)
        case .benchmarkBurst: benchmark(p, day, &rng)
        case .agentFixedSystem: agent(p, day, &rng)
        case .thinDistillation: thinDistiller(p, day, &rng)
        case .powerUser: powerUser(p, day, &rng)
        case .heavyAutomation: automation(p, day, &rng)
        case .pooled, .evasivePooled: reseller(p, day, &rng)
        case .distillation: distiller(p, day, &rng)
        case .evasiveDistillation: evasiveDistiller(p, day, &rng)
        }
        requests.sort { $0.ts < $1.ts }
        emit(p, account: a, state: &state, day: day, rng: &rng, arena: &arena, spill: &spill)
    }

    // MARK: - Time of day

    private static func bump(_ x: Double, _ centre: Double, _ width: Double) -> Double {
        var d = abs(x - centre)
        if d > 12 { d = 24 - d }
        return _exp(-(d / width) * (d / width))
    }

    /// Fills `weights` (per UTC hour) from the account's rhythm in a zone `offset` minutes from UTC.
    private mutating func fillWeights(_ p: AccountProfile, offsetMinutes: Int, gapShift: Double = 0) {
        for h in 0..<24 {
            let utc = Double(h) + 0.5
            let local = (utc + Double(offsetMinutes) / 60 + 48).truncatingRemainder(dividingBy: 24)
            var w: Double
            switch p.rhythm {
            case .personal:
                let sinceSleep = (local - p.sleepStart + 48).truncatingRemainder(dividingBy: 24)
                if sinceSleep < p.sleepHours {
                    w = 0.01
                } else {
                    w = 0.3 + 1.5 * p.eveningBias * Self.bump(local, 21, 2) + 1.5 * (1 - p.eveningBias) * Self.bump(local, 14, 3)
                }
            case .office:
                if local >= 9 && local < 18 {
                    w = local >= 12 && local < 13 ? 0.5 : 1
                } else if (local >= 7.5 && local < 9) || (local >= 18 && local < 21) {
                    w = 0.15
                } else {
                    w = 0.004
                }
            case .student:
                w = local >= 2.5 && local < 9.5 ? 0.02 : 1 + Self.bump(local, 21, 2.5)
            case .always:
                w = 1 + 0.2 * _cos(2 * Double.pi * (utc - 6) / 24)
            case .gapped:
                let into = (utc - p.gapStart - gapShift + 48).truncatingRemainder(dividingBy: 24)
                w = into < p.gapHours ? 0 : into < p.gapHours + 1 || into > 23 ? 0.4 : 1
            case .flat:
                w = 1
            }
            weights[h] = w
        }
    }

    /// A time in the day drawn from `weights`.
    private func sampleTime(_ day: DayContext, _ rng: inout SimulationRandom) -> Int64 {
        let h = rng.weighted(weights)
        return day.start + Int64(h) * 3_600_000 + Int64(rng.int(3_600_000))
    }

    // MARK: - Shared request pieces

    private static func latency(_ q: Request, _ rng: inout SimulationRandom) -> Int {
        let firstToken = 350 + Double(q.inputTokens) / 60 + Double(max(0, q.cacheRead)) / 800
        let generation = Double(q.outputTokens) / q.model.tokensPerSecond * 1000
        return Int((firstToken + generation) * rng.logNormal(median: 1, sigma: 0.25)) + 1
    }

    private static func port(_ family: ClientFamily, _ rng: inout SimulationRandom) -> Int32 {
        switch family {
        case .cli, .sdk: Int32(rng.int(32768, 60999))
        case .browser, .mobileApp: Int32(rng.int(49152, 65535))
        }
    }

    private static func tokens(_ median: Double, _ sigma: Double, _ rng: inout SimulationRandom) -> Int {
        max(1, Int(rng.logNormal(median: median, sigma: sigma)))
    }

    private func model(_ p: AccountProfile, _ rng: inout SimulationRandom) -> Model {
        if p.plan == .free { return rng.chance(0.8) ? .sonnet : .haiku }
        return rng.chance(p.opusShare) ? .opus : rng.chance(0.93) ? .sonnet : .haiku
    }

    private static func isEnglish(_ lang: Int16) -> Bool {
        lang < 0
            || Geography.languages[Int(lang)].first == UInt8(ascii: "e")
                && Geography.languages[Int(lang)].dropFirst().first == UInt8(ascii: "n")
    }

    /// The group of a session's first prompt: the population's usual kind, sometimes in the
    /// user's own language or with characters that need escaping.
    private func openingGroup(_ p: AccountProfile, _ base: PromptGroup, _ rng: inout SimulationRandom) -> PromptGroup {
        if rng.chance(Self.isEnglish(p.lang) ? 0.02 : 0.3) { return .multilingual }
        if rng.chance(0.03) { return .escaped }
        return base
    }

    // MARK: - People

    private static func meanSessionLength(_ family: ClientFamily) -> Double {
        switch family {
        case .cli: 12
        case .browser: 5
        case .mobileApp: 4
        case .sdk: 2
        }
    }

    private mutating func human(_ p: AccountProfile, _ day: DayContext, _ rng: inout SimulationRandom) {
        guard rng.chance(p.activeDays) else { return }
        let weekendFactor: Double
        switch p.rhythm {
        case .office where p.population == .teamPromptLibrary: weekendFactor = 0.3
        case .office: weekendFactor = 0.1
        case .student: weekendFactor = 0.7
        default: weekendFactor = 0.85
        }
        let volume = p.daily * day.scale * rng.logNormal(median: 1, sigma: 0.35) * (day.isWeekend ? weekendFactor : 1)
        var zone = p.zone
        dayAddresses.removeAll(keepingCapacity: true)
        let catalog = world.catalog
        switch p.population {
        case .carrierCGNAT:
            day24.removeAll(keepingCapacity: true)
            for k in rng.sample(min(p.preferred24.count, rng.int(1, 3)), of: p.preferred24.count) { day24.append(p.preferred24[k]) }
            daySite = rng.next()
        case .vpnUser:
            let home = p.sites.filter { catalog.providers[$0].country == p.country }
            for _ in 0..<rng.int(2, 6) {
                let site = !home.isEmpty && rng.chance(0.5) ? rng.pick(home) : rng.pick(p.sites)
                dayAddresses.append(rng.pick(catalog.providers[site].pool))
            }
        case .traveller:
            let here = p.itinerary[min(day.index, p.itinerary.count - 1)]
            if here == p.country {
                dayAddresses = p.home
            } else {
                let c = Geography.countries[here]
                zone = Int16(c.zones[0])
                var hotelRNG = SimulationRandom(
                    world.spec.seed, 0x4807E1, UInt64(here), UInt64(bitPattern: p.registry.createdAt), p.registry.payment)
                let hotel = catalog.anyProvider(.business, in: here, rng: &hotelRNG)
                dayAddresses.append(NetworkCatalog.host(in: catalog.random24(hotel, rng: &hotelRNG), rng: &hotelRNG))
                let carrier = catalog.anyProvider(.mobile, in: here, rng: &rng)
                let pool = catalog.providers[carrier].pool24
                dayAddresses.append(
                    NetworkCatalog.host(in: pool.isEmpty ? catalog.random24(carrier, rng: &rng) : rng.pick(pool), rng: &rng))
            }
        default:
            break
        }
        fillWeights(p, offsetMinutes: Geography.zones[Int(zone)].offsetMinutes)
        let primary = ClientCatalog.all[Int(p.clients[0])].family
        let sessions = rng.poisson(volume / Self.meanSessionLength(primary))
        for _ in 0..<sessions {
            let member = p.population == .teamManyKeys ? rng.int(p.members) : 0
            let client =
                p.population == .teamManyKeys
                ? p.clients[member % p.clients.count] : p.clients[rng.chance(0.7) ? 0 : rng.int(p.clients.count)]
            let key =
                p.keys.isEmpty ? -1 : p.population == .teamManyKeys ? member % p.keys.count : rng.chance(0.85) ? 0 : rng.int(p.keys.count)
            humanSession(p, day, client: client, key: key, zone: zone, &rng)
        }
    }

    private func sessionIP(_ p: AccountProfile, _ rng: inout SimulationRandom) -> IPAddress {
        switch p.population {
        case .individual, .powerUser: return p.home[rng.chance(0.7) ? 0 : rng.int(p.home.count)]
        case .carrierCGNAT: return NetworkCatalog.host(in: rng.pick(day24), rng: &rng)
        case .vpnUser, .traveller: return rng.pick(dayAddresses)
        default: return rng.pick(p.home)
        }
    }

    private mutating func humanSession(
        _ p: AccountProfile, _ day: DayContext, client: Int16, key: Int, zone: Int16, _ rng: inout SimulationRandom
    ) {
        let family = ClientCatalog.all[Int(client)].family
        let length = min(150, rng.geometric(mean: Self.meanSessionLength(family)))
        let session = rng.next() | 1
        let model = model(p, &rng)
        let thinking = rng.chance(p.thinkingShare)
        let v6 = p.v6Share > 0 && rng.chance(p.v6Share)
        var ip: IPAddress
        if v6 {
            ip = world.catalog.v6(p.v6Provider, site: p.population == .carrierCGNAT ? daySite : p.v6Site, rng: &rng)
        } else {
            ip = sessionIP(p, &rng)
        }
        var port = Self.port(family, &rng)
        let base: PromptGroup
        switch p.population {
        case .officeNAT: base = rng.chance(0.5) ? .office : .chat
        case .universityNAT: base = rng.chance(0.6) ? .student : .chat
        default: base = .chat
        }
        var t = sampleTime(day, &rng)
        var context = 0
        for r in 0..<length {
            var q = Request()
            q.ts = t
            if p.population == .carrierCGNAT && !v6 && rng.chance(0.25) { ip = sessionIP(p, &rng) }
            if rng.chance(0.3) { port = Self.port(family, &rng) }
            q.ip = ip
            q.port = p.population == .carrierCGNAT ? Int32(rng.int(1024, 65535)) : port
            q.client = client
            q.lang = p.lang
            q.zone = zone
            q.model = model
            q.session = session
            q.thinking = thinking
            q.turns = Int16(min(401, 1 + 2 * r))
            q.promptSeed = rng.next()
            var gap: Double
            switch family {
            case .cli:
                q.key = Int16(key)
                if r == 0 {
                    q.inputTokens = Self.tokens(9000, 0.5, &rng)
                    q.cacheRead = rng.chance(0.5) ? Self.tokens(14000, 0.3, &rng) : 0
                    q.promptGroup = openingGroup(p, .coding, &rng)
                    gap = rng.logNormal(median: 2500, sigma: 0.8)
                } else if rng.chance(0.75) {
                    q.inputTokens = Self.tokens(1200, 1.0, &rng)
                    q.cacheRead = context
                    q.promptGroup = .toolResult
                    gap = rng.logNormal(median: 2500, sigma: 0.8)
                } else {
                    q.inputTokens = Self.tokens(300, 0.8, &rng)
                    q.cacheRead = context
                    q.promptGroup = openingGroup(p, .coding, &rng)
                    gap = rng.logNormal(median: 45000, sigma: 1.0)
                }
                q.maxTokens = min(32000, model.outputCap)
                q.outputTokens = min(q.maxTokens, Self.tokens(320, 0.9, &rng))
                q.system = Int16(
                    p.population == .teamManyKeys && rng.chance(0.5) ? PromptSource.System.teamCoding : PromptSource.System.claudeCode)
                context += q.inputTokens + q.outputTokens
                if context > 160_000 { context = 30_000 }
            case .browser, .mobileApp:
                if r == 0 {
                    q.inputTokens = Self.tokens(120, 0.9, &rng)
                    q.cacheRead = 0
                    q.promptGroup = openingGroup(p, base, &rng)
                } else {
                    q.inputTokens = Self.tokens(60, 0.8, &rng) + context / 5
                    q.cacheRead = context * 4 / 5
                    q.promptGroup = .chatFollowup
                }
                q.outputTokens = min(8192, Self.tokens(450, 0.8, &rng))
                q.maxTokens = rng.chance(0.7) ? 8192 : -1
                context += q.inputTokens + q.outputTokens
                gap = rng.logNormal(median: 40000, sigma: 0.9)
            case .sdk:
                q.key = Int16(key)
                q.session = 0
                q.turns = 1
                q.lang = -1
                q.zone = -1
                q.inputTokens = Self.tokens(700, 1.0, &rng)
                q.maxTokens = rng.pick([1024, 2048, 4096])
                q.outputTokens = min(q.maxTokens, Self.tokens(300, 0.8, &rng))
                q.temperature = Int16(rng.pick([-1, 0, 20, 70, 100]))
                q.stream = rng.chance(0.3)
                q.promptGroup = rng.chance(0.5) ? .batchJob : .chat
                q.system = rng.chance(0.5) ? Int16(PromptSource.System.assistant) : -1
                gap = rng.logNormal(median: 4000, sigma: 1.0)
            }
            if p.population == .teamPromptLibrary && q.promptGroup != .toolResult && q.promptGroup != .chatFollowup
                && rng.chance(0.75)
            {
                // Most of the team's own prompts come from its shared library.
                q.promptGroup = .teamLibrary
                q.promptTemplate = Int16(rng.pick(world.orgs[p.org].library))
            }
            if q.thinking { q.temperature = -1 }
            q.latency = Self.latency(q, &rng)
            requests.append(q)
            if family == .cli && rng.chance(0.06) {
                // A sub-agent call overlapping the main one.
                var s = q
                s.ts += Int64(rng.int(20, 800))
                s.promptSeed = rng.next()
                s.inputTokens = Self.tokens(4000, 0.6, &rng)
                s.cacheRead = 0
                s.turns = 1
                s.promptGroup = .coding
                s.latency = Self.latency(s, &rng)
                requests.append(s)
            }
            t += Int64(q.latency) + Int64(gap)
        }
    }

    // MARK: - Power users

    /// One developer whose coding agent fans out into parallel sub-agents: the developer's
    /// own agent sessions (as `humanSession`) carry about a fifth of the volume, and bursts
    /// of 3–`agentWidth` sub-agent sessions with long requests carry the rest, one burst
    /// after another (the agent waits for its sub-agents), in waking hours only. The day's
    /// busiest 5 hours are then filled to 60–100% of the plan window, and on about one day
    /// in four to 105–135%, so that the plan limit refuses some requests.
    ///
    /// The number of sessions keeps its full shape (30–80 a day) down to a `requestScale` of
    /// about 0.3, where requests per session carry the scaling; below that a day has about
    /// one session per 4 requests.
    private mutating func powerUser(_ p: AccountProfile, _ day: DayContext, _ rng: inout SimulationRandom) {
        guard rng.chance(p.activeDays) else { return }
        let weekend = day.isWeekend ? 0.85 : 1
        let volume = p.daily * day.scale * rng.logNormal(median: 1, sigma: 0.25) * weekend
        fillWeights(p, offsetMinutes: Geography.zones[Int(p.zone)].offsetMinutes)
        // Agents run only while their owner is awake.
        for h in 0..<24 where weights[h] < 0.05 { weights[h] = 0 }
        let first = requests.count
        let sessions = max(1, Int(min(p.sessionsPerDay * weekend * rng.uniform(0.85, 1.15), volume / 4)))
        let own = min(sessions, rng.poisson(volume * 0.2 / Self.meanSessionLength(.cli)))
        for _ in 0..<own {
            let client = p.clients[rng.chance(0.7) ? 0 : rng.int(p.clients.count)]
            humanSession(p, day, client: client, key: rng.chance(0.85) ? 0 : rng.int(p.keys.count), zone: p.zone, &rng)
        }
        let agents = sessions - own
        if agents > 0 {
            let meanLength = max(1, volume * 0.8 / Double(agents))
            let bursts = max(1, Int((Double(agents) * 2 / Double(3 + p.agentWidth)).rounded()))
            burstStarts.removeAll(keepingCapacity: true)
            for _ in 0..<bursts { burstStarts.append(sampleTime(day, &rng)) }
            burstStarts.sort()
            var free = Int64.min
            for start in burstStarts {
                let t0 = max(start, free)
                let client = p.clients[rng.chance(0.7) ? 0 : rng.int(p.clients.count)]
                let key = rng.chance(0.85) ? 0 : rng.int(p.keys.count)
                let ip = sessionIP(p, &rng)
                let model = model(p, &rng)
                var end = t0
                for _ in 0..<rng.int(3, p.agentWidth) {
                    let length = min(150, rng.geometric(mean: meanLength))
                    end = max(
                        end,
                        subAgent(
                            p, start: t0 + Int64(rng.int(200, 6000)), length: length, client: client, key: key, ip: ip,
                            model: model, &rng))
                }
                free = end + Int64(rng.logNormal(median: 60_000, sigma: 0.8))
            }
        }
        // Most days stay under the limit; a crunch day pushes past it and meets 429s.
        let fill = rng.chance(0.25) ? rng.uniform(1.05, 1.35) : rng.uniform(0.6, 1)
        fillBusiestWindow(from: first, target: fill * Double(p.plan.windowTokens))
    }

    /// One sub-agent: a session of its own, sequential tool-use requests of 20–120 s each.
    /// Returns the time its last request ends.
    private mutating func subAgent(
        _ p: AccountProfile, start: Int64, length: Int, client: Int16, key: Int, ip: IPAddress, model: Model,
        _ rng: inout SimulationRandom
    ) -> Int64 {
        let session = rng.next() | 1
        let port = Self.port(ClientCatalog.all[Int(client)].family, &rng)
        let thinking = rng.chance(p.thinkingShare)
        var t = start
        var context = 0
        for r in 0..<length {
            var q = Request()
            q.ts = t
            q.ip = ip
            q.port = port
            q.client = client
            q.key = Int16(key)
            q.lang = p.lang
            q.zone = p.zone
            q.model = model
            q.session = session
            q.thinking = thinking
            q.turns = Int16(min(401, 1 + 2 * r))
            q.promptSeed = rng.next()
            q.inputTokens = r == 0 ? Self.tokens(6000, 0.6, &rng) : Self.tokens(1500, 1.0, &rng)
            q.cacheRead = context
            q.promptGroup = r == 0 ? .coding : .toolResult
            q.maxTokens = min(32000, model.outputCap)
            q.outputTokens = min(q.maxTokens, Self.tokens(2200, 0.5, &rng))
            q.system = Int16(PromptSource.System.claudeCode)
            q.latency = min(120_000, max(20_000, Self.latency(q, &rng)))
            requests.append(q)
            context += q.inputTokens + q.outputTokens
            if context > 160_000 { context = 30_000 }
            t += Int64(q.latency) + Int64(rng.logNormal(median: 1500, sigma: 0.6))
        }
        return t
    }

    /// Scales the input tokens of `requests[first...]` by one factor (within the context cap)
    /// so that their busiest 5 hours (a sliding window) carry about `target` tokens. Outputs,
    /// and so latencies and timing, stay as generated.
    private mutating func fillBusiestWindow(from first: Int, target: Double) {
        guard first < requests.count else { return }
        requests[first...].sort { $0.ts < $1.ts }
        var lo = first
        var input = 0, output = 0, bestInput = 0, bestOutput = 0
        for hi in first..<requests.count {
            input += requests[hi].inputTokens
            output += requests[hi].outputTokens
            while requests[hi].ts - requests[lo].ts >= PlanLimits.windowMilliseconds {
                input -= requests[lo].inputTokens
                output -= requests[lo].outputTokens
                lo += 1
            }
            if input + output > bestInput + bestOutput {
                bestInput = input
                bestOutput = output
            }
        }
        guard bestInput > 0 else { return }
        let factor = max(0, target - Double(bestOutput)) / Double(bestInput)
        for i in first..<requests.count {
            requests[i].inputTokens = max(1, min(1_000_000, Int(Double(requests[i].inputTokens) * factor)))
        }
    }

    // MARK: - Batch jobs

    private mutating func automation(_ p: AccountProfile, _ day: DayContext, _ rng: inout SimulationRandom) {
        let n = rng.poisson(p.daily * day.scale * rng.logNormal(median: 1, sigma: 0.15))
        let templates = PromptSource.shared.count(.batchJob)
        for _ in 0..<n {
            var q = Request()
            let job = rng.int(p.keys.count)
            if rng.chance(0.4) {
                // Hourly cron burst at the job's own minute.
                q.ts =
                    day.start + Int64(rng.int(24)) * 3_600_000 + Int64((job * 7) % 60) * 60_000
                    + Int64(rng.exponential(mean: 90_000))
            } else {
                q.ts = day.start + Int64(rng.int(86_400_000))
            }
            q.key = Int16(job)
            q.client = p.clients[0]
            q.ip = rng.pick(p.home)
            q.port = Self.port(.sdk, &rng)
            q.session = rng.chance(0.3) ? mix64(UInt64(job) ^ UInt64(day.index) << 32 ^ p.registry.payment) | 1 : 0
            q.model = job % 2 == 0 ? .haiku : .sonnet
            q.temperature = rng.chance(0.6) ? 0 : -1
            q.maxTokens = [512, 1024, 2048, 4096][job % 4]
            q.stream = rng.chance(0.2)
            q.inputTokens = Self.tokens(1500, 0.7, &rng)
            q.outputTokens = min(q.maxTokens, Self.tokens(180, 0.9, &rng))
            q.cacheRead = rng.chance(0.5) ? Self.tokens(3000, 0.3, &rng) : rng.chance(0.5) ? 0 : -1
            q.promptGroup = .batchJob
            q.promptTemplate = Int16(job % templates)
            q.promptSeed = rng.next()
            q.system = Int16(job % 2 == 0 ? PromptSource.System.classifier : PromptSource.System.extractor)
            q.latency = Self.latency(q, &rng)
            requests.append(q)
        }
    }

    // MARK: - Resellers

    private mutating func reseller(_ p: AccountProfile, _ day: DayContext, _ rng: inout SimulationRandom) {
        let op = world.operators[p.operatorIndex]
        let evasive = p.population == .evasivePooled
        fillWeights(p, offsetMinutes: 0, gapShift: evasive ? rng.uniform(-0.75, 0.75) : 0)
        let volume = p.daily * day.scale * rng.logNormal(median: 1, sigma: 0.1)
        let fanShare = evasive ? 0.1 : 0.3
        // Shorter customer sessions at small scales keep the hourly load smooth.
        let meanLength = (evasive ? 8.0 : 6.0) * max(0.3, min(1, day.scale.squareRoot()))
        let sessions = rng.poisson(volume / (meanLength * (1 + 2 * fanShare)))
        // Tokens per request so that a 5-hour window's demand is `ratio` × the plan limit
        // (evasive accounts squeeze the day's volume into the hours outside their gap).
        let ratio = evasive ? rng.uniform(0.6, 0.85) : rng.uniform(0.95, 1.25)
        let activeHours = evasive ? 24 - p.gapHours - 0.6 : 24
        let budget = ratio * Double(p.plan.windowTokens) / max(1, volume / activeHours * 5)
        // Evasive: a few sticky exits a day, each in a different /24, used one after another.
        dayAddresses.removeAll(keepingCapacity: true)
        if evasive {
            let want = rng.int(4, 10)
            var networks: Set<UInt64> = []
            var attempts = 0
            while dayAddresses.count < want && attempts < 200 {
                let ip = rng.pick(op.proxyPool)
                if networks.insert(ip.networkKey).inserted { dayAddresses.append(ip) }
                attempts += 1
            }
        }
        let first = requests.count
        for _ in 0..<sessions {
            let c = rng.int(op.customers.count)
            let customer = op.customers[c]
            let client = evasive ? rng.pick(p.clients) : customer.client
            let family = ClientCatalog.all[Int(client)].family
            let session = mix64(op.seed ^ UInt64(c) << 24 ^ UInt64(day.index) << 8 ^ UInt64(rng.int(3))) | 1
            let sticky = rng.chance(op.sticky)
            var ip = rng.pick(op.proxyPool)
            let model: Model = rng.chance(0.55) ? .opus : .sonnet
            let thinking = rng.chance(0.3)
            let length = min(200, rng.geometric(mean: meanLength))
            let chinese = Geography.languages[Int(customer.lang)].starts(with: "zh".bytes)
            var t = sampleTime(day, &rng)
            for r in 0..<length {
                let fan = rng.chance(fanShare) ? rng.int(2, 4) : 1
                var longest = 0
                for f in 0..<fan {
                    var q = Request()
                    let offset = f == 0 ? 0 : rng.int(5, 600)
                    q.ts = t + Int64(offset)
                    if evasive {
                        let segment = Int((q.ts - day.start) * Int64(dayAddresses.count) / TimestampParser.millisPerDay)
                        q.ip = dayAddresses[max(0, min(dayAddresses.count - 1, segment))]
                    } else {
                        if !sticky { ip = rng.pick(op.proxyPool) }
                        q.ip = ip
                    }
                    q.port = Self.port(family, &rng)
                    q.key = Int16(rng.int(p.keys.count))
                    q.client = client
                    q.lang = customer.lang
                    q.zone = rng.chance(0.9) ? customer.zone : -1
                    q.model = model
                    q.thinking = thinking
                    q.session = session
                    q.turns = Int16(min(401, 1 + 2 * r))
                    q.maxTokens = family == .cli ? 32000 : rng.chance(0.5) ? model.outputCap : 8192
                    // Log-normal factors with mean 1 (median e^(-σ²/2)).
                    q.inputTokens = max(300, min(1_000_000, Int(budget * 0.9 * rng.logNormal(median: 0.9406, sigma: 0.35))))
                    q.outputTokens = max(20, min(q.maxTokens, Int(budget * 0.1 * rng.logNormal(median: 0.8353, sigma: 0.6))))
                    q.cacheRead = family == .cli ? Int(Double(q.inputTokens) * rng.uniform(0.2, 1.5)) : 0
                    q.stream = family != .sdk || rng.chance(0.5)
                    q.promptGroup = r == 0 ? (chinese && rng.chance(0.4) ? .multilingual : .coding) : .toolResult
                    q.promptSeed = rng.next()
                    q.system = family == .cli ? Int16(PromptSource.System.claudeCode) : -1
                    if thinking { q.temperature = -1 }
                    q.latency = Self.latency(q, &rng)
                    requests.append(q)
                    longest = max(longest, offset + q.latency)
                }
                t += Int64(longest) + Int64(rng.logNormal(median: 3500, sigma: 0.9))
            }
        }
        balance(from: first, bucketTarget: ratio * Double(p.plan.windowTokens) * 2 / 5, day: day, &rng)
    }

    /// The reseller's gateway routes work to accounts with quota left, so each busy 2-hour
    /// stretch of an account carries about `bucketTarget` tokens: token counts are rescaled
    /// per 2 hours (±10%), within the context and `max_tokens` caps.
    private mutating func balance(from first: Int, bucketTarget: Double, day: DayContext, _ rng: inout SimulationRandom) {
        var sums = [Double](repeating: 0, count: 13)
        @inline(__always) func hour(_ ts: Int64) -> Int { max(0, min(12, Int((ts - day.start) / 7_200_000))) }
        for i in first..<requests.count {
            sums[hour(requests[i].ts)] += Double(requests[i].inputTokens + requests[i].outputTokens)
        }
        var factors = [Double](repeating: 1, count: 13)
        for h in 0..<13 where sums[h] > 0 {
            factors[h] = max(0.2, min(5, bucketTarget * rng.uniform(0.9, 1.1) / sums[h]))
        }
        for i in first..<requests.count {
            let f = factors[hour(requests[i].ts)]
            requests[i].inputTokens = max(300, min(1_000_000, Int(Double(requests[i].inputTokens) * f)))
            requests[i].outputTokens = max(20, min(requests[i].maxTokens, Int(Double(requests[i].outputTokens) * f)))
            if requests[i].cacheRead > 0 { requests[i].cacheRead = Int(Double(requests[i].cacheRead) * f) }
            requests[i].latency = Self.latency(requests[i], &rng)
        }
    }

    // MARK: - Distillation

    private mutating func distiller(_ p: AccountProfile, _ day: DayContext, _ rng: inout SimulationRandom) {
        let op = world.operators[p.operatorIndex]
        for h in 0..<24 {
            weights[h] = op.runHours >= 24 || (h - op.runStart + 24) % 24 < op.runHours ? 1 : 0
        }
        let n = rng.poisson(p.daily * day.scale * rng.logNormal(median: 1, sigma: 0.15))
        for _ in 0..<n {
            var q = Request()
            q.ts = sampleTime(day, &rng)
            q.ip = op.farm.isEmpty ? rng.pick(op.proxyPool) : rng.pick(op.farm)
            q.port = Self.port(.sdk, &rng)
            q.key = Int16(rng.int(p.keys.count))
            q.client = op.clients[0]
            q.model = rng.chance(0.9) ? op.model : op.model == .opus ? .sonnet : .opus
            q.thinking = true
            q.maxTokens = q.model.outputCap
            q.temperature = Int16(op.temperature)
            q.stream = true
            q.session = rng.chance(0.4) ? rng.next() | 1 : 0
            q.turns = 1
            q.inputTokens = Self.tokens(380, 0.35, &rng)
            q.outputTokens = min(q.maxTokens, Self.tokens(9000, 0.55, &rng))
            q.promptGroup = .distillFixed
            q.promptTemplate = Int16(rng.pick(op.templates))
            q.promptSeed = rng.next()
            q.system = op.system
            q.latency = Self.latency(q, &rng)
            requests.append(q)
        }
    }

    private mutating func evasiveDistiller(_ p: AccountProfile, _ day: DayContext, _ rng: inout SimulationRandom) {
        guard rng.chance(0.92) else { return }
        let op = world.operators[p.operatorIndex]
        fillWeights(p, offsetMinutes: Geography.zones[Int(p.zone)].offsetMinutes)
        let volume = p.daily * day.scale * rng.logNormal(median: 1, sigma: 0.25) * (day.isWeekend ? 0.9 : 1)
        let sessions = rng.poisson(volume / 2.2)
        for _ in 0..<sessions {
            let client = rng.pick(p.clients)
            let family = ClientCatalog.all[Int(client)].family
            let ip = rng.pick(op.proxyPool)
            let port = Self.port(family, &rng)
            let length = min(6, rng.geometric(mean: 2.2))
            let model: Model = rng.chance(0.8) ? op.model : op.model == .opus ? .sonnet : .opus
            let session = rng.next() | 1
            let key = Int16(rng.int(p.keys.count))
            var t = sampleTime(day, &rng)
            var context = 0
            for r in 0..<length {
                var q = Request()
                q.ts = t
                q.ip = ip
                q.port = port
                q.client = client
                q.model = model
                q.session = family == .sdk ? 0 : session
                q.key = family == .browser ? -1 : key
                q.lang = family == .sdk ? -1 : p.lang
                q.zone = family == .sdk ? -1 : p.zone
                q.turns = Int16(1 + 2 * r)
                q.promptGroup = r == 0 ? .distillVaried : .distillWrapper
                q.promptSeed = rng.next()
                q.thinking = rng.chance(0.5)
                q.temperature = q.thinking ? -1 : Int16(rng.int(6, 20) * 5)
                q.maxTokens = rng.chance(0.4) ? model.outputCap : min(model.outputCap, rng.pick([8192, 16000, 20000, 32000]))
                q.outputTokens = min(q.maxTokens, Self.tokens(5000, 0.7, &rng))
                q.inputTokens = Self.tokens(300, 0.5, &rng) + context / 3
                q.cacheRead = family == .cli ? context : -1
                q.system = family == .cli ? Int16(PromptSource.System.claudeCode) : -1
                q.stream = family != .sdk || rng.chance(0.7)
                q.latency = Self.latency(q, &rng)
                requests.append(q)
                context += q.inputTokens + q.outputTokens
                t += Int64(q.latency) + Int64(rng.logNormal(median: 20000, sigma: 0.8))
            }
        }
    }

    // MARK: - Issue 5's hard negatives

    /// A researcher: light use by hand on most days; on the run's day, a script sends
    /// `burstSize` prompts of one benchmark template (each filled with a data set item)
    /// through enough parallel workers to finish in about `burstMinutes`, from the same network.
    private mutating func benchmark(_ p: AccountProfile, _ day: DayContext, _ rng: inout SimulationRandom) {
        human(p, day, &rng)
        guard day.index == p.burstDay else { return }
        fillWeights(p, offsetMinutes: Geography.zones[Int(p.zone)].offsetMinutes)
        let start = sampleTime(day, &rng)
        let count = max(1, Int(p.burstSize * day.scale * rng.logNormal(median: 1, sigma: 0.1)))
        let model: Model = [Model.sonnet, .opus, .haiku][rng.weighted([0.6, 0.25, 0.15])]
        let maxTokens = min(model.outputCap, rng.pick([1024, 2048, 4096]))
        let thinking = rng.chance(0.2)
        // Mean seconds per request (log-normal output tokens, latency and pause factors) sets
        // how many workers finish the run in `burstMinutes`.
        let meanOutput = Double(thinking ? 900 : 350) * 1.28
        let meanSeconds = (0.36 + 0.003 + meanOutput / model.tokensPerSecond) * 1.04 + 0.21
        let workers = max(1, min(32, Int((Double(count) * meanSeconds / (p.burstMinutes * 60)).rounded(.up))))
        let client = p.clients[p.clients.count - 1]
        var clock = [Int64](repeating: start, count: workers)
        for i in 0..<count {
            let w = i % workers
            var q = Request()
            q.ts = clock[w]
            q.ip = p.home[0]
            q.port = Self.port(.sdk, &rng)
            q.key = 0
            q.client = client
            q.model = model
            q.thinking = thinking
            q.temperature = thinking ? -1 : 0
            q.maxTokens = maxTokens
            q.stream = false
            q.turns = 1
            q.inputTokens = Self.tokens(260, 0.4, &rng)
            q.outputTokens = min(maxTokens, Self.tokens(thinking ? 900 : 350, 0.7, &rng))
            q.promptGroup = .benchmark
            q.promptTemplate = p.burstTemplate
            q.promptSeed = rng.next()
            q.latency = Self.latency(q, &rng)
            requests.append(q)
            clock[w] += Int64(q.latency) + Int64(rng.int(20, 400))
        }
    }

    /// A developer's agent: tasks arrive around the clock; each is a short tool loop (the
    /// task, then tool results) under the account's own long system prompt, which the
    /// prompt cache serves after the first call.
    private mutating func agent(_ p: AccountProfile, _ day: DayContext, _ rng: inout SimulationRandom) {
        let tasks = rng.poisson(p.daily * day.scale * rng.logNormal(median: 1, sigma: 0.15) / 3)
        let systemTokens = p.systemPrompt.count / 4
        let temperature = Int16((p.registry.payment >> 7) & 1 == 0 ? 0 : 20)
        for _ in 0..<tasks {
            var t = day.start + Int64(rng.int(86_400_000))
            let length = min(12, rng.geometric(mean: 3))
            let key = Int16(rng.int(p.keys.count))
            let ip = rng.pick(p.home)
            let port = Self.port(.sdk, &rng)
            let model: Model = rng.chance(p.opusShare) ? .opus : .sonnet
            var context = 0
            for r in 0..<length {
                var q = Request()
                q.ts = t
                q.ip = ip
                q.port = port
                q.key = key
                q.client = p.clients[0]
                q.model = model
                q.temperature = temperature
                q.maxTokens = 4096
                q.stream = false
                q.turns = Int16(1 + 2 * r)
                q.system = Int16(PromptSource.System.own)
                q.promptGroup = r == 0 ? .agentTask : .toolResult
                q.promptSeed = rng.next()
                q.inputTokens = Self.tokens(r == 0 ? 250 : 900, 0.8, &rng) + context / 5
                q.cacheRead = systemTokens + context * 4 / 5
                q.outputTokens = min(q.maxTokens, Self.tokens(260, 0.8, &rng))
                q.latency = Self.latency(q, &rng)
                requests.append(q)
                context += q.inputTokens + q.outputTokens
                t += Int64(q.latency) + Int64(rng.logNormal(median: 900, sigma: 0.7))
            }
        }
    }

    // MARK: - Thin distillation

    /// One of a thin operator's many accounts: a person's rhythm and a modest volume from the
    /// day's sticky exit, but every request single-turn, a coercion template of the operator
    /// filled from the task taxonomy, thinking on and `max_tokens` at the model's cap.
    private mutating func thinDistiller(_ p: AccountProfile, _ day: DayContext, _ rng: inout SimulationRandom) {
        guard rng.chance(0.9) else { return }
        let op = world.operators[p.operatorIndex]
        fillWeights(p, offsetMinutes: Geography.zones[Int(p.zone)].offsetMinutes)
        let n = rng.poisson(p.daily * day.scale * rng.logNormal(median: 1, sigma: 0.3))
        let ip = rng.pick(p.exits)
        let client = p.clients[0]
        let family = ClientCatalog.all[Int(client)].family
        for _ in 0..<n {
            var q = Request()
            q.ts = sampleTime(day, &rng)
            q.ip = ip
            q.port = Self.port(family, &rng)
            q.key = Int16(rng.int(p.keys.count))
            q.client = client
            q.lang = family == .sdk ? -1 : p.lang
            q.zone = family == .sdk ? -1 : p.zone
            q.model = rng.chance(0.9) ? op.model : op.model == .opus ? .sonnet : .opus
            q.thinking = rng.chance(0.9)
            q.temperature = q.thinking ? -1 : 100
            q.maxTokens = q.model.outputCap
            q.stream = true
            q.session = family == .sdk ? 0 : rng.next() | 1
            q.turns = 1
            q.inputTokens = Self.tokens(420, 0.35, &rng)
            q.outputTokens = min(q.maxTokens, Self.tokens(8000, 0.55, &rng))
            q.promptGroup = .distillCoercion
            q.promptTemplate = Int16(rng.pick(op.templates))
            q.promptSeed = rng.next()
            q.latency = Self.latency(q, &rng)
            requests.append(q)
        }
    }
}
