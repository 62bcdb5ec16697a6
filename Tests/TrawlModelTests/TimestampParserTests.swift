import Testing
import TrawlModel

@Suite struct TimestampParserTests {
    @Test func civilRoundTrip() {
        for day in stride(from: Int64(-800_000), to: 800_000, by: 997) {
            let (y, m, d) = TimestampParser.civil(fromDays: day)
            #expect(TimestampParser.daysFromCivil(year: y, month: m, day: d) == day)
        }
    }

    @Test func formatsAndParses() {
        let ts = TimestampParser.parse("2024-02-29T23:59:59.999Z")
        #expect(ts == 1_709_251_199_999)
        #expect(TimestampParser.format(1_709_251_199_999) == "2024-02-29T23:59:59.999Z")
        #expect(TimestampParser.parse("2023-02-29T00:00:00Z") == nil)
        #expect(TimestampParser.parse("2026-11-21T00:00:00+24:00") == nil)
        #expect(TimestampParser.day(of: -1) == -1)
        #expect(TimestampParser.dayString(TimestampParser.parseDay("2026-11-21")!) == "2026-11-21")
    }
}
