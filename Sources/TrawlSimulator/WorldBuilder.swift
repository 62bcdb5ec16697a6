import TrawlModel

/// Builds a `World` from a spec: assigns populations to account ids, groups accounts into
/// organisations and operator clusters, and draws every account's fixed traits.
struct WorldBuilder {
    let spec: WorldSpec
    let firstDay: Int32
    var rng: SimulationRandom
    var catalog: NetworkCatalog
    var accounts: [AccountProfile] = []
    var orgs: [OrgProfile] = []
    var operators: [OperatorProfile] = []

    init(spec: WorldSpec, firstDay: Int32) {
        self.spec = spec
        self.firstDay = firstDay
        var netRNG = SimulationRandom(spec.seed, 0x4E45_54)
        catalog = NetworkCatalog(rng: &netRNG)
        rng = SimulationRandom(spec.seed, 0x574F_524C_44)
    }

    var firstDayStart: Int64 { Int64(firstDay) * TimestampParser.millisPerDay }

    static func build(_ spec: WorldSpec, firstDay: Int32) -> World {
        var b = WorldBuilder(spec: spec, firstDay: firstDay)
        let counts = Population.counts(forAccounts: spec.accounts)
        var populations: [Population] = []
        for p in Population.allCases { populations += repeatElement(p, count: counts[p]!) }
        b.rng.shuffle(&populations)
        let digits = max(6, String(spec.accounts - 1).count)
        b.accounts = populations.enumerated().map { i, p in
            var id = "acct-".bytes
            id.appendPadded(i, width: digits)
            return AccountProfile(id: id, population: p)
        }
        var members: [Population: [Int]] = [:]
        for (i, p) in populations.enumerated() { members[p, default: []].append(i) }
        b.makeOrgs(
            office: members[.officeNAT] ?? [], university: members[.universityNAT] ?? [],
            teams: members[.teamManyKeys] ?? [], libraries: members[.teamPromptLibrary] ?? [])
        for p in Population.allCases where p.isAbusive { b.makeOperators(p, members[p] ?? []) }
        for i in b.accounts.indices { b.fill(i) }
        return World(
            spec: spec, firstDay: firstDay, catalog: b.catalog, accounts: b.accounts, orgs: b.orgs,
            operators: b.operators, counts: counts)
    }

    // MARK: - Organisations

    private mutating func makeOrgs(office: [Int], university: [Int], teams: [Int], libraries: [Int]) {
        var rest = office
        rng.shuffle(&rest)
        while !rest.isEmpty {
            let size = min(rest.count, max(2, Int(rng.logUniform(3, 30))))
            let org = newOrg(kind: .business, egress: rng.int(1, 2))
            for a in rest.prefix(size) { accounts[a].org = org }
            rest.removeFirst(size)
        }
        rest = university
        rng.shuffle(&rest)
        while !rest.isEmpty {
            let size = min(rest.count, max(3, Int(rng.logUniform(8, 70))))
            let org = newOrg(kind: .university, egress: rng.int(2, 8))
            for a in rest.prefix(size) { accounts[a].org = org }
            rest.removeFirst(size)
        }
        for a in teams { accounts[a].org = newOrg(kind: .business, egress: rng.int(1, 3)) }
        // Teams sharing a prompt library: 3–10 accounts, a dozen of the library templates,
        // and more often than not one company card for all of them.
        rest = libraries
        rng.shuffle(&rest)
        let bank = PromptSource.shared.count(.teamLibrary)
        while !rest.isEmpty {
            var size = min(rest.count, rng.int(3, 10))
            if rest.count - size < 3 { size = rest.count }
            let org = newOrg(kind: .business, egress: rng.int(1, 2))
            orgs[org].library = rng.sample(min(bank, rng.int(10, 14)), of: bank)
            orgs[org].payment = rng.chance(0.6) ? rng.next() | 1 : 0
            for a in rest.prefix(size) { accounts[a].org = org }
            rest.removeFirst(size)
        }
    }

    private mutating func newOrg(kind: NetworkKind, egress: Int) -> Int {
        let country = rng.weighted(Geography.userWeights)
        let c = Geography.countries[country]
        var addresses: [IPAddress] = []
        let domain: String
        if kind == .university {
            let p = catalog.add(.university, country: country, blocks: 1, rng: &rng)
            let key = catalog.random24(p, rng: &rng)
            for _ in 0..<egress { addresses.append(NetworkCatalog.host(in: key, rng: &rng)) }
            for a in addresses { catalog.addPool(a, to: p) }
            domain =
                "\(rng.pick(Self.syllables))\(rng.pick(Self.syllables))-university.\(c.code == "US" ? "edu" : "ac." + c.code.lowercased())"
        } else {
            let key = catalog.random24(catalog.anyProvider(.business, in: country, rng: &rng), rng: &rng)
            for _ in 0..<egress { addresses.append(NetworkCatalog.host(in: key, rng: &rng)) }
            domain =
                "\(rng.pick(Self.syllables))\(rng.pick(Self.syllables))\(rng.pick(["corp", "labs", "systems", "group", "tech", "works"])).\(rng.pick(["com", "io", "co", c.code.lowercased()]))"
        }
        var id = "org-".bytes
        id.appendHex(rng.next(), digits: 12)
        orgs.append(OrgProfile(id: id, country: country, zone: Int16(rng.pick(c.zones)), egress: addresses, domain: domain))
        return orgs.count - 1
    }

    // MARK: - Operators

    private mutating func makeOperators(_ population: Population, _ members: [Int]) {
        var rest = members
        rng.shuffle(&rest)
        let (lo, hi): (Double, Double) =
            switch population {
            case .pooled: (5, 60)
            case .evasivePooled: (4, 30)
            case .thinDistillation: (20, 150)
            default: (5, 40)
            }
        while !rest.isEmpty {
            var size = Int(rng.logUniform(lo, hi))
            if rest.count <= Int(hi) && rest.count - size < Int(lo) {
                size = rest.count
            } else if rest.count - size < Int(lo) {
                size = rest.count - Int(lo)
            }
            size = max(1, min(size, rest.count))
            makeOperator(population, Array(rest.prefix(size)))
            rest.removeFirst(size)
        }
    }

    private mutating func proxyExit(countries: [Int], weights: [Double]) -> IPAddress {
        let country = countries[rng.weighted(weights)]
        let kind: NetworkKind = rng.chance(0.15) ? .mobile : .residential
        let provider = catalog.anyProvider(kind, in: country, rng: &rng)
        if rng.chance(0.12), catalog.providers[provider].v6Prefix != 0 {
            return catalog.v6(provider, site: rng.next(), rng: &rng)
        }
        let key =
            kind == .mobile && !catalog.providers[provider].pool24.isEmpty
            ? rng.pick(catalog.providers[provider].pool24) : catalog.random24(provider, rng: &rng)
        if rng.chance(0.5) { catalog.flagProxy(key) }
        return NetworkCatalog.host(in: key, rng: &rng)
    }

    private mutating func proxyPool(size: Int, countryCount: Int) -> [IPAddress] {
        var countries: [Int] = []
        var weights: [Double] = []
        let us = Geography.country("US")
        countries.append(us)
        weights.append(Geography.countries[us].proxyWeight)
        while countries.count < countryCount {
            let c = rng.weighted(Geography.proxyWeights)
            if !countries.contains(c) {
                countries.append(c)
                weights.append(Geography.countries[c].proxyWeight)
            }
        }
        return (0..<size).map { _ in proxyExit(countries: countries, weights: weights) }
    }

    private mutating func customer(clients: [Int16]?, spoofUS: Double) -> Customer {
        if rng.chance(spoofUS) {
            let us = Geography.countries[Geography.country("US")]
            return Customer(
                client: clients.map { rng.pick($0) } ?? Int16(rng.pick(ClientCatalog.cli)),
                lang: Int16(us.languages[0]), zone: Int16(rng.pick(us.zones)))
        }
        let c = Geography.countries[rng.weighted(Geography.customerWeights)]
        let client: Int16
        if let clients {
            client = rng.pick(clients)
        } else {
            let roll = rng.unit()
            client = Int16(
                roll < 0.7
                    ? rng.pick(ClientCatalog.cli)
                    : roll < 0.85
                        ? rng.pick(ClientCatalog.tools)
                        : roll < 0.95 ? rng.pick(ClientCatalog.officialSDK) : rng.pick(ClientCatalog.browser))
        }
        return Customer(client: client, lang: Int16(rng.pick(c.languages)), zone: Int16(rng.pick(c.zones)))
    }

    private mutating func makeOperator(_ population: Population, _ members: [Int]) {
        var op = OperatorProfile(name: "op-\(operators.count + 1)", population: population, seed: rng.next())
        op.members = members
        let n = members.count
        switch population {
        case .pooled:
            op.proxyPool = proxyPool(size: min(2500, max(200, n * 40)), countryCount: rng.int(5, 25))
            op.customers = (0..<max(30, n * 25)).map { _ in customer(clients: nil, spoofUS: 0.05) }
            op.sticky = rng.uniform(0.2, 0.8)
        case .evasivePooled:
            op.proxyPool = proxyPool(size: min(800, max(120, n * 25)), countryCount: rng.int(1, 4))
            op.clients = rng.sample(3, of: ClientCatalog.cli.count).map { Int16(ClientCatalog.cli[$0]) }
            op.customers = (0..<max(20, n * 12)).map { _ in customer(clients: op.clients, spoofUS: 0.7) }
        case .distillation:
            if rng.chance(0.35) {
                op.proxyPool = proxyPool(size: rng.int(80, 400), countryCount: rng.int(2, 8))
            } else {
                for _ in 0..<rng.int(1, 3) {
                    let kind: NetworkKind = rng.chance(0.5) ? .hosting : .cloud
                    let p = rng.pick(catalog.providers.indices.filter { catalog.providers[$0].kind == kind })
                    let key = catalog.random24(p, rng: &rng)
                    for _ in 0..<rng.int(3, 14) {
                        if kind == .cloud && rng.chance(0.2) {
                            op.farm.append(catalog.v6(p, site: rng.next(), rng: &rng))
                        } else {
                            op.farm.append(NetworkCatalog.host(in: key, rng: &rng))
                        }
                    }
                }
            }
            op.clients = [Int16(rng.pick(Array(ClientCatalog.tools.prefix(4)) + Array(ClientCatalog.officialSDK.prefix(2))))]
            op.templates = rng.sample(rng.int(1, 3), of: PromptSource.shared.count(.distillFixed))
            op.temperature = 100
            op.system = rng.chance(0.6) ? Int16(rng.chance(0.5) ? PromptSource.System.stepByStep : PromptSource.System.expert) : -1
            op.model = rng.chance(0.5) ? .opus : .sonnet
            if rng.chance(0.4) {
                op.runHours = rng.int(12, 20)
                op.runStart = rng.int(0, 23)
            }
        case .evasiveDistillation:
            op.proxyPool = proxyPool(size: rng.int(80, 400), countryCount: rng.int(1, 5))
            op.clients = [
                Int16(rng.pick(ClientCatalog.browser)), Int16(rng.pick(ClientCatalog.cli)),
                Int16(rng.pick(ClientCatalog.officialSDK)),
            ]
            let c = Geography.countries[rng.weighted(Geography.userWeights)]
            op.zone = Int16(rng.pick(c.zones))
            op.lang = Int16(rng.pick(c.languages))
            op.model = rng.chance(0.5) ? .opus : .sonnet
        case .thinDistillation:
            op.proxyPool = proxyPool(size: max(60, n * 3), countryCount: rng.int(2, 8))
            op.clients = [
                Int16(rng.pick(ClientCatalog.officialSDK)), Int16(rng.pick(ClientCatalog.officialSDK)),
                Int16(rng.pick(ClientCatalog.cli.prefix(10).map { $0 })),
            ]
            // One to three English templates and one Chinese.
            let english = PromptSource.englishCoercion, chinese = PromptSource.chineseCoercion
            op.templates = rng.sample(rng.int(1, 3), of: english.count).map { english[$0] } + [rng.pick(chinese)]
            op.model = rng.chance(0.5) ? .opus : .sonnet
        default:
            preconditionFailure("not an abusive population")
        }
        op.cards = (0..<rng.int(1, 4)).map { _ in rng.next() | 1 }
        op.bursts = (0..<rng.int(1, 3)).map { _ in
            firstDayStart - Int64(rng.uniform(2, 60) * 86_400_000)
        }
        // Drawn from the operator's own generator, so that the world's other draws stay as they were.
        var hostRNG = SimulationRandom(op.seed, 0x5349_474E)
        let hosts = op.proxyPool.isEmpty ? op.farm : op.proxyPool
        if !hosts.isEmpty { op.signupHosts = op.bursts.map { _ in hostRNG.pick(hosts) } }
        for a in members { accounts[a].operatorIndex = operators.count }
        operators.append(op)
    }

    // MARK: - Accounts

    private mutating func keys(_ count: Int) -> [[UInt8]] {
        (0..<count).map { _ in
            var k = "key-".bytes
            k.appendHex(rng.next(), digits: 12)
            return k
        }
    }

    private mutating func personal(_ a: inout AccountProfile) {
        a.rhythm = .personal
        a.sleepStart = (rng.uniform(22, 25.5)).truncatingRemainder(dividingBy: 24)
        a.sleepHours = rng.uniform(6, 9)
        a.eveningBias = rng.unit()
    }

    private mutating func locale(_ a: inout AccountProfile, country: Int) {
        let c = Geography.countries[country]
        a.country = country
        a.zone = Int16(rng.pick(c.zones))
        a.lang = Int16(rng.pick(c.languages))
    }

    private mutating func humanClients(cli: Double, browser: Double, mobile: Double, sdk: Double) -> [Int16] {
        var out: [Int16] = []
        let count = rng.chance(0.45) ? 2 : 1
        var families: [Int] = []
        while out.count < count {
            let f = rng.weighted([cli, browser, mobile, sdk])
            if families.contains(f) && families.count < 4 { continue }
            families.append(f)
            let list = [
                ClientCatalog.cli.prefix(10).map { $0 }, ClientCatalog.browser, ClientCatalog.mobileApp,
                ClientCatalog.officialSDK,
            ][f]
            out.append(Int16(rng.pick(list)))
        }
        return out
    }

    private mutating func fill(_ i: Int) {
        var a = accounts[i]
        let p = a.population
        switch p {
        case .individual:
            locale(&a, country: rng.weighted(Geography.userWeights))
            personal(&a)
            a.plan = [Plan.free, .pro, .max5x, .max20x][rng.weighted([0.2, 0.5, 0.2, 0.1])]
            a.clients = humanClients(cli: 0.45, browser: 0.4, mobile: 0.1, sdk: 0.05)
            a.daily = rng.logUniform(20, 300)
            a.activeDays = rng.uniform(0.6, 0.95)
            let isp = catalog.anyProvider(.residential, in: a.country, rng: &rng)
            a.home = [NetworkCatalog.host(in: catalog.random24(isp, rng: &rng), rng: &rng)]
            let extra = rng.weighted([0.45, 0.4, 0.15])
            for k in 0..<extra {
                let other = k == 0 && rng.chance(0.5) ? isp : catalog.anyProvider(.residential, in: a.country, rng: &rng)
                a.home.append(NetworkCatalog.host(in: catalog.random24(other, rng: &rng), rng: &rng))
            }
            if rng.chance(0.35) {
                a.v6Provider = isp
                a.v6Site = rng.next()
                a.v6Share = rng.uniform(0.3, 0.8)
            }
        case .carrierCGNAT:
            locale(&a, country: rng.weighted(Geography.userWeights))
            personal(&a)
            a.plan = [Plan.free, .pro, .max5x][rng.weighted([0.35, 0.5, 0.15])]
            a.clients = humanClients(cli: 0.05, browser: 0.25, mobile: 0.7, sdk: 0)
            a.daily = rng.logUniform(15, 200)
            a.activeDays = rng.uniform(0.7, 0.98)
            a.provider = catalog.anyProvider(.mobile, in: a.country, rng: &rng)
            let pool = catalog.providers[a.provider].pool24
            a.preferred24 = rng.sample(min(pool.count, rng.int(2, 4)), of: pool.count).map { pool[$0] }
            if rng.chance(0.4) {
                a.v6Provider = a.provider
                a.v6Share = rng.uniform(0.4, 0.9)
            }
        case .officeNAT, .teamManyKeys, .teamPromptLibrary:
            let org = orgs[a.org]
            a.country = org.country
            a.zone = org.zone
            a.lang = Int16(rng.pick(Geography.countries[org.country].languages))
            a.rhythm = .office
            a.home = org.egress
            if p == .teamPromptLibrary {
                a.plan = .team
                a.clients = humanClients(cli: 0.3, browser: 0.6, mobile: 0, sdk: 0.1)
                a.daily = rng.logUniform(30, 200)
                a.activeDays = rng.uniform(0.8, 0.97)
            } else if p == .officeNAT {
                a.plan = rng.chance(0.6) ? .team : .pro
                a.clients = humanClients(cli: 0.4, browser: 0.55, mobile: 0, sdk: 0.05)
                a.daily = rng.logUniform(20, 200)
                a.activeDays = rng.uniform(0.8, 0.97)
            } else {
                a.plan = .team
                a.members = rng.int(5, 30)
                a.clients = (0..<rng.int(3, 7)).map { k in
                    Int16(
                        k % 3 == 2
                            ? rng.pick(ClientCatalog.officialSDK)
                            : k % 3 == 1 ? rng.pick(ClientCatalog.browser) : rng.pick(ClientCatalog.cli.prefix(10).map { $0 }))
                }
                a.daily = rng.logUniform(300, 2000)
                a.activeDays = 1
            }
        case .universityNAT:
            let org = orgs[a.org]
            a.country = org.country
            a.zone = org.zone
            a.lang = Int16(rng.pick(Geography.countries[org.country].languages))
            a.rhythm = .student
            a.home = org.egress
            a.plan = [Plan.free, .pro, .max5x][rng.weighted([0.4, 0.55, 0.05])]
            a.clients = humanClients(cli: 0.3, browser: 0.5, mobile: 0.2, sdk: 0)
            a.daily = rng.logUniform(15, 250)
            a.activeDays = rng.uniform(0.6, 0.95)
        case .vpnUser:
            locale(&a, country: rng.weighted(Geography.userWeights))
            personal(&a)
            a.plan = [Plan.pro, .max5x, .max20x][rng.weighted([0.6, 0.3, 0.1])]
            a.clients = [humanClients(cli: 0.5, browser: 0.5, mobile: 0, sdk: 0)[0]]
            a.daily = rng.logUniform(20, 250)
            a.activeDays = rng.uniform(0.7, 0.95)
            let brand = rng.int(NetworkCatalog.vpnNames.count)
            a.sites = catalog.providers.indices.filter {
                catalog.providers[$0].kind == .vpn && catalog.providers[$0].name == NetworkCatalog.vpnNames[brand]
            }
        case .traveller:
            locale(&a, country: rng.weighted(Geography.userWeights))
            personal(&a)
            a.plan = [Plan.pro, .max5x, .max20x][rng.weighted([0.5, 0.35, 0.15])]
            a.clients = humanClients(cli: 0.4, browser: 0.4, mobile: 0.2, sdk: 0)
            a.daily = rng.logUniform(20, 200)
            a.activeDays = rng.uniform(0.75, 0.95)
            let isp = catalog.anyProvider(.residential, in: a.country, rng: &rng)
            a.home = [NetworkCatalog.host(in: catalog.random24(isp, rng: &rng), rng: &rng)]
            a.itinerary = itinerary(home: a.country, days: spec.days)
        case .powerUser:
            locale(&a, country: rng.weighted(Geography.userWeights))
            personal(&a)
            // Agents run while their owner works: a daytime peak more than an evening one.
            a.eveningBias = rng.uniform(0, 0.35)
            a.plan = rng.chance(0.75) ? .max20x : .max5x
            a.clients = [Int16(rng.pick(ClientCatalog.cli.prefix(10).map { $0 }))]
            if rng.chance(0.4) { a.clients.append(Int16(rng.pick(ClientCatalog.ideExtensions))) }
            a.daily = rng.logUniform(800, 2500)
            a.sessionsPerDay = rng.uniform(35, 75)
            a.agentWidth = rng.int(4, 8)
            a.activeDays = rng.uniform(0.85, 0.97)
            // Home (sometimes renumbered inside the ISP's /24) and sometimes an office.
            let isp = catalog.anyProvider(.residential, in: a.country, rng: &rng)
            let key = catalog.random24(isp, rng: &rng)
            a.home = [NetworkCatalog.host(in: key, rng: &rng)]
            if rng.chance(0.3) { a.home.append(NetworkCatalog.host(in: key, rng: &rng)) }
            if rng.chance(0.4) {
                let office = catalog.anyProvider(.business, in: a.country, rng: &rng)
                a.home.append(NetworkCatalog.host(in: catalog.random24(office, rng: &rng), rng: &rng))
            }
        case .heavyAutomation:
            locale(&a, country: rng.weighted(Geography.userWeights))
            a.rhythm = .flat
            a.plan = rng.chance(0.7) ? .api : .team
            a.clients = [Int16(rng.pick(ClientCatalog.officialSDK))]
            a.daily = rng.logUniform(1000, 8000)
            let cloud = rng.pick(catalog.providers.indices.filter { catalog.providers[$0].kind == .cloud })
            a.provider = cloud
            let key = catalog.random24(cloud, rng: &rng)
            a.home = (0..<rng.int(1, 2)).map { _ in NetworkCatalog.host(in: key, rng: &rng) }
            if rng.chance(0.25) {
                // Dual-stack host: one stable IPv6 address beside the IPv4 ones.
                a.home.append(IPAddress(high: catalog.providers[cloud].v6Prefix | (rng.next() & 0xFFFF_FFFF), low: rng.next() | 1))
            }
        case .benchmarkBurst:
            // A researcher: light use by hand, and on one day a scripted run from the same place.
            locale(&a, country: rng.weighted(Geography.userWeights))
            personal(&a)
            a.plan = [Plan.api, .max20x, .max5x][rng.weighted([0.5, 0.3, 0.2])]
            a.clients = [humanClients(cli: 0.5, browser: 0.5, mobile: 0, sdk: 0)[0], Int16(rng.pick(ClientCatalog.officialSDK))]
            a.daily = rng.logUniform(5, 40)
            a.activeDays = rng.uniform(0.4, 0.8)
            let kind: NetworkKind = rng.chance(0.7) ? .residential : .business
            let network = catalog.anyProvider(kind, in: a.country, rng: &rng)
            a.home = [NetworkCatalog.host(in: catalog.random24(network, rng: &rng), rng: &rng)]
            a.burstDay = rng.int(spec.days)
            a.burstTemplate = Int16(rng.int(PromptSource.shared.count(.benchmark)))
            a.burstMinutes = rng.uniform(20, 55)
            a.burstSize = rng.logUniform(1000, 4000)
        case .agentFixedSystem:
            locale(&a, country: rng.weighted(Geography.userWeights))
            a.rhythm = .flat
            a.plan = rng.chance(0.7) ? .api : .team
            a.clients = [Int16(rng.pick(ClientCatalog.officialSDK))]
            a.daily = rng.logUniform(200, 1200)
            let cloud = rng.pick(catalog.providers.indices.filter { catalog.providers[$0].kind == .cloud })
            a.provider = cloud
            let key = catalog.random24(cloud, rng: &rng)
            a.home = (0..<rng.int(1, 2)).map { _ in NetworkCatalog.host(in: key, rng: &rng) }
            a.systemPrompt = PromptSource.shared.agentSystemPrompt(seed: rng.next())
        case .pooled:
            a.rhythm = .always
            a.plan = rng.chance(0.6) ? .max20x : .max5x
            a.daily = rng.logUniform(2000, 4500)
        case .evasivePooled:
            let op = operators[a.operatorIndex]
            a.rhythm = .gapped
            a.plan = rng.chance(0.5) ? .max20x : .max5x
            a.daily = rng.logUniform(600, 1500)
            a.clients = Array(op.clients.prefix(rng.int(2, 3)))
            a.gapStart = Double(rng.int(0, 23)) + rng.unit()
            a.gapHours = rng.uniform(4, 6)
        case .distillation:
            a.rhythm = .flat
            a.plan = [Plan.max20x, .max5x, .api][rng.weighted([0.45, 0.3, 0.25])]
            a.daily = rng.logUniform(600, 3000)
        case .evasiveDistillation:
            let op = operators[a.operatorIndex]
            personal(&a)
            a.zone = op.zone
            a.lang = op.lang
            a.plan = [Plan.max20x, .max5x, .pro][rng.weighted([0.4, 0.4, 0.2])]
            a.daily = rng.logUniform(200, 800)
            a.clients = Array(op.clients.prefix(rng.int(2, 3)))
        case .thinDistillation:
            // Each account passes for one person: its own locale, rhythm and one or two exits.
            let op = operators[a.operatorIndex]
            locale(&a, country: rng.weighted(Geography.userWeights))
            personal(&a)
            a.plan = [Plan.max5x, .pro, .max20x][rng.weighted([0.5, 0.3, 0.2])]
            a.daily = rng.logUniform(40, 200)
            a.clients = [rng.pick(op.clients)]
            a.exits = (0..<rng.int(1, 2)).map { _ in rng.pick(op.proxyPool) }
        }
        if a.plan == .free {
            // Terminal agents need a paid plan: free users chat in the browser or the app.
            a.clients = a.clients.map { ClientCatalog.all[Int($0)].family == .cli ? Int16(rng.pick(ClientCatalog.browser)) : $0 }
        }
        switch p {
        case .heavyAutomation: a.keys = keys(rng.int(1, 20))
        case .teamManyKeys: a.keys = keys(rng.int(10, 60))
        case .pooled, .evasivePooled: a.keys = keys(rng.int(1, 4))
        case .distillation, .evasiveDistillation, .thinDistillation: a.keys = keys(rng.int(1, 3))
        case .agentFixedSystem: a.keys = keys(rng.int(1, 2))
        default: a.keys = keys(rng.chance(0.3) ? 2 : 1)
        }
        switch a.plan {
        case .max20x, .max5x: a.opusShare = rng.uniform(0.3, 0.7)
        case .pro, .team: a.opusShare = rng.uniform(0.05, 0.3)
        case .free: a.opusShare = 0
        case .api: a.opusShare = rng.uniform(0, 0.2)
        }
        a.thinkingShare = rng.uniform(0.05, 0.4)
        if a.plan == .team {
            if a.org >= 0 {
                a.orgID = orgs[a.org].id
            } else {
                a.orgID = "org-".bytes
                a.orgID.appendHex(rng.next(), digits: 12)
            }
        }
        a.registry = registry(for: a)
        accounts[i] = a
    }

    /// Countries per day: home, then one or two trips, maybe home again.
    private mutating func itinerary(home: Int, days: Int) -> [Int] {
        var stops = [home]
        while stops.count < rng.int(2, 3) + 1 {
            let c = rng.weighted(Geography.userWeights)
            if c != stops.last! { stops.append(c) }
        }
        if rng.chance(0.5) { stops.removeFirst() }
        var out: [Int] = []
        let per = max(1, days / stops.count)
        for (k, s) in stops.enumerated() {
            let n = k == stops.count - 1 ? days - out.count : min(per + rng.int(-1, 1), days - out.count)
            out += repeatElement(s, count: max(0, n))
        }
        while out.count < days { out.append(stops.last!) }
        return Array(out.prefix(days))
    }

    // MARK: - Registry

    static let syllables = [
        "ac", "bel", "cor", "dun", "el", "fin", "gra", "hol", "in", "jor", "kal", "lum", "mar", "nor",
        "ost", "pra", "qui", "ros", "sel", "tor", "ur", "val", "wes", "xen", "yor", "zel",
    ]
    static let freemail = ["gmail.com", "outlook.com", "icloud.com", "yahoo.com", "proton.me", "hotmail.com"]
    static let disposable = [
        "mailinator.com", "guerrillamail.com", "10minutemail.com", "tempmail.dev", "yopmail.com",
        "sharklasers.com", "dropmail.me",
    ]
    static let virtualPhone = ["ID", "IN", "NG", "VN", "BR", "RU", "PH", "KE", "UA", "PK"]
    static let billing = ["US", "US", "US", "GB", "DE", "SG", "CA", "JP", "NL", "AU"]

    private mutating func registry(for a: AccountProfile) -> RegistryRecord {
        var r = RegistryRecord()
        let code = Geography.countries[a.country].code
        if a.population.isAbusive {
            let op = operators[a.operatorIndex]
            let evasive = a.population != .pooled && a.population != .distillation
            let burst = rng.int(op.bursts.count)
            r.createdAt = op.bursts[burst] + Int64(rng.exponential(mean: 3 * 3_600_000))
            // Opened in its burst's signup session, from that session's address (the pool
            // draw is kept so that every later draw of the world stays the same).
            let pool = op.proxyPool.isEmpty ? op.farm : op.proxyPool
            let drawn = pool.isEmpty ? nil : rng.pick(pool)
            r.signupIP = op.signupHosts.isEmpty ? drawn : op.signupHosts[burst]
            r.signupClient = Int16(rng.pick(ClientCatalog.browser))
            r.emailDomain = rng.chance(evasive ? 0.1 : 0.35) ? rng.pick(Self.disposable) : rng.pick(Self.freemail)
            let bill = rng.pick(Self.billing)
            r.billingCountry = bill
            r.cardCountry = rng.chance(0.4) ? rng.pick(Self.virtualPhone) : bill
            r.phoneCountry = rng.chance(evasive ? 0.3 : 0.65) ? rng.pick(Self.virtualPhone) : bill
            r.payment = a.plan == .free ? 0 : rng.chance(evasive ? 0.2 : 0.5) ? rng.pick(op.cards) : rng.next() | 1
            r.kyc = ["none", "failed", "passed"][rng.weighted([0.85, 0.05, 0.1])]
        } else {
            let ageDays =
                a.population == .powerUser
                ? rng.logUniform(60, 900) : rng.chance(0.06) ? rng.uniform(1, 30) : rng.logUniform(20, 900)
            r.createdAt = firstDayStart - Int64(ageDays * 86_400_000)
            r.signupIP = a.home.first
            r.signupClient = Int16(rng.chance(0.8) ? rng.pick(ClientCatalog.browser) : rng.pick(ClientCatalog.mobileApp))
            switch a.population {
            case .officeNAT, .teamManyKeys, .universityNAT, .teamPromptLibrary:
                r.emailDomain = orgs[a.org].domain
            case .heavyAutomation, .agentFixedSystem:
                r.emailDomain = "\(rng.pick(Self.syllables))\(rng.pick(Self.syllables))\(rng.pick(["data", "ops", "ai", "soft"])).com"
            default:
                r.emailDomain = rng.pick(Self.freemail)
            }
            r.phoneCountry = rng.chance(0.95) ? code : Geography.countries[rng.weighted(Geography.userWeights)].code
            r.billingCountry = rng.chance(0.97) ? code : Geography.countries[rng.weighted(Geography.userWeights)].code
            if a.population == .powerUser { r.phoneCountry = r.billingCountry }
            r.cardCountry = r.billingCountry
            r.payment = a.plan == .free ? 0 : rng.next() | 1
            if a.population == .teamPromptLibrary && orgs[a.org].payment != 0 { r.payment = orgs[a.org].payment }
            r.kyc = ["none", "passed", "manual"][rng.weighted([0.7, 0.28, 0.02])]
        }
        if a.plan == .free { r.cardCountry = nil }
        // Realistic gaps: not every system knows every field.
        if rng.chance(0.1) { r.signupClient = -1 }
        if rng.chance(0.15) { r.phoneCountry = nil }
        if rng.chance(0.2) { r.kyc = nil }
        if rng.chance(0.05) { r.signupIP = nil }
        return r
    }
}
