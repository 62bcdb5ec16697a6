import TrawlModel

/// The generated world: accounts, organisations, operators and the address plan.
struct World: Sendable {
    let spec: WorldSpec
    let firstDay: Int32
    let catalog: NetworkCatalog
    let accounts: [AccountProfile]
    let orgs: [OrgProfile]
    let operators: [OperatorProfile]
    let counts: [Population: Int]

    var firstDayStart: Int64 { Int64(firstDay) * TimestampParser.millisPerDay }
}
