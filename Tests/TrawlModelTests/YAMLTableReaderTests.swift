import Testing
import TrawlModel
import Yams

@Suite struct YAMLTableReaderTests {
    struct Located: Error, Equatable {
        let line: Int?, column: Int?, reason: String
    }

    static var reader: YAMLTableReader<Located> {
        YAMLTableReader { line, column, why in Located(line: line, column: column, reason: why) }
    }

    static func failure(_ body: () throws -> Void) -> Located? {
        do {
            try body()
            return nil
        } catch { return error as? Located }
    }

    @Test func syntaxErrorsCarryTheirPosition() {
        let e = Self.failure { _ = try Self.reader.document("a: 1\nb: [1, 2\n", expected: "a mapping") }
        #expect(e?.line == 3)
        #expect(e?.reason.hasPrefix("not valid YAML: ") == true)
    }

    @Test func topLevelMustBeAMapping() {
        #expect(
            Self.failure { _ = try Self.reader.document("- a\n- b\n", expected: "a mapping with `x`") }
                == Located(line: 1, column: 1, reason: "expected a mapping with `x`"))
        #expect(Self.failure { _ = try Self.reader.document("", expected: "a mapping") }?.reason == "expected a mapping")
    }

    @Test func unknownKeysNameTheKeyAndTheAllowedOnes() throws {
        let (_, top) = try Self.reader.document("x: 1\n\ncolour: red\n", expected: "a mapping")
        #expect(
            Self.failure { try Self.reader.checkKeys(top, ["x", "y"]) }
                == Located(line: 3, column: 1, reason: "unknown key `colour` (keys: x, y)"))
        #expect(Self.failure { try Self.reader.checkKeys(top, ["x"]) }?.reason == "unknown key `colour` (the only key is `x`)")
    }

    @Test func valuesOfTheWrongKind() throws {
        let yaml = "item:\n  name: \"\"\n  on: maybe\n  n: 1.5\n  list: [a, [b]]\n  one: a\n"
        let (root, top) = try Self.reader.document(yaml, expected: "a mapping")
        let item = try #require(top["item"]), map = try #require(item.mapping)
        #expect(
            Self.failure { _ = try Self.reader.text(map, "name", in: item) } == Located(line: 2, column: 9, reason: "`name` must be text"))
        #expect(
            Self.failure { _ = try Self.reader.text(map, "gone", in: item) } == Located(line: 2, column: 3, reason: "missing key `gone`"))
        #expect(Self.failure { _ = try Self.reader.flag(map, "on", in: item) }?.reason == "`on` must be true or false")
        #expect(Self.failure { _ = try Self.reader.integer(map["n"]!, "n") }?.reason == "`n` must be a whole number")
        #expect(
            Self.failure { _ = try Self.reader.strings(map, "list", in: item, required: true) }
                == Located(line: 5, column: 13, reason: "`list` entries must be text"))
        #expect(Self.failure { _ = try Self.reader.strings(map, "one", in: item, required: true) }?.reason == "`one` must be a list")
        #expect(try Self.reader.strings(map, "one", in: item, required: true, acceptingText: true) == ["a"])
        #expect(try Self.reader.strings(map, "none", in: item, required: false) == nil)
        #expect(
            Self.failure { _ = try Self.reader.sequence(top, "item", in: root, of: "items") }?.reason
                == "expected `item:` with a list of items")
    }
}
