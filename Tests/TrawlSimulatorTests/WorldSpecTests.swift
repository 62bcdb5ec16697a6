import Foundation
import Testing
import TrawlModel

@testable import TrawlSimulator

@Suite struct WorldSpecTests {
    @Test(arguments: [
        WorldSpec(seed: 1, accounts: 0, days: 1), WorldSpec(seed: 1, accounts: 10, days: 0),
        WorldSpec(seed: 1, accounts: 10, days: 1, startDay: "2026-13-01"),
        WorldSpec(seed: 1, accounts: 10, days: 1, startDay: "yesterday"),
        WorldSpec(seed: 1, accounts: 10, days: 1, requestScale: 0),
    ])
    func invalidSpecsAreRefused(spec: WorldSpec) {
        let dir = WorldFixture.temporaryFolder("bad")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(throws: SimulatorError.self) { try WorldSimulator.write(spec, to: dir) }
    }

    @Test func sizedSpecLandsNearItsTarget() throws {
        let target = 6_000_000
        let spec = WorldSpec.spec(forApproximateBytes: target, seed: 11)
        #expect(spec.accounts <= 50_000)
        let g = WorldFixture.generate(spec, name: "sized")
        defer { WorldFixture.remove(g) }
        let ratio = Double(g.summary.bytes) / Double(target)
        #expect(ratio > 0.6 && ratio < 1.5, "wrote \(g.summary.bytes) bytes for a \(target)-byte target")
        let big = WorldSpec.spec(forApproximateBytes: 1_000_000_000, seed: 1)
        #expect(big.accounts == 50_000)
        #expect(big.requestScale > 0 && big.requestScale < 1)
    }

    @Test func groundTruthReportsTheLineOfAMalformedLabel() throws {
        let dir = WorldFixture.temporaryFolder("labels")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/labels.jsonl"
        try Data("{\"account_id\":\"a\",\"label\":\"benign\",\"operator\":null}\n{oops\n".utf8).write(to: URL(fileURLWithPath: path))
        do {
            _ = try GroundTruth.load(path: path)
            Issue.record("expected an error")
        } catch let e as SimulatorError {
            #expect(e.line == 2)
            #expect(e.path == path)
        }
        try Data("{\"account_id\":\"a\",\"label\":\"pooled\",\"operator\":\"op-2\",\"population\":\"pooled\"}\n".utf8)
            .write(to: URL(fileURLWithPath: path))
        let truth = try GroundTruth.load(path: path)
        #expect(truth.labels["a"] == GroundTruth.Label(label: "pooled", operator: "op-2", population: "pooled"))
    }
}
