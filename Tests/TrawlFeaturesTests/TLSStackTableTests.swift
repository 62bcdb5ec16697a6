import Foundation
import TestSupport
import Testing
import TrawlFeatures
import TrawlModel

@Suite struct TLSStackTableTests {
    static let table = try! TLSStackTable.load(path: repositoryRoot() + "/rules/tls_stacks.yaml")

    func stackID(_ ja4: String) -> String? { Self.table.stack(ofJA4: ja4).map { Self.table.stacks[$0].id } }
    func classID(_ ua: String) -> String? { Self.table.userAgentClass(of: ua).map { Self.table.userAgents[$0].id } }

    /// The reference captures' browsers, and clients observed on Debian, by their JA4s.
    @Test(arguments: [
        ("t13d1516h2_8daaf6152771_e5627efa2ab1", "chromium"),  // browsers-x509.pcapng, Edge
        ("t13d1516h2_8daaf6152771_9b887d9acb53", "chromium"),  // latest.pcapng, app.slack.com
        ("t13d1715h2_5b57614c22b0_3d5424432f57", "firefox"),  // tls12.pcap
        ("t13d1812h1_85036bcba153_b26ce05bbdd6", "python"),
        ("t13d3112h2_e8f1e7e78f70_b26ce05bbdd6", "openssl"),
        ("t13d5911h1_a33745022dd6_1f22a2ca17c4", "node"),
        ("t13d1311h2_f57a46bbacb6_e7c285222651", "go"),
        ("t13d3713h2_db35923f8641_7c76daad20ec", "java"),
    ])
    func knownFingerprints(ja4: String, family: String) {
        #expect(stackID(ja4) == family)
    }

    @Test func sectionsAndSNIFlag() {
        // A Chrome release with another extension hash still has Chrome's a_b.
        #expect(stackID("t13d1516h2_8daaf6152771_000000000000") == "chromium")
        // Connecting by address (no SNI: `i`) does not change the stack.
        #expect(stackID("t13i1812h1_85036bcba153_b26ce05bbdd6") == "python")
        // Same ciphers, other counts: not Chrome (okhttp copies Chrome's cipher list).
        #expect(stackID("t13d1513h2_8daaf6152771_000000000000") == nil)
        #expect(stackID("garbage") == nil)
        #expect(stackID("") == nil)
    }

    @Test(arguments: [
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36",
            "chromium_browser"
        ),
        ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:145.0) Gecko/20100101 Firefox/145.0", "firefox"),
        ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/26.1 Safari/605.1.15", "safari"),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/142.0 Mobile/15E148 Safari/604.1",
            "ios"
        ),
        ("Claude/1.251103.0 CFNetwork/3826.500.131 Darwin/24.5.0", "apple_native_app"),
        ("Claude/1.251103.0 (Android 15; Pixel 8)", "android_claude_app"),
        ("claude-cli/2.0.31 (external, cli)", "claude_code"),
        ("Anthropic/Python 0.72.0", "python_client"),
        ("Go-http-client/2.0", "go_client"),
        ("curl/8.16.0", "curl"),
    ])
    func userAgentClasses(ua: String, id: String) {
        #expect(classID(ua) == id)
    }

    @Test func verdicts() throws {
        let t = Self.table
        func verdict(_ stack: String, _ ua: String) throws -> TLSStackTable.Verdict {
            let s = try #require(t.stacks.firstIndex { $0.id == stack })
            return t.verdict(stack: s, userAgentClass: t.userAgentClass(of: ua))
        }
        let chromeUA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36"
        // A browser's User-Agent over Python's or Go's TLS: a relay.
        #expect(try verdict("python", chromeUA) == .init(mismatch: true, relay: true))
        #expect(try verdict("go", "claude-cli/2.0.31 (external, cli)") == .init(mismatch: true, relay: true))
        // The honest cases: an SDK on its own stack, Claude Code on Node, Chrome on Chrome.
        #expect(try verdict("python", "Anthropic/Python 0.72.0") == .init(mismatch: false, relay: false))
        #expect(try verdict("node", "claude-cli/2.0.31 (external, cli)") == .init(mismatch: false, relay: false))
        #expect(try verdict("chromium", chromeUA) == .init(mismatch: false, relay: false))
        // A script under another script's name: a mismatch, but no interactive client is claimed.
        #expect(try verdict("go", "python-httpx/0.28.1") == .init(mismatch: true, relay: false))
        // Firefox's User-Agent on Chrome's stack: a mismatch, but not a relay's stack.
        #expect(
            try verdict("chromium", "Mozilla/5.0 (X11; Linux x86_64; rv:145.0) Gecko/20100101 Firefox/145.0")
                == .init(mismatch: true, relay: false))
        // A User-Agent the table does not classify contradicts nothing.
        #expect(try verdict("go", "my-own-tool/1.0") == .init(mismatch: false, relay: false))
    }

    /// Bad tables fail with the line and column of the problem.
    @Test(arguments: [
        (
            "stacks:\n  - id: a\n    label: A\n    relay: false\n    colour: red\n    fingerprints: []\nuser_agents: []\n", 5,
            "unknown key `colour`"
        ),
        (
            "stacks:\n  - id: a\n    label: A\n    relay: true\n    fingerprints:\n      - ja4_ab: t13d1516h2_8daaf6152771\n        source: s\n"
                + "user_agents:\n  - id: u\n    contains: [x]\n    stacks: [a, b]\n    interactive: true\n    source: s\n",
            11, "unknown stack `b`"
        ),
        (
            "stacks:\n  - id: a\n    label: A\n    relay: true\n    fingerprints:\n      - ja4_ab: t13d1516h2_8daaf6152771\n        source: s\n"
                + "  - id: b\n    label: B\n    relay: true\n    fingerprints:\n      - ja4_ab: t13i1516h2_8daaf6152771\n        source: s\n"
                + "user_agents: []\n",
            12, "already listed under stack `a`"
        ),
        (
            "stacks:\n  - id: a\n    label: A\n    relay: maybe\n    fingerprints:\n      - ja4: t13d1516h2_8daaf6152771\n        source: s\nuser_agents: []\n",
            4, "`relay` must be true or false"
        ),
        (
            "stacks:\n  - id: a\n    label: A\n    relay: true\n    fingerprints:\n      - ja4: t13d1516h2_8daaf6152771\n        source: s\nuser_agents: []\n",
            6, "`ja4` must look like"
        ),
        (
            "stacks:\n  - id: a\n    label: A\n    relay: true\n    fingerprints:\n      - ja4: t13d1516h2_8daaf6152771_e5627efa2ab1\nuser_agents: []\n",
            6, "missing key `source`"
        ),
    ])
    func badTables(yaml: String, line: Int, message: String) {
        #expect {
            _ = try TLSStackTable.parse(yaml: yaml, file: "t.yaml")
        } throws: { error in
            guard let e = error as? TLSStackTable.LoadError else { return false }
            return e.line == line && e.description.hasPrefix("t.yaml:\(line):") && e.description.contains(message)
        }
    }
}

@Suite struct TLSStackFeatureTests {
    /// Requests of four accounts with the log's own ja4: the features count each request once.
    @Test func sharesFromTheLogsJA4() {
        let table = TLSStackTableTests.table
        var interner = StringInterner()
        let day: Int32 = 20_000
        let chromeUA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36"
        let python = "t13d1812h1_85036bcba153_b26ce05bbdd6", chrome = "t13d1516h2_8daaf6152771_e5627efa2ab1"
        let go = "t13d1311h2_f57a46bbacb6_e7c285222651"
        // (account, user agent, ja4): a relay, an SDK user, a browser user, an unknown stack.
        let rows: [(String, String?, String?)] = [
            ("relay", chromeUA, python), ("relay", chromeUA, python), ("relay", "claude-cli/2.0.31 (external, cli)", go),
            ("relay", "python-httpx/0.28.1", go), ("relay", "Anthropic/Python 0.72.0", python), ("relay", nil, go),
            ("sdk", "Anthropic/Python 0.72.0", python), ("sdk", "Anthropic/Python 0.72.0", python),
            ("browser", chromeUA, chrome), ("browser", chromeUA, nil),
            ("unknown", chromeUA, "t13d9999h2_000000000000_000000000000"), ("unknown", chromeUA, nil),
        ]
        var events: [RequestEvent] = []
        for (i, (account, ua, ja4)) in rows.enumerated() {
            var e = RequestEvent()
            e.ts = Int64(day) * TimestampParser.millisPerDay + Int64(i) * 1000
            e.account = interner.intern(account)
            e.clientIP = IPAddress(v4: 0xC000_0201)
            if let ua { e.userAgent = interner.intern(ua) }
            if let ja4 { e.ja4 = interner.intern(ja4) }
            events.append(e)
        }
        var acc = FeatureAccumulator(plans: PlanCatalog(), stacks: table)
        acc.add(events, arena: [], interner: interner)
        let extractor = FeatureExtractor(plans: PlanCatalog(), registry: .empty)
        var features: [String: FeatureVector] = [:]
        for (key, state) in acc.export(interner: interner) {
            features[key.accountID] = extractor.features(for: key, state: state).features
        }
        // relay: 6 known stacks; mismatches: 2 Chrome-on-Python, claude-cli on Go, httpx on Go
        // (4); relays among them: the three that claim an interactive client.
        #expect(features["relay"]?["tls_ua_mismatch_share"] == .number(4.0 / 6))
        #expect(features["relay"]?["relay_stack_share"] == .number(3.0 / 6))
        #expect(features["sdk"]?["tls_ua_mismatch_share"] == .number(0))
        #expect(features["sdk"]?["relay_stack_share"] == .number(0))
        #expect(features["browser"]?["tls_ua_mismatch_share"] == .number(0))
        #expect(features["unknown"]?["tls_ua_mismatch_share"] == nil)
        #expect(features["unknown"]?["relay_stack_share"] == nil)
        #expect(features["unknown"]?["distinct_ja4"] == .number(1))
        // Without a table the features are unknown, whatever the ja4s.
        var plain = FeatureAccumulator(plans: PlanCatalog())
        plain.add(events, arena: [], interner: interner)
        for (key, state) in plain.export(interner: interner) {
            #expect(extractor.features(for: key, state: state).features["tls_ua_mismatch_share"] == nil)
        }
    }

    @Test func catalogDocumentsThem() {
        for name in ["tls_ua_mismatch_share", "relay_stack_share", "distinct_ja4"] {
            #expect(FeatureCatalog.definition(name)?.unit == (name == "distinct_ja4" ? "fingerprints" : "share 0-1"))
        }
    }
}
