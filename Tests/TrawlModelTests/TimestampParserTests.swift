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

@Suite struct IPAddressTextTests {
    /// Text form round-trips and uses RFC 5952's compression, on addresses with zero runs
    /// of every length and position.
    @Test func textRoundTripsAndIsCanonical() {
        var state: UInt64 = 42
        for _ in 0..<5000 {
            state = mix64(state)
            var groups = (0..<8).map { UInt64((state >> UInt64($0 * 8)) & 0xFFFF) }
            state = mix64(state)
            for k in 0..<8 where (state >> UInt64(k)) & 3 == 0 { groups[k] = 0 }
            let ip = IPAddress(
                high: groups[0..<4].reduce(0) { $0 << 16 | $1 }, low: groups[4..<8].reduce(0) { $0 << 16 | $1 })
            let text = ip.description
            #expect(IPAddress(text) == ip, "\(text)")
            #expect(!text.contains(":::"))
            #expect(text == text.lowercased())
        }
        #expect(IPAddress("2001:db8:0:0:1:0:0:1")!.description == "2001:db8::1:0:0:1")
        #expect(IPAddress("2001:db8:0:1:1:1:1:1")!.description == "2001:db8:0:1:1:1:1:1")
        #expect(IPAddress(v4: 0x0A00_00FF).description == "10.0.0.255")
    }
}
