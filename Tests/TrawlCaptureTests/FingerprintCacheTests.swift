import Testing

@testable import TrawlCapture

@Suite struct FingerprintCacheTests {
    static func hello(grease: UInt16, name: String, ciphers: [UInt16] = [0x1301, 0x1302, 0xC02B]) -> ClientHello {
        var h = ClientHello()
        h.legacyVersion = 0x0303
        h.cipherSuites = [grease] + ciphers
        h.extensions = [grease, 0, 10, 11, 13, 16, 43]
        h.supportedVersions = [grease, 0x0304, 0x0303]
        h.signatureAlgorithms = [0x0403, 0x0804]
        h.supportedGroups = [grease, 29, 23]
        h.ecPointFormats = [0]
        h.firstALPNBytes = Array("h2".utf8)
        h.serverName = name
        return h
    }

    @Test func cachedFingerprintsEqualFreshOnesAndKeepTheirOwnHello() {
        let fingerprinter = TLSFingerprinter()
        var cache = TLSFingerprintCache()
        let first = Self.hello(grease: 0x0A0A, name: "a.example")
        let regreased = Self.hello(grease: 0xFAFA, name: "b.example")
        let other = Self.hello(grease: 0x0A0A, name: "a.example", ciphers: [0x1301, 0xC02F])
        for h in [first, regreased, other, first] {
            let cached = cache.fingerprint(h, fingerprinter)
            #expect(cached == fingerprinter.fingerprint(h))
            #expect(cached.hello.serverName == h.serverName)
        }
        // GREASE is not part of any fingerprint: a re-greased hello is the same client.
        #expect(cache.fingerprint(regreased, fingerprinter).ja4 == cache.fingerprint(first, fingerprinter).ja4)
        #expect(cache.fingerprint(other, fingerprinter).ja4 != cache.fingerprint(first, fingerprinter).ja4)
    }
}
