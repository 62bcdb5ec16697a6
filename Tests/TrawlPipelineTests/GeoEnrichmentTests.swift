import Foundation
import TestSupport
import Testing
import TrawlFeatures
import TrawlGeo
import TrawlModel
import TrawlPipeline
import TrawlRules
import TrawlSimulator

/// GeoIP enrichment through real MaxMind test databases (fixtures/maxmind) and through a
/// simulated world's own intel database.
@Suite struct GeoEnrichmentTests {
    static let fixtures = repositoryRoot() + "/fixtures/maxmind"

    @Test func cityAndAnonymityFactsFromMaxMindTestDatabases() throws {
        let enricher = try GeoEnricher(paths: [Self.fixtures + "/GeoIP2-City-Test.mmdb", Self.fixtures + "/GeoIP2-Anonymous-IP-Test.mmdb"])
        #expect(enricher.coversAnonymity)

        // ::214.0.1.0/120 in the City test data: Melbourne, radius 20 km.
        let melbourne = enricher.facts(for: try #require(IPAddress("214.0.1.7")))
        #expect(AddressFacts.countryText(melbourne.country) == "AU")
        #expect(abs(melbourne.latitude - -37.8159) < 0.001 && abs(melbourne.longitude - 144.9669) < 0.001)
        #expect(melbourne.radiusKm == 20)
        #expect(TimeZoneNames.shared.name(melbourne.timeZone) == "Australia/Melbourne")
        // Covered by an anonymity database but not listed: known not anonymous.
        #expect(melbourne.flags == [.anonymityKnown])

        // 2001:218::/32: Tokyo.
        let tokyo = enricher.facts(for: try #require(IPAddress("2001:218::1")))
        #expect(AddressFacts.countryText(tokyo.country) == "JP")
        #expect(TimeZoneNames.shared.name(tokyo.timeZone) == "Asia/Tokyo")

        // ::81.2.69.0/120 in the Anonymous-IP test data carries every flag.
        let everything = enricher.facts(for: try #require(IPAddress("81.2.69.10")))
        #expect(everything.flags == [.anonymityKnown, .residentialProxy, .anonymousVPN, .hosting, .tor, .publicProxy])
        // ::71.160.223.0/120: hosting only.
        #expect(enricher.facts(for: try #require(IPAddress("71.160.223.1"))).flags == [.anonymityKnown, .hosting])

        // An address in neither database.
        let nowhere = enricher.facts(for: try #require(IPAddress("192.0.2.1")))
        #expect(nowhere.country == 0 && !nowhere.isLocated && nowhere.timeZone == 0)
    }

    /// The network cache answers exactly what the databases answer, address by address,
    /// for addresses drawn near the networks of real and own databases (nested ranges,
    /// IPv4 and IPv6, found and not found).
    @Test func networkCacheAgreesWithDirectLookups() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        _ = try dir.write(
            "intel.csv",
            text: """
                network,country,asn,is_residential_proxy,latitude,longitude,accuracy_radius,time_zone
                10.0.0.0/8,US,64500,false,40.7,-74.0,100,America/New_York
                10.1.0.0/16,DE,64501,true,52.5,13.4,50,Europe/Berlin
                10.1.2.0/24,JP,64502,false,35.7,139.7,20,Asia/Tokyo
                10.1.2.128/25,FR,64503,true,48.9,2.4,20,Europe/Paris
                2001:db8::/32,GB,64510,false,51.5,-0.1,50,Europe/London
                2001:db8:1::/48,NL,64511,true,52.4,4.9,50,Europe/Amsterdam

                """)
        try WorldGeoIP.compile(intelList: dir.file("intel.csv"), to: dir.file("intel.mmdb"))
        let paths = [
            dir.file("intel.mmdb"), Self.fixtures + "/GeoIP2-City-Test.mmdb", Self.fixtures + "/GeoIP2-Anonymous-IP-Test.mmdb",
        ]
        let enricher = try GeoEnricher(paths: paths)
        var rng = SystemRandomNumberGenerator()
        let bases: [IPAddress] = [
            "10.0.0.0", "10.1.0.0", "10.1.2.0", "10.1.2.128", "214.0.0.0", "81.2.69.0", "2.125.160.216", "89.160.20.112",
        ].map { IPAddress($0)! }
        var checked = 0
        for _ in 0..<20_000 {
            let address: IPAddress
            if Bool.random(using: &rng) {
                let base = bases.randomElement(using: &rng)!.v4!
                address = IPAddress(v4: base &+ UInt32.random(in: 0..<(1 << UInt32.random(in: 0...18, using: &rng)), using: &rng))
            } else {
                let highs: [UInt64] = [0x2001_0db8_0000_0000, 0x2001_0db8_0001_0000, 0x2001_0218_0000_0000, 0x2001_0220_0000_0000]
                let high = highs.randomElement(using: &rng)! | UInt64.random(in: 0..<(1 << 20), using: &rng)
                address = IPAddress(high: high, low: UInt64.random(in: 0...UInt64.max, using: &rng))
            }
            let direct = GeoEnricher.facts(from: enricher.resolver.lookup(address, essentialOnly: true), coversAnonymity: true)
            #expect(enricher.facts(for: address) == direct, "\(address)")
            checked += 1
        }
        #expect(checked == 20_000)
        // Far fewer database reads than addresses: most came from the network cache.
        #expect(enricher.networkCount < 2_000)
    }

    @Test func aMissingOrDamagedDatabaseStopsTheRunWithItsName() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        _ = try dir.write("logs/day.jsonl", text: handMadeDay())
        var o = AnalyzeOptions(inputs: [dir.file("logs")])
        o.databasePath = dir.file("cases.sqlite")
        o.rulesDirectory = repositoryRoot() + "/rules"
        o.geoipPaths = [dir.file("nope.mmdb")]
        let missing = #expect(throws: PipelineError.self) { try BatchAnalyzer.run(o) }
        #expect(missing?.exitCode == 66)
        #expect(missing?.message.contains("nope.mmdb") == true)

        o.geoipPaths = [Self.fixtures + "/bad-data/libmaxminddb-metadata-marker-only.mmdb"]
        let damaged = #expect(throws: PipelineError.self) { try BatchAnalyzer.run(o) }
        #expect(damaged?.exitCode == 65)
        #expect(damaged?.message.contains("libmaxminddb-metadata-marker-only.mmdb") == true)
        #expect(!FileManager.default.fileExists(atPath: o.databasePath))

        // A database cut off half way (a partial download) is refused the same way.
        let whole = try Data(contentsOf: URL(fileURLWithPath: Self.fixtures + "/GeoIP2-City-Test.mmdb"))
        try whole.prefix(whole.count / 2).write(to: URL(fileURLWithPath: dir.file("truncated.mmdb")))
        o.geoipPaths = [dir.file("truncated.mmdb")]
        let truncated = #expect(throws: PipelineError.self) { try BatchAnalyzer.run(o) }
        #expect(truncated?.exitCode == 65)
        #expect(truncated?.message.contains("truncated.mmdb") == true)
    }

    /// A simulated world with its own intel database: proxy-rotating resellers span many
    /// countries and jump faster than planes, single people do not; without --geoip every
    /// GeoIP feature is unknown; results do not depend on the number of workers.
    @Test func simulatedWorldWithAndWithoutGeoIP() throws {
        let dir = try TemporaryDirectory("trawl-geo")
        defer { dir.remove() }
        let world = dir.file("world")
        let spec = WorldSpec(seed: 5, accounts: 400, days: 1, startDay: "2026-11-21", compression: .none, requestScale: 0.2)
        _ = try WorldSimulator.write(spec, to: world)
        let database = try WorldGeoIP.build(world: world)
        let labels = try GroundTruth.load(path: world)

        func run(geo: Bool, workers: Int) throws -> [String: FeatureVector] {
            var o = AnalyzeOptions(inputs: [world + "/logs"])
            o.accountsPath = world + "/accounts.jsonl"
            o.databasePath = dir.file("cases-\(geo)-\(workers).sqlite")
            o.rulesDirectory = repositoryRoot() + "/rules"
            o.workers = workers
            o.chunkSize = 256 << 10
            if geo { o.geoipPaths = [database] }
            let outcome = try BatchAnalyzer.run(o)
            return Dictionary(uniqueKeysWithValues: outcome.results.map { ($0.features.accountID, $0.features.features) })
        }
        let withGeo = try run(geo: true, workers: 2)
        let withGeoOneWorker = try run(geo: true, workers: 1)
        let without = try run(geo: false, workers: 2)
        // Split-invariant features agree whatever the number of workers (the two from
        // Misra-Gries summaries may not, past 32 keys: see the README).
        #expect(Set(withGeo.keys) == Set(withGeoOneWorker.keys))
        for (id, v) in withGeo {
            for (i, f) in FeatureCatalog.all.enumerated()
            where !["top_ip_share", "asn_entropy"].contains(f.name) && v[i] != withGeoOneWorker[id]?[i] {
                Issue.record("\(id) \(f.name): \(String(describing: v[i])) vs \(String(describing: withGeoOneWorker[id]?[i]))")
            }
        }

        let geoFeatures = ["distinct_countries", "distinct_asns", "asn_entropy", "residential_proxy_share", "impossible_travel_count"]
        for (_, v) in without {
            for name in geoFeatures { #expect(v[name] == nil, "\(name) known without GeoIP") }
        }
        func values(_ population: String, _ name: String) -> [Double] {
            withGeo.compactMap { id, v in labels.labels[id]?.population == population ? v[name]?.number : nil }
        }
        let pooledCountries = values("pooled", "distinct_countries")
        #expect(!pooledCountries.isEmpty && pooledCountries.allSatisfy { $0 >= 3 })
        #expect(values("pooled", "impossible_travel_count").allSatisfy { $0 >= 8 })
        let individuals = values("individual", "distinct_countries")
        #expect(!individuals.isEmpty && individuals.allSatisfy { $0 == 1 })
        #expect(values("individual", "impossible_travel_count").allSatisfy { $0 == 0 })
    }
}

@Suite struct AllowlistTests {
    /// An allowlist named in the rules folder marks its networks' requests: the share is
    /// known (and 1) for the account using them, the exonerating rule fires and the score
    /// drops; without allowlists the share is unknown.
    @Test func allowlistedNetworksLowerTheScore() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        _ = try dir.write("logs/day.jsonl", text: handMadeDay())
        let rules = dir.file("rules")
        try FileManager.default.copyItem(atPath: repositoryRoot() + "/rules", toPath: rules)
        _ = try dir.write("egress.csv", text: "network,label\n198.0.0.0/8,partner gateway\n")
        try WorldGeoIP.compile(intelList: dir.file("egress.csv"), to: rules + "/allowlists/egress.mmdb")

        func run(_ name: String) throws -> BatchAnalyzer.Outcome {
            var o = AnalyzeOptions(inputs: [dir.file("logs")])
            o.databasePath = dir.file("\(name).sqlite")
            o.rulesDirectory = rules
            return try BatchAnalyzer.run(o)
        }
        let before = try run("before")
        _ = try dir.write(
            "rules/allowlists.yaml", text: "allowlists:\n  - name: partner\n    database: allowlists/egress.mmdb\n")
        let after = try run("after")

        func result(_ o: BatchAnalyzer.Outcome, _ account: String) throws -> (features: AccountDayFeatures, assessment: Assessment) {
            try #require(o.results.first { $0.features.accountID == account })
        }
        #expect(try result(before, "acct-pool").features.features["allowlisted_share"] == nil)
        let pooled = try result(after, "acct-pool")
        #expect(pooled.features.features["allowlisted_share"] == .number(1))
        #expect(pooled.assessment.hits.contains { $0.ruleID == "ok.allowlisted_network" })
        #expect(pooled.assessment.score < (try result(before, "acct-pool").assessment.score))
        // The person at 203.0.113.9 is not on the list.
        #expect(try result(after, "acct-person").features.features["allowlisted_share"] == .number(0))

        // A missing database is named, with the allowlist, and stops the run.
        _ = try dir.write("rules/allowlists.yaml", text: "allowlists:\n  - name: gone\n    database: allowlists/gone.mmdb\n")
        let error = #expect(throws: PipelineError.self) { try run("gone") }
        #expect(error?.exitCode == 66)
        #expect(error?.message.contains("allowlist gone") == true)

        // A misspelt key is an error at its line, not an entry silently dropped.
        _ = try dir.write("rules/allowlists.yaml", text: "allowlists:\n  - name: partner\n    databse: allowlists/egress.mmdb\n")
        let misspelt = #expect(throws: PipelineError.self) { try run("misspelt") }
        #expect(misspelt?.exitCode == 65)
        #expect(misspelt?.message.hasSuffix("allowlists.yaml:3:5: unknown key `databse` (keys: name, database, description)") == true)

        // An allowlists file that cannot be read is an error, not "no allowlists".
        try FileManager.default.removeItem(atPath: rules + "/allowlists.yaml")
        try FileManager.default.createDirectory(atPath: rules + "/allowlists.yaml", withIntermediateDirectories: false)
        let unreadable = #expect(throws: PipelineError.self) { try run("folder") }
        #expect(unreadable?.exitCode == 74)
        #expect(unreadable?.message.contains("allowlists.yaml") == true)
    }
}
