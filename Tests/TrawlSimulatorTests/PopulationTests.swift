import Foundation
import Testing
import TrawlModel

@testable import TrawlSimulator

@Suite struct PopulationTests {
    @Test(arguments: [1, 5, 12, 13, 100, 299, 2000, 50_000])
    func countsAddUpToTheWorld(accounts: Int) {
        let counts = Population.counts(forAccounts: accounts)
        #expect(counts.values.reduce(0, +) == accounts)
        if accounts >= Population.allCases.count {
            for p in Population.allCases { #expect(counts[p]! >= 1, "\(p) empty at \(accounts)") }
        }
    }

    @Test func aTwoThousandAccountWorldHasEnoughOfEveryPopulation() {
        let counts = Population.counts(forAccounts: 2000)
        for p in Population.allCases { #expect(counts[p]! >= 40, "\(p): \(counts[p]!)") }
        #expect(counts[.pooled]! >= 100)
        #expect(abs(Population.allCases.map(\.share).reduce(0, +) - 1) < 1e-9)
    }

    @Test func labelsFollowTheContract() {
        #expect(Population.pooled.label == "pooled")
        #expect(Population.evasivePooled.label == "proxy_rotation")
        #expect(Population.distillation.label == "distillation")
        #expect(Population.evasiveDistillation.label == "distillation")
        #expect(Population.thinDistillation.label == "distillation")
        for p in [Population.benchmarkBurst, .agentFixedSystem, .teamPromptLibrary] { #expect(p.label == "benign") }
        #expect(Population.allCases.filter { !$0.isAbusive }.count == 12)
    }

    @Test func operatorsOwnFiveToSixtyPooledAccounts() {
        let world = WorldBuilder.build(WorldSpec(seed: 3, accounts: 2000, days: 1), firstDay: 20778)
        let pooled = world.operators.filter { $0.population == .pooled }
        #expect(pooled.count >= 2)
        for op in pooled { #expect((5...60).contains(op.members.count), "\(op.name): \(op.members.count)") }
        var members = 0
        for op in world.operators { members += op.members.count }
        #expect(members == world.accounts.filter { $0.population.isAbusive }.count)
        for op in world.operators {
            for a in op.members { #expect(world.accounts[a].population == op.population) }
        }
    }
}
