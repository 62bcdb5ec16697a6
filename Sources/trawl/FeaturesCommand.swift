import ArgumentParser
import TrawlFeatures

struct FeaturesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "features",
        abstract: "List every feature rules can use, with its unit, window and meaning.",
        discussion: """
            A feature that cannot be computed for an account (its fields are absent from the
            log or registry) is unknown, never zero; rules treat unknown values with
            three-valued logic.

            Example:
              trawl features
              trawl features --json | jq -r .name
            """)

    @Flag(help: "One JSON object per feature on standard output.")
    var json = false

    struct Row: Encodable {
        let name, kind, unit, window, meaning: String
    }

    func run() {
        let width = FeatureCatalog.all.map(\.name.count).max() ?? 30
        for f in FeatureCatalog.all {
            if json {
                Terminal.emit(Row(name: f.name, kind: f.kind.rawValue, unit: f.unit, window: f.window, meaning: f.meaning))
            } else {
                Terminal.say(
                    "\(f.name.padding(toLength: width, withPad: " ", startingAt: 0)) \(f.kind.rawValue.padding(toLength: 7, withPad: " ", startingAt: 0)) \(f.unit) · \(f.window)\n    \(f.meaning)"
                )
            }
        }
    }
}
