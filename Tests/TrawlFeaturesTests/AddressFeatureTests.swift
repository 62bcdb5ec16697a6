import Testing
import TrawlFeatures
import TrawlModel

@Suite struct AddressLifetimeSampleTests {
    @Test func medianOfExactLifetimes() {
        var s = AddressLifetimeSample()
        // Three addresses used for 0, 10 and 30 minutes.
        s.add(hash: 1, at: 0)
        s.add(hash: 2, at: 0)
        s.add(hash: 2, at: 600_000)
        s.add(hash: 3, at: 60_000)
        s.add(hash: 3, at: 1_860_000)
        #expect(s.medianLifetimeMinutes == 10)
        #expect(AddressLifetimeSample().medianLifetimeMinutes == nil)
    }

    @Test func keepsTheSmallestHashesAndMergesLikeTheWhole() {
        var whole = AddressLifetimeSample(), a = AddressLifetimeSample(), b = AddressLifetimeSample()
        for i in 0..<2000 {
            let hash = mix64(UInt64(i % 700))
            let ts = Timestamp(i) * 1000
            whole.add(hash: hash, at: ts)
            if i % 3 == 0 { a.add(hash: hash, at: ts) } else { b.add(hash: hash, at: ts) }
        }
        #expect(whole.count == AddressLifetimeSample.capacity)
        var ab = a
        ab.merge(b)
        var ba = b
        ba.merge(a)
        #expect(ab == whole)
        #expect(ba == whole)
        // Each of the 700 addresses recurs every 700 requests: first at i, last at i + 1400 (or 700).
        let m = whole.medianLifetimeMinutes ?? 0
        #expect(m > 11 && m < 23.4)
    }
}

@Suite struct TravelTrackTests {
    static let newYork = (40.71, -74.01), london = (51.51, -0.13)

    func point(_ minute: Int64, _ place: (Double, Double), radius: Float = 10) -> TravelTrack.Point {
        TravelTrack.Point(ts: minute * 60_000, latitude: Float(place.0), longitude: Float(place.1), radiusKm: radius)
    }

    @Test func greatCircleDistanceIsRight() {
        // New York to London is about 5,570 km.
        let km = greatCircleKm(Self.newYork.0, Self.newYork.1, Self.london.0, Self.london.1)
        #expect(abs(km - 5570) < 15)
    }

    @Test func newYorkToLondonInTenMinutesIsImpossible() {
        var t = TravelTrack()
        t.add(point(0, Self.newYork))
        t.add(point(10, Self.london))
        let travel = t.impossibleTravel
        #expect(travel.count == 1)
        // (5570 - 20) km in 1/6 h ≈ 33,300 km/h.
        #expect(abs(travel.worstKmh - 33_300) < 300)
    }

    @Test func aFlightsWorthOfTimeOrWideRadiiAreNotImpossible() {
        var flight = TravelTrack()
        flight.add(point(0, Self.newYork))
        flight.add(point(8 * 60, Self.london))  // 8 hours later: ~700 km/h
        #expect(flight.impossibleTravel.count == 0)

        var vague = TravelTrack()
        vague.add(point(0, Self.newYork, radius: 3000))
        vague.add(point(1, Self.london, radius: 3000))
        #expect(vague.impossibleTravel.count == 0)
    }

    @Test func splitInputMergesToTheSameTrack() {
        var whole = TravelTrack(), a = TravelTrack(), b = TravelTrack()
        let places = [Self.newYork, Self.london, (35.68, 139.69), (48.86, 2.35)]
        for i in 0..<300 {
            let p = point(Int64(i * 7 % 1440), places[i % places.count])
            whole.add(p)
            if i % 2 == 0 { a.add(p) } else { b.add(p) }
        }
        var ab = a
        ab.merge(b)
        #expect(ab == whole)
        #expect(ab.impossibleTravel.count == whole.impossibleTravel.count)
        #expect(whole.impossibleTravel.count > 0)
    }
}

@Suite struct LocaleCheckTests {
    @Test func languageRegionOfTheFirstTag() {
        #expect(LocaleCheck.languageRegion("zh-CN,zh;q=0.9") == (AddressFacts.countryCode("CN"), false))
        #expect(LocaleCheck.languageRegion("zh-Hant-TW") == (AddressFacts.countryCode("TW"), false))
        #expect(LocaleCheck.languageRegion("en-US,en;q=0.9") == (AddressFacts.countryCode("US"), true))
        #expect(LocaleCheck.languageRegion("ja") == (0, false))
        #expect(LocaleCheck.languageRegion("") == (0, false))
    }

    @Test func mismatchRules() {
        var us = AddressFacts()
        us.country = AddressFacts.countryCode("US")
        let cn = AddressFacts.countryCode("CN")
        func check(_ region: UInt16, english: Bool = false, client: Int16?, there: Int16? = -300, _ address: AddressFacts) -> Bool? {
            LocaleCheck.mismatch(
                languageRegion: region, languageIsEnglish: english, clientOffsetMinutes: client, addressOffsetMinutes: there,
                address: address)
        }
        // Shanghai time zone and Chinese region on a New York address: both disagree.
        #expect(check(cn, client: 480, us) == true)
        #expect(check(cn, client: nil, there: nil, us) == true)
        // Los Angeles time on a New York address: 3 hours apart is one country.
        #expect(check(0, client: -480, us) == false)
        // en-GB in the US is not evidence of anything.
        #expect(check(AddressFacts.countryCode("GB"), english: true, client: nil, us) == nil)
        // Nothing known of the address: no comparison by region.
        #expect(check(cn, client: nil, there: nil, .unknown) == nil)
    }

    @Test func zoneOffsetsComeFromTheTimeZoneDatabase() {
        // Days 20468 (2026-01-15) and 20649 (2026-07-15): New York is on EST, then EDT.
        #expect(utcOffsetMinutes(zone: "America/New_York", day: 20468) == -300)
        #expect(utcOffsetMinutes(zone: "America/New_York", day: 20649) == -240)
        #expect(utcOffsetMinutes(zone: "Asia/Shanghai", day: 20468) == 480)
        #expect(utcOffsetMinutes(zone: "Mars/Olympus_Mons", day: 0) == nil)
    }
}

@Suite struct GeoDayStateTests {
    func facts(asn: UInt32, country: String = "US", flags: AddressFacts.Flags = [.anonymityKnown]) -> AddressFacts {
        var f = AddressFacts()
        f.asn = asn
        f.country = AddressFacts.countryCode(country)
        f.flags = flags
        return f
    }

    @Test func sharesAndEntropy() {
        var g = GeoDayState()
        g.add(facts(asn: 1), ts: 0, localeMismatch: nil)
        g.add(facts(asn: 2, country: "DE", flags: [.anonymityKnown, .residentialProxy]), ts: 1, localeMismatch: true)
        g.add(facts(asn: 1), ts: 2, localeMismatch: false)
        g.add(facts(asn: 2, country: "DE", flags: [.anonymityKnown, .residentialProxy]), ts: 3, localeMismatch: nil)
        #expect(g.countries.count == 2)
        #expect(g.asnCount.count == 2)
        #expect(g.asnEntropy == 1)  // two ASNs, equally used
        #expect(g.residentialProxy == 2 && g.anonymityKnown == 4)
        #expect(g.localeChecked == 2 && g.localeMismatch == 1)
    }

    @Test func entropyPastTheSummaryIsNearTheTruth() {
        var g = GeoDayState()
        // 200 ASNs used equally: log2(200) = 7.64 bits.
        for i in 0..<4000 { g.add(facts(asn: UInt32(i % 200 + 1)), ts: Timestamp(i), localeMismatch: nil) }
        let h = g.asnEntropy ?? 0
        #expect(abs(h - 7.64) < 0.25)
    }

    /// With at most 32 ASNs the per-ASN counts are exact, so the whole state must agree
    /// (past 32, Misra-Gries summaries merge to the same error bound, not the same counters).
    @Test func mergeEqualsWhole() {
        var whole = GeoDayState(), a = GeoDayState(), b = GeoDayState()
        for i in 0..<500 {
            var f = facts(asn: UInt32(i % 30 + 1), country: ["US", "DE", "JP"][i % 3])
            f.latitude = Float(i % 3) * 20
            f.longitude = Float(i % 5) * 30
            let mismatch: Bool? = i % 4 == 0 ? nil : i % 4 == 1
            whole.add(f, ts: Timestamp(i) * 30_000, localeMismatch: mismatch)
            if i % 2 == 0 {
                a.add(f, ts: Timestamp(i) * 30_000, localeMismatch: mismatch)
            } else {
                b.add(f, ts: Timestamp(i) * 30_000, localeMismatch: mismatch)
            }
        }
        var ab = a
        ab.merge(b)
        #expect(ab == whole)
    }
}

/// The summaries remember where the last key went, so that runs of one key (an account's
/// requests from one address, with one key, in one session) skip the search. These check
/// that the shortcut never changes what the summaries hold.
@Suite struct RepeatedKeyTests {
    /// Keys in runs of 1 to 4, drawn from `distinct` values.
    static func runs(count: Int, distinct: UInt64, seed: UInt64) -> [UInt64] {
        var out: [UInt64] = []
        var x = seed
        while out.count < count {
            x = mix64(x &+ 1)
            let key = x % distinct
            out.append(contentsOf: repeatElement(key, count: Int(x >> 60) % 4 + 1))
        }
        return out
    }

    @Test func lifetimeSampleIsTheSameInRunsAsOneByOne() {
        // 100 addresses for a sample of 32: runs evict and insert around the remembered slot.
        let keys = Self.runs(count: 3000, distinct: 100, seed: 7)
        var inRuns = AddressLifetimeSample()
        for (i, k) in keys.enumerated() { inRuns.add(hash: mix64(k), at: Timestamp(i)) }
        var reference = AddressLifetimeSample()
        // Each (address, time) merged as its own sample: no run ever reaches `add`.
        for (i, k) in keys.enumerated() {
            var one = AddressLifetimeSample()
            one.add(hash: mix64(k), at: Timestamp(i))
            reference.merge(one)
        }
        #expect(inRuns == reference)
        #expect(inRuns.count == AddressLifetimeSample.capacity)
    }

    @Test func topKCountsRunsLikeMisraGries() {
        let keys = Self.runs(count: 5000, distinct: 9, seed: 11)
        var counter = TopKCounter<UInt64>(capacity: 4)
        for k in keys { counter.add(k) }
        // Misra-Gries written out plainly, with a dictionary.
        var reference: [UInt64: Int] = [:]
        for k in keys {
            if reference[k] != nil {
                reference[k]! += 1
            } else if reference.count < 4 {
                reference[k] = 1
            } else {
                for key in Array(reference.keys) {
                    reference[key]! -= 1
                    if reference[key] == 0 { reference[key] = nil }
                }
            }
        }
        #expect(counter.counts == reference)
        #expect(!reference.isEmpty)
    }

    @Test func sketchIgnoresRepeatsAndComparesByContent() {
        var inRuns = DistinctCountSketch(), once = DistinctCountSketch()
        for k in Self.runs(count: 400, distinct: 50, seed: 3) { inRuns.insert(hash: mix64(k)) }
        for k in Set(Self.runs(count: 400, distinct: 50, seed: 3)).sorted() { once.insert(hash: mix64(k)) }
        #expect(inRuns == once)
        #expect(inRuns.count == Set(Self.runs(count: 400, distinct: 50, seed: 3)).count)
    }
}
