import Foundation
import Testing
import TrawlFeatures

@testable import TrawlCases

/// One list query and the case ids it must return, in order.
struct ListExample: Sendable, CustomTestStringConvertible {
    var name: String
    var filter: CaseFilter
    var ids: [Int64]
    var testDescription: String { name }
}

@Suite("Case store: queries")
struct CaseStoreQueryTests {
    /// Five cases, ids 1-5 in account order:
    ///
    /// | id | subject      | score | last day   | tags              | status    | updated |
    /// |----|--------------|-------|------------|-------------------|-----------|---------|
    /// | 1  | acct-alpha   | 0.70  | 2025-03-01 | 24x7, pooling     | open      | 0       |
    /// | 2  | acct-bravo   | 0.95  | 2025-03-03 | proxy             | triaged   | 100     |
    /// | 3  | acct-charlie | 0.80  | 2025-03-02 | pooling           | open      | 300     |
    /// | 4  | acct-delta   | 0.60  | 2025-03-01 | pooling, proxy    | dismissed | 200     |
    /// | 5  | team-echo    | 0.90  | 2025-03-04 | 24x7, pooling     | open      | 0       |
    static func withCases<T>(_ kind: StoreKind, _ body: (CaseStore) throws -> T) throws -> T {
        try kind.withStore { store throws in
            try store.recordRun([
                result("team-echo", "2025-03-04", score: 0.90),
                result("acct-delta", "2025-03-01", score: 0.60, hits: [proxyRanges, manyIPs]),
                result("acct-charlie", "2025-03-02", score: 0.80, hits: [manyIPs]),
                result("acct-bravo", "2025-03-03", score: 0.95, hits: [proxyRanges]),
                result("acct-alpha", "2025-03-01", score: 0.70),
                result("quiet", "2025-03-01", score: 0.10, flagged: false),
            ])
            _ = try store.update(caseID: 2, status: .triaged, note: nil, actor: "ana", at: time(100))
            _ = try store.update(caseID: 4, status: .dismissed, note: nil, actor: "ana", at: time(200))
            _ = try store.update(caseID: 3, status: nil, note: "watch", actor: "ana", at: time(300))
            return try body(store)
        }
    }

    static let examples: [ListExample] = [
        .init(name: "default: score, highest first", filter: CaseFilter(), ids: [2, 5, 3, 1, 4]),
        .init(name: "by id", filter: CaseFilter(sort: .id), ids: [1, 2, 3, 4, 5]),
        .init(name: "by update, newest first", filter: CaseFilter(sort: .updated), ids: [3, 4, 2, 1, 5]),
        .init(name: "by last day, latest first", filter: CaseFilter(sort: .lastDay), ids: [5, 2, 3, 1, 4]),
        .init(name: "open", filter: CaseFilter(statuses: [.open]), ids: [5, 3, 1]),
        .init(name: "triaged or dismissed", filter: CaseFilter(statuses: [.triaged, .dismissed]), ids: [2, 4]),
        .init(name: "enforced", filter: CaseFilter(statuses: [.enforced]), ids: []),
        .init(name: "score at least 0.8", filter: CaseFilter(minimumScore: 0.8), ids: [2, 5, 3]),
        .init(name: "tag proxy", filter: CaseFilter(tag: "proxy"), ids: [2, 4]),
        .init(name: "tag 24x7", filter: CaseFilter(tag: "24x7"), ids: [5, 1]),
        .init(name: "a tag matches whole", filter: CaseFilter(tag: "pool"), ids: []),
        .init(name: "subject contains acct-", filter: CaseFilter(subjectContains: "acct-"), ids: [2, 3, 1, 4]),
        .init(name: "subject match is case-sensitive", filter: CaseFilter(subjectContains: "ECHO"), ids: []),
        .init(name: "% is no wildcard", filter: CaseFilter(subjectContains: "%"), ids: []),
        .init(name: "_ is no wildcard", filter: CaseFilter(subjectContains: "acct_"), ids: []),
        .init(
            name: "open, pooling, score at least 0.75",
            filter: CaseFilter(statuses: [.open], minimumScore: 0.75, tag: "pooling"), ids: [5, 3]),
        .init(name: "first page", filter: CaseFilter(limit: 2), ids: [2, 5]),
        .init(name: "second page", filter: CaseFilter(limit: 2, offset: 2), ids: [3, 1]),
        .init(name: "offset without limit", filter: CaseFilter(offset: 4), ids: [4]),
        .init(name: "limit 0", filter: CaseFilter(limit: 0), ids: []),
        .init(name: "account cases", filter: CaseFilter(kind: .account, sort: .id), ids: [1, 2, 3, 4, 5]),
        .init(name: "cluster cases", filter: CaseFilter(kind: .cluster), ids: []),
    ]

    @Test("list filters and sorting return exactly the expected cases", arguments: StoreKind.allCases, Self.examples)
    func list(kind: StoreKind, example: ListExample) throws {
        try Self.withCases(kind) { store throws in
            #expect(try store.listCases(example.filter).map(\.id) == example.ids)
        }
    }

    @Test("a listed case carries its summary", arguments: StoreKind.allCases)
    func summary(kind: StoreKind) throws {
        try Self.withCases(kind) { store throws in
            let delta = try #require(try store.listCases(CaseFilter(subjectContains: "delta")).first)
            #expect(
                delta
                    == CaseSummary(
                        id: 4, kind: .account, subject: "acct-delta", status: .dismissed, score: 0.6, lastScore: 0.6,
                        title: "Residential proxy ranges", tags: ["pooling", "proxy"], firstDay: "2025-03-01",
                        lastDay: "2025-03-01", createdAt: time(0), updatedAt: time(200)))
        }
    }

    @Test("a negative limit or offset is refused", arguments: StoreKind.allCases)
    func negativePaging(kind: StoreKind) throws {
        try kind.withStore { store throws in
            #expect(throws: CaseStoreError.self) { try store.listCases(CaseFilter(limit: -1)) }
            #expect(throws: CaseStoreError.self) { try store.listCases(CaseFilter(offset: -1)) }
        }
    }

    @Test("types print as JSON and read back", arguments: StoreKind.allCases)
    func jsonRoundTrip(kind: StoreKind) throws {
        try Self.withCases(kind) { store throws in
            let detail = try #require(try store.caseDetail(id: 4))
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let data = try encoder.encode(detail)
            #expect(try JSONDecoder().decode(CaseDetail.self, from: data) == detail)
            let text = String(decoding: data, as: UTF8.self)
            #expect(text.contains(#""values":{"disposable_email":true,"plan":"max"}"#))
            #expect(text.contains(#""status":"dismissed""#))
            let runs = try encoder.encode(try store.runs())
            #expect(try JSONDecoder().decode([RunRecord].self, from: runs) == (try store.runs()))
        }
    }
}

@Suite("Case store: hostile text")
struct CaseStoreHostileTextTests {
    static let account = #"acct-'quoted"; DROP TABLE run;--"#
    static let userAgents = [
        "'); DROP TABLE case;--",
        #"Robert'); DROP TABLE abuse_case;-- "quoted" \ back\slash"#,
        "caf\u{E9}/1.0",
        "cafe\u{301}/1.0",
        "emoji 🦀 line\nbreak\ttab",
        "nul\u{0}byte",
    ]

    @Test("user agents, account ids and notes with SQL and quotes round-trip intact", arguments: StoreKind.allCases)
    func roundTrip(kind: StoreKind) throws {
        let results = [
            result(
                Self.account, "2025-03-01", score: 0.9, requestIDs: ["req-'1'"],
                userAgents: Self.userAgents.enumerated().map { CountedValue($1, 10 + $0) })
        ]
        // SQLite's C interface ends text at NUL; the store keeps the rest with U+FFFD.
        let expected = Self.userAgents.map { $0.replacingOccurrences(of: "\u{0}", with: "\u{FFFD}") }
        try kind.withStore { store throws in
            let (run, _) = try store.recordRun(results)
            let c = try #require(try store.listCases(CaseFilter(subjectContains: #"'quoted""#)).first)
            #expect(c.subject.utf8.elementsEqual(Self.account.utf8))
            let detail = try store.update(
                caseID: c.id, status: nil, note: "'); DELETE FROM audit;--", actor: "O'Brien", at: time(5))
            let stored = detail.evidence.filter { $0.kind == .userAgent }
            #expect(
                stored.map { Array($0.value.utf8) }.sorted { $0.lexicographicallyPrecedes($1) }
                    == expected.map { Array($0.utf8) }.sorted { $0.lexicographicallyPrecedes($1) })
            #expect(stored.count == 6)  // the two spellings of "café" stay two rows
            #expect(detail.evidence.contains { $0.kind == .requestID && $0.value == "req-'1'" })
            #expect(detail.notes.map(\.text) == ["'); DELETE FROM audit;--"])
            #expect(detail.notes.map(\.author) == ["O'Brien"])

            let day = try #require(try store.accountDay(accountID: Self.account, day: day("2025-03-01")))
            #expect(day.evidence.topUserAgents.map { Array($0.value.utf8) } == expected.map { Array($0.utf8) })
            #expect(try store.tableNames() == CaseStoreSchemaTests.expectedTables)
            #expect(try store.listCases(CaseFilter(tag: "'); DROP TABLE case;--")) == [])

            let before = try store.dump()
            let again = try store.record(runID: run, results: results, at: time(10))
            #expect(again.accountDaysUnchanged == 1 && again.unchanged == 1)
            #expect(try store.dump() == before)
        }
    }
}
