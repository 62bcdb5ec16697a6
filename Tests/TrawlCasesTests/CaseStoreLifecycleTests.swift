import Foundation
import Testing

@testable import TrawlCases

@Suite("Case store: lifecycle, notes and audit")
struct CaseStoreLifecycleTests {
    /// How to bring a fresh (open) case to each status.
    static let pathTo: [CaseStatus: [CaseStatus]] = [
        .open: [], .triaged: [.triaged], .confirmed: [.confirmed], .dismissed: [.dismissed],
        .enforced: [.confirmed, .enforced],
    ]

    /// Every ordered pair of different statuses, with whether the lifecycle allows it.
    static let transitions: [(from: CaseStatus, to: CaseStatus, allowed: Bool)] = {
        let allowed: Set<String> = [
            "open>triaged", "open>confirmed", "open>dismissed",
            "triaged>confirmed", "triaged>dismissed", "triaged>open",
            "confirmed>enforced", "confirmed>dismissed", "confirmed>triaged",
            "dismissed>open", "dismissed>triaged",
        ]
        return CaseStatus.allCases.flatMap { from in
            CaseStatus.allCases.filter { $0 != from }.map { to in
                (from, to, allowed.contains("\(from.rawValue)>\(to.rawValue)"))
            }
        }
    }()

    /// A store with one open case (id 1), opened at `time(0)`.
    static func withCase<T>(_ kind: StoreKind, _ body: (CaseStore) throws -> T) throws -> T {
        try kind.withStore { store throws in
            try store.recordRun([result("acct-1", "2025-03-01", score: 0.9)])
            return try body(store)
        }
    }

    @Test("the transition table is the documented one")
    func table() {
        for (from, to, allowed) in Self.transitions {
            #expect(from.canChange(to: to) == allowed, "\(from) → \(to)")
        }
        #expect(Self.transitions.filter(\.allowed).count == 11)
    }

    @Test(
        "each transition is applied or refused with an exact error",
        arguments: StoreKind.allCases, Self.transitions.indices)
    func transition(kind: StoreKind, index: Int) throws {
        let (from, to, allowed) = Self.transitions[index]
        try Self.withCase(kind) { store throws in
            for (step, status) in Self.pathTo[from]!.enumerated() {
                _ = try store.update(caseID: 1, status: status, note: nil, actor: "ana", at: time(10 + step))
            }
            let before = try store.dump()
            if allowed {
                let detail = try store.update(caseID: 1, status: to, note: nil, actor: "ben", at: time(100))
                #expect(detail.summary.status == to)
                #expect(detail.summary.updatedAt == time(100))
                let last = try #require(detail.audit.last)
                #expect(
                    [last.action, last.actor, last.field, last.oldValue, last.newValue]
                        == ["status_changed", "ben", "status", from.rawValue, to.rawValue])
                #expect(last.at == time(100))
            } else {
                let error = #expect(throws: CaseStoreError.self) {
                    try store.update(caseID: 1, status: to, note: nil, actor: "ben", at: time(100))
                }
                #expect(error?.reason == .invalidTransition(caseID: 1, from: from, to: to, allowed: from.allowedNext))
                let next = from.allowedNext.isEmpty ? "none" : from.allowedNext.map(\.rawValue).joined(separator: ", ")
                #expect(
                    error?.description
                        == "case store: case 1: cannot change status from \(from.rawValue) to \(to.rawValue); "
                        + "allowed from \(from.rawValue): \(next)")
                #expect(try store.dump() == before)
            }
        }
    }

    @Test("exact messages for two refused transitions", arguments: StoreKind.allCases)
    func exactMessages(kind: StoreKind) throws {
        try Self.withCase(kind) { store throws in
            _ = try store.update(caseID: 1, status: .dismissed, note: nil, actor: "ana", at: time(1))
            let dismissed = #expect(throws: CaseStoreError.self) {
                try store.update(caseID: 1, status: .enforced, note: nil, actor: "ana", at: time(2))
            }
            #expect(
                dismissed?.description
                    == "case store: case 1: cannot change status from dismissed to enforced; allowed from dismissed: open, triaged")
            _ = try store.update(caseID: 1, status: .open, note: nil, actor: "ana", at: time(3))
            _ = try store.update(caseID: 1, status: .confirmed, note: nil, actor: "ana", at: time(4))
            _ = try store.update(caseID: 1, status: .enforced, note: nil, actor: "ana", at: time(5))
            let enforced = #expect(throws: CaseStoreError.self) {
                try store.update(caseID: 1, status: .open, note: nil, actor: "ana", at: time(6))
            }
            #expect(
                enforced?.description
                    == "case store: case 1: cannot change status from enforced to open; allowed from enforced: none")
        }
    }

    @Test("asking for the current status, or for nothing, changes nothing", arguments: StoreKind.allCases)
    func noOps(kind: StoreKind) throws {
        try Self.withCase(kind) { store throws in
            let before = try store.dump()
            let same = try store.update(caseID: 1, status: .open, note: nil, actor: "ana", at: time(50))
            let nothing = try store.update(caseID: 1, status: nil, note: nil, actor: "ana", at: time(60))
            #expect(same == nothing)
            #expect(same.summary.updatedAt == time(0))
            #expect(try store.dump() == before)
        }
    }

    @Test("an unknown case id is an error", arguments: StoreKind.allCases)
    func unknownCase(kind: StoreKind) throws {
        try Self.withCase(kind) { store throws in
            let error = #expect(throws: CaseStoreError.self) {
                try store.update(caseID: 999, status: .triaged, note: "x", actor: "ana", at: time(1))
            }
            #expect(error?.reason == .unknownCase(id: 999))
            #expect(error?.description == "case store: no case with id 999")
            #expect(try store.caseDetail(id: 999) == nil)
        }
    }

    @Test("notes and status changes are kept with their audit entries", arguments: StoreKind.allCases)
    func notesAndAudit(kind: StoreKind) throws {
        try Self.withCase(kind) { store throws in
            _ = try store.update(caseID: 1, status: nil, note: "Looks like a shared team key.", actor: "ana", at: time(100))
            let detail = try store.update(
                caseID: 1, status: .triaged, note: "Asked billing for the card owner.", actor: "ben", at: time(200))
            #expect(
                detail.notes == [
                    CaseNote(id: 1, author: "ana", text: "Looks like a shared team key.", createdAt: time(100)),
                    CaseNote(id: 2, author: "ben", text: "Asked billing for the card owner.", createdAt: time(200)),
                ])
            #expect(detail.summary.status == .triaged)
            #expect(detail.summary.updatedAt == time(200))
            let trail = detail.audit.map { [$0.actor, $0.action, $0.field ?? "-", $0.oldValue ?? "-", $0.newValue ?? "-"] }
            #expect(
                trail == [
                    ["run:1", "opened", "status", "-", "open"],
                    ["ana", "note_added", "note", "-", "Looks like a shared team key."],
                    ["ben", "status_changed", "status", "open", "triaged"],
                    ["ben", "note_added", "note", "-", "Asked billing for the card owner."],
                ])
            #expect(detail.audit.map(\.caseID) == [1, 1, 1, 1])
            #expect(detail.audit.map(\.at) == [time(0), time(100), time(200), time(200)])
        }
    }

    @Test("a blank note or actor is refused and nothing is written", arguments: StoreKind.allCases)
    func blankInput(kind: StoreKind) throws {
        try Self.withCase(kind) { store throws in
            let before = try store.dump()
            let note = #expect(throws: CaseStoreError.self) {
                try store.update(caseID: 1, status: .triaged, note: "  \n", actor: "ana", at: time(1))
            }
            #expect(note?.reason == .invalidInput("a note needs text"))
            let actor = #expect(throws: CaseStoreError.self) {
                try store.update(caseID: 1, status: .triaged, note: nil, actor: "", at: time(1))
            }
            #expect(actor?.reason == .invalidInput("a change needs an actor (who made it)"))
            #expect(try store.dump() == before)
        }
    }
}
