import Foundation
import Testing
import TrawlFeatures

@testable import TrawlRules

/// A fresh empty folder under the temporary directory, with the given files written into it.
func temporaryFolder(_ files: [String: String]) throws -> String {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("trawl-rules-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    for (name, text) in files {
        let url = folder.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
    }
    return folder.path
}

/// Three rules with weights that are exact in binary, so sums are exact too.
let scoringYAML = """
    rules:
      - id: t.networks
        title: Many networks
        description: d
        when: distinct_networks >= 8
        weight: 2.5
        tags: [pooling, network]
        explain: "{distinct_networks} networks, top share {top_ip_share}"
        references: [r]
      - id: t.clock
        title: Round the clock
        description: d
        when: hour_entropy > 4 and longest_idle_gap_hours < 3
        weight: 1.5
        tags: [time, pooling]
        references: [r]
      - id: t.nat
        title: Behind NAT
        description: d
        when: distinct_ips <= 3 or top_ip_share >= 0.9
        weight: -0.75
        tags: [exonerating]
        explain: "{distinct_ips} addresses"
        references: [r]
      - id: t.cluster
        title: Cluster rule
        description: d
        scope: cluster
        when: cluster_size > 0
        weight: 9
        references: [r]
    """

@Suite("Scoring")
struct ScoringTests {
    let rules: RuleSet

    init() throws {
        rules = try RuleSet(yaml: scoringYAML, file: "t.yaml")
    }

    @Test func exactScoreFromTheWeightsThatFired() {
        let features = FeatureVector(named: [
            "distinct_networks": .number(9), "hour_entropy": .number(4.3), "longest_idle_gap_hours": .number(1),
            "distinct_ips": .number(2), "requests": .number(50),
        ])
        let a = rules.assess(accountID: "acct-1", day: 20_000, features: features)
        // -4 + 2.5 + 1.5 - 0.75 = -0.75; the cluster rule (weight 9) is not evaluated.
        #expect(a.score == 1 / (1 + exp(0.75)))
        #expect(abs(a.score - 0.320821300824607) < 1e-12)
        #expect(!a.flagged)
        #expect(a.bias == -4)
        #expect(a.accountID == "acct-1" && a.day == 20_000)
        #expect(a.hits.map(\.ruleID) == ["t.networks", "t.clock", "t.nat"])
        #expect(a.tags == ["exonerating", "network", "pooling", "time"])
        // A lower threshold flags the same score.
        #expect(rules.assess(accountID: "acct-1", day: 20_000, features: features, threshold: 0.3).flagged)
    }

    @Test func noHitsGivesTheBias() {
        let a = rules.assess(accountID: "a", day: 0, features: FeatureVector())
        #expect(a.hits.isEmpty)
        #expect(a.score == 1 / (1 + exp(4.0)))
    }

    @Test func scoreAtTheThresholdIsFlagged() throws {
        let set = try RuleSet(
            yaml: """
                scoring: {bias: -1, threshold: 0.5}
                rules:
                  - {id: a, title: A, when: "true", weight: 1}
                """)
        let a = set.assess(accountID: "a", day: 0, features: FeatureVector())
        #expect(a.score == 0.5)
        #expect(a.flagged)
        #expect(set.scoring == ScoringParameters(bias: -1, threshold: 0.5))
    }

    @Test func hitsCarryFilledExplanationsAndTheKnownValuesRead() throws {
        let features = FeatureVector(named: [
            "distinct_networks": .number(12), "distinct_ips": .number(40), "plan": .text("pro"),
        ])
        let a = rules.assess(accountID: "a", day: 0, features: features)
        #expect(a.hits.count == 1)
        let hit = try #require(a.hits.first)
        #expect(hit.ruleID == "t.networks")
        #expect(hit.title == "Many networks")
        #expect(hit.weight == 2.5)
        #expect(hit.tags == ["pooling", "network"])
        #expect(hit.explanation == "12 networks, top share unknown")
        #expect(hit.values == ["distinct_networks": .number(12)])
        // The unknown feature read by t.nat makes it unknown, not false: `or` with a false side.
        let nat = try #require(rules.rule(id: "t.nat"))
        #expect(nat.condition.truth(features) == nil)
        #expect(!nat.fires(on: features))
    }

    @Test func defaultExplanationListsTheFeaturesRead() throws {
        let features = FeatureVector(named: [
            "hour_entropy": .number(4.25), "longest_idle_gap_hours": .number(0.5),
        ])
        let hit = try #require(rules.assess(accountID: "a", day: 0, features: features).hits.first)
        #expect(hit.explanation == "hour_entropy = 4.25, longest_idle_gap_hours = 0.5")
        #expect(hit.values == ["hour_entropy": .number(4.25), "longest_idle_gap_hours": .number(0.5)])
    }

    @Test func knownReadsCountAsValues() throws {
        let set = try RuleSet(yaml: "rules:\n  - {id: k, title: K, when: not known(plan) and requests > 1, weight: 1}")
        let hit = try #require(
            set.assess(accountID: "a", day: 0, features: FeatureVector(named: ["requests": .number(5)])).hits.first)
        #expect(hit.values == ["requests": .number(5)])
        #expect(set.rules[0].features == ["plan", "requests"])
    }

    @Test func explanationText() {
        let features = FeatureVector(named: [
            "distinct_networks": .number(9), "hour_entropy": .number(4.3), "longest_idle_gap_hours": .number(1),
            "distinct_ips": .number(2),
        ])
        let a = rules.assess(accountID: "acct-1", day: 20_000, features: features)
        let expected = """
            account acct-1 on 2024-10-04: score 0.321, not flagged
              -4.00  bias (log-odds before any rule)
              +2.50  t.networks: Many networks
                       9 networks, top share unknown
              +1.50  t.clock: Round the clock
                       hour_entropy = 4.3, longest_idle_gap_hours = 1
              -0.75  t.nat: Behind NAT
                       2 addresses
              = -0.75 log-odds -> score 0.321
            """
        #expect(rules.explain(a) == expected)
        #expect(rules.explain(a, includeAccountID: false).hasPrefix("account <hidden> on 2024-10-04"))
        let none = rules.assess(accountID: "b", day: 0, features: FeatureVector())
        #expect(rules.explain(none).contains("no rule fired"))
        #expect(rules.explain(none).hasSuffix("= -4.00 log-odds -> score 0.018"))
    }

    @Test func metadata() throws {
        let rule = try #require(rules.rule(id: "t.clock"))
        #expect(rule.file == "t.yaml")
        #expect((rule.line, rule.column) == (10, 5))
        #expect(rule.scope == .account)
        #expect(rule.tags == ["time", "pooling"])
        #expect(rule.references == ["r"])
        #expect(rule.features == ["hour_entropy", "longest_idle_gap_hours"])
        #expect(rule.explainTemplate == nil)
        #expect(rules.rules.count == 4)
        #expect(rules.accountRules.map(\.id) == ["t.networks", "t.clock", "t.nat"])
        #expect(rules.rule(id: "t.cluster")?.scope == .cluster)
    }

    /// Cluster rules score a cluster's features on the same scale; account rules do not see them.
    @Test func clusterRulesScoreClusters() {
        let features = FeatureVector(named: ["cluster_size": .number(3), "distinct_networks": .number(9)])
        let a = rules.assessCluster(subject: "cluster 1", day: 7, features: features)
        #expect(a.hits.map(\.ruleID) == ["t.cluster"])
        #expect(a.score == 1 / (1 + exp(-5.0)) && a.flagged && a.accountID == "cluster 1" && a.day == 7)
        #expect(rules.clusterRules.map(\.id) == ["t.cluster"])
        #expect(!rules.assess(accountID: "a", day: 7, features: features).hits.contains { $0.ruleID == "t.cluster" })
    }

    /// A rule reads the features of its own scope: an account rule cannot read a cluster
    /// feature, nor a cluster rule an account feature, in its condition or its explanation.
    @Test func aRuleReadsOnlyItsScopesFeatures() throws {
        let yaml = """
            rules:
              - {id: a, title: A, when: "requests > 1 and cluster_size > 2", weight: 1}
              - {id: b, title: B, scope: cluster, when: "cluster_size > 2", weight: 1, explain: "{distinct_ips} addresses"}
            """
        let diagnostics = RuleLinter.lint(yaml: yaml, file: "s.yaml").filter { $0.severity == .error }
        #expect(
            diagnostics.map(\.description) == [
                "s.yaml:2:47: error: `cluster_size` is a cluster feature; a rule with scope account cannot read it (set `scope: cluster` or use an account feature)",
                "s.yaml:3:87: error: `distinct_ips` is an account feature; a rule with scope cluster cannot read it (set `scope: account` or use a cluster_* feature)",
            ])
        #expect(throws: RuleError.self) { try Rule(id: "c", title: "C", when: "cluster_size > 1", weight: 1) }
        #expect(try Rule(id: "c", title: "C", scope: .cluster, when: "cluster_size > 1", weight: 1).scope == .cluster)
    }

    @Test func reweighting() {
        let changed = rules.reweighted(["t.networks": 4, "nope": 1])
        #expect(changed.rule(id: "t.networks")?.weight == 4)
        #expect(changed.rule(id: "t.clock")?.weight == 1.5)
        let a = changed.assess(
            accountID: "a", day: 0, features: FeatureVector(named: ["distinct_networks": .number(8)]))
        #expect(a.score == 0.5)
        #expect(a.hits.first?.weight == 4)
    }

    @Test func rulesMadeInCode() throws {
        let rule = try Rule(
            id: "code.rule", title: "T", when: #"plan == "pro""#, weight: 2, explain: "plan {plan}")
        let set = RuleSet(rules: [rule], scoring: ScoringParameters(bias: -2, threshold: 0.4))
        let a = set.assess(accountID: "a", day: 0, features: FeatureVector(named: ["plan": .text("pro")]))
        #expect(a.score == 0.5 && a.flagged)
        #expect(a.hits.first?.explanation == "plan pro")
        do {
            _ = try Rule(id: "x", title: "T", when: "true", weight: 1, explain: "a {nope}")
            Issue.record("compiled")
        } catch {
            #expect(error.description == "<rule x>:1:3: unknown placeholder `{nope}` in explain")
        }
        do {
            _ = try Rule(id: "x", title: "T", when: "requests > 1\nand nope", weight: 1)
            Issue.record("compiled")
        } catch {
            #expect(error.description == "<rule x>:2:5: unknown feature `nope`")
            #expect(error.ruleID == "x")
        }
    }
}

@Suite("Loading")
struct LoadingTests {
    @Test func defaultsWithoutScoringFile() throws {
        let set = try RuleSet(yaml: "rules: []")
        #expect(set.scoring == ScoringParameters(bias: -4, threshold: 0.5))
        #expect(set.rules.isEmpty)
    }

    @Test func folderSkipsDataFilesAndReadsScoring() throws {
        let folder = try temporaryFolder([
            "b_pooling.yaml": "rules:\n  - {id: b.one, title: B, when: requests > 1, weight: 1}\n",
            "a_more.yaml": "rules:\n  - {id: a.one, title: A, when: requests > 2, weight: 2}\n",
            "scoring.yaml": "scoring:\n  bias: -3\n",
            "plans.yaml": "plans:\n  pro: { window_tokens: 2000000 }\n",
            "list.yaml": "- just\n- a list\n",
            "empty.yaml": "",
            "notes.txt": "rules: this is not yaml [",
            "sub/c.yaml": "rules:\n  - {id: c.one, title: C, when: requests > 3, weight: 3}\n",
        ])
        let set = try RuleSet.load(directory: folder)
        #expect(set.rules.map(\.id) == ["a.one", "b.one"])
        #expect(set.scoring == ScoringParameters(bias: -3, threshold: 0.5))
        #expect(set.rules[0].file == folder + "/a_more.yaml")
        #expect(RuleLinter.lint(directory: folder).filter { $0.severity == .error }.isEmpty)
    }

    @Test func blockScalarConditions() throws {
        let set = try RuleSet(
            yaml: """
                rules:
                  - id: multi
                    title: Multi-line
                    when: >-
                      distinct_networks >= 8
                      and hour_entropy > 4
                    weight: 1
                  - id: plain
                    title: Plain continued
                    when: distinct_networks >= 8
                      and hour_entropy > 4
                    weight: 1
                """)
        let features = FeatureVector(named: ["distinct_networks": .number(8), "hour_entropy": .number(4.5)])
        #expect(set.rules.allSatisfy { $0.fires(on: features) })
        #expect(set.rules[0].condition.canonical == "((distinct_networks >= 8) and (hour_entropy > 4))")
    }

    @Test func explicitFileMustBeARuleFile() throws {
        #expect(throws: RuleError.self) { try RuleSet(yaml: "plans: {}") }
        do {
            _ = try RuleSet(yaml: "plans: {}", file: "plans.yaml")
        } catch {
            #expect(error.description == "plans.yaml:1:1: not a rule file: no top-level `rules` or `scoring` key")
        }
    }

    @Test func unreadableFolderAndFile() {
        do {
            _ = try RuleSet.load(directory: "/nonexistent/trawl/rules")
            Issue.record("loaded a missing folder")
        } catch {
            #expect(error.description == "/nonexistent/trawl/rules: cannot read rules folder")
        }
        #expect(throws: RuleError.self) { try RuleSet.load(files: ["/nonexistent/trawl/x.yaml"]) }
    }

    @Test func scoringSetTwiceIsAnError() throws {
        do {
            _ = try RuleSet.load(sources: [
                ("one.yaml", "scoring: {bias: -3}"), ("two.yaml", "rules: []\nscoring: {bias: -2}"),
            ])
            Issue.record("loaded")
        } catch {
            #expect(error.file == "two.yaml")
            #expect((error.line, error.column) == (2, 1))
            #expect(error.description.contains("already set at one.yaml:1:1"))
        }
    }

    @Test func laterFileReplacesARuleWithAWarning() throws {
        let sources: [(file: String, yaml: String)] = [
            ("a.yaml", "rules:\n  - {id: same, title: First, when: requests > 1, weight: 1}\n"),
            ("b.yaml", "rules:\n  - {id: same, title: Second, when: requests > 1, weight: 2}\n"),
        ]
        let set = try RuleSet.load(sources: sources)
        #expect(set.rules.count == 1)
        #expect(set.rules[0].title == "Second")
        let duplicates = RuleLinter.lint(sources: sources).filter { $0.message.contains("also defined") }
        #expect(duplicates.count == 1)
        #expect(
            duplicates.first?.description
                == "b.yaml:2:10: warning: rule id `same` is also defined at a.yaml:2:10; this later definition replaces it")
    }

    @Test func yamlFeaturesThatAreValid() throws {
        // Quoted and numeric scalars, flow style, anchors/aliases, comments, integer weights.
        let set = try RuleSet(
            yaml: """
                # comment
                rules:
                  - id: "q.one"
                    title: 'It''s quoted'
                    when: "plan in [\\"pro\\", \\"max_5x\\"]" # a comment
                    weight: 2
                    tags: &t [a, b]
                  - id: q.two
                    title: Second
                    when: 'true'
                    weight: -1.5e0
                    tags: *t
                """)
        #expect(set.rules.map(\.title) == ["It's quoted", "Second"])
        #expect(set.rules[1].weight == -1.5)
        #expect(set.rules[1].tags == ["a", "b"])
        #expect(set.rules[0].fires(on: FeatureVector(named: ["plan": .text("max_5x")])))
    }
}

@Suite("Linting")
struct LintingTests {
    @Test func collectsEveryErrorAcrossFiles() throws {
        let folder = try temporaryFolder([
            "a.yaml": """
            rules:
              - id: a.one
                title: A
                when: distinct_ipz > 1
                weight: 1
              - id: a.two
                title: B
                when: requests > 1
                weight: heavy
                colour: red
            """,
            "b.yaml": "rules:\n  - id: b.one\n    title: [x]\n    when: plan > 1\n",
            "c.yaml": "rules: [\n",
        ])
        let diagnostics = RuleLinter.lint(directory: folder)
        let errors = diagnostics.filter { $0.severity == .error }
        let summary = errors.map { "\(URL(fileURLWithPath: $0.file).lastPathComponent):\($0.line):\($0.column)" }
        #expect(summary == ["a.yaml:4:11", "a.yaml:9:13", "a.yaml:10:5", "b.yaml:2:5", "b.yaml:3:12", "b.yaml:4:11", "c.yaml:2:1"])
        #expect(errors[0].message.contains("unknown feature `distinct_ipz`"))
        #expect(errors[1].message.contains("expected a number, found text `heavy`"))
        #expect(errors[2].message.contains("unknown key `colour`"))
        #expect(errors[3].message.contains("missing key `weight` in rule `b.one`"))
        #expect(errors[4].message.contains("wrong type for `title`: expected text, found a list"))
        #expect(errors[5].message.contains("`plan` is text, cannot compare with a number"))
        #expect(errors[6].message.contains("YAML syntax error"))
        // load throws the first of them.
        do {
            _ = try RuleSet.load(directory: folder)
        } catch {
            #expect((error.line, error.column) == (4, 11))
            #expect(error.file.hasSuffix("/a.yaml"))
        }
    }

    @Test func warnings() {
        let yaml = """
            rules:
              - id: w.zero
                title: Zero
                description: d
                when: requests > 1
                weight: 0
                references: [r]
              - id: w.bare
                title: Bare
                when: requests > 1
                weight: 1
              - id: w.never
                title: Never
                description: d
                when: 1 > 2
                weight: 1
                references: [r]
              - id: w.always
                title: Always
                description: d
                when: known(plan) or true
                weight: 1
                references: [r]
              - id: w.fine
                title: Fine
                description: d
                when: requests > 1
                weight: 1
                references: [r]
            """
        let messages = RuleLinter.lint(yaml: yaml, file: "w.yaml").map(\.description)
        #expect(
            messages == [
                "w.yaml:6:13: warning: rule `w.zero` has weight 0: it never changes a score",
                "w.yaml:8:5: warning: rule `w.bare` has no description",
                "w.yaml:8:5: warning: rule `w.bare` has no references",
                "w.yaml:15:11: warning: rule `w.never` reads no feature and is never true: it can never fire",
            ])
    }

    @Test func unknownOrAlwaysIsNotConstant() {
        // `known(plan) or true` reads a feature, so it is not flagged as constant, but `true` is.
        let diagnostics = RuleLinter.lint(
            yaml: "rules:\n  - {id: t, title: T, description: d, when: \"true\", weight: 1, references: [r]}")
        #expect(diagnostics.map(\.message) == ["rule `t` reads no feature and is always true: it fires on every account"])
    }
}

@Suite("Starter rule set")
struct StarterRuleSetTests {
    static let folder = repositoryRoot.appendingPathComponent("rules").path

    @Test func loadsAndLintsClean() throws {
        let set = try RuleSet.load(directory: Self.folder)
        #expect((8...60).contains(set.rules.count))
        #expect(set.clusterRules.count >= 5 && set.clusterRules.contains { $0.weight < 0 })
        #expect(set.scoring == ScoringParameters(bias: -4, threshold: 0.5))
        #expect(set.rules.contains { $0.weight < 0 })
        #expect(set.rules.allSatisfy { !$0.description.isEmpty && !$0.references.isEmpty && $0.explainTemplate != nil })
        #expect(RuleLinter.lint(directory: Self.folder) == [])
    }

    /// Archetypes the first draft must keep apart; a retune should keep these too.
    static let archetypes: [(String, [String: FeatureValue], Bool)] = [
        (
            "pooled consumer account",
            [
                "plan": .text("pro"), "distinct_networks": .number(15), "distinct_ips": .number(30),
                "hour_entropy": .number(4.4), "longest_idle_gap_hours": .number(1), "active_hours": .number(24),
                "peak_concurrency": .number(7), "plan_window_saturation": .number(0.97),
                "rate_limited_share": .number(0.3), "distinct_user_agents": .number(6),
                "requests": .number(4000), "top_ip_share": .number(0.1),
            ], true
        ),
        (
            "corporate NAT",
            [
                "plan": .text("team"), "distinct_networks": .number(1), "distinct_ips": .number(2),
                "top_ip_share": .number(0.95), "requests": .number(3000), "hour_entropy": .number(3.1),
                "longest_idle_gap_hours": .number(13), "peak_concurrency": .number(2),
                "distinct_user_agents": .number(3),
            ], false
        ),
        (
            "mobile user behind carrier NAT",
            [
                "plan": .text("pro"), "distinct_networks": .number(2), "distinct_ips": .number(40),
                "hour_entropy": .number(3.3), "longest_idle_gap_hours": .number(8), "requests": .number(200),
                "top_ip_share": .number(0.1),
            ], false
        ),
        (
            "traveller on a VPN",
            [
                "plan": .text("max_5x"), "distinct_networks": .number(5), "distinct_ips": .number(7),
                "hour_entropy": .number(3.4), "longest_idle_gap_hours": .number(9),
                "plan_window_saturation": .number(0.95), "peak_concurrency": .number(3),
            ], false
        ),
        (
            "24/7 automation on the api plan",
            [
                "plan": .text("api"), "distinct_networks": .number(1), "distinct_ips": .number(1),
                "hour_entropy": .number(4.58), "longest_idle_gap_hours": .number(0.1),
                "peak_concurrency": .number(12), "distinct_user_agents": .number(1), "requests": .number(50000),
                "top_ip_share": .number(1), "distinct_sessions": .number(3),
            ], false
        ),
        // Where-from signals (GeoIP): weak ones never flag alone.
        (
            "impossible travel and nothing else",
            [
                "plan": .text("pro"), "distinct_networks": .number(3), "distinct_ips": .number(4),
                "hour_entropy": .number(3.2), "longest_idle_gap_hours": .number(8), "impossible_travel_count": .number(40),
                "max_travel_speed_kmh": .number(30000), "vpn_share": .number(0), "distinct_countries": .number(2),
            ], false
        ),
        (
            "VPN user toggling the VPN all day",
            [
                "plan": .text("max_5x"), "distinct_networks": .number(4), "distinct_ips": .number(6),
                "hour_entropy": .number(3.5), "longest_idle_gap_hours": .number(7), "impossible_travel_count": .number(25),
                "vpn_share": .number(0.5), "distinct_countries": .number(3), "locale_mismatch_share": .number(0.5),
                "residential_proxy_share": .number(0), "distinct_asns": .number(2),
            ], false
        ),
        (
            "phone behind carrier NAT whose range holds a listed proxy exit",
            [
                "plan": .text("pro"), "distinct_networks": .number(20), "distinct_ips": .number(60), "requests": .number(120),
                "hour_entropy": .number(3.3), "longest_idle_gap_hours": .number(7), "residential_proxy_share": .number(0.4),
                "distinct_countries": .number(1), "distinct_asns": .number(1), "ip_churn": .number(50),
                "median_ip_lifetime_minutes": .number(1), "locale_mismatch_share": .number(0),
            ], false
        ),
        (
            "pool behind rotating residential proxies in many countries",
            [
                "plan": .text("max_20x"), "distinct_networks": .number(150), "distinct_ips": .number(160),
                "requests": .number(300), "hour_entropy": .number(4.5), "longest_idle_gap_hours": .number(0.5),
                "residential_proxy_share": .number(0.6), "distinct_countries": .number(14), "distinct_asns": .number(44),
                "asn_entropy": .number(5), "impossible_travel_count": .number(200), "vpn_share": .number(0),
                "locale_mismatch_share": .number(0.9), "ip_churn": .number(53), "median_ip_lifetime_minutes": .number(0),
            ], true
        ),
    ]

    @Test(arguments: archetypes.indices)
    func separatesTheArchetypes(_ index: Int) throws {
        let (name, values, abusive) = Self.archetypes[index]
        let set = try RuleSet.load(directory: Self.folder)
        let a = set.assess(accountID: name, day: 0, features: FeatureVector(named: values))
        #expect(a.flagged == abusive, "\(set.explain(a))")
    }
}
