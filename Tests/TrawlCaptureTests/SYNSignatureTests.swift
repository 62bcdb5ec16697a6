import TestSupport
import Testing
import TrawlCapture

/// p0f-style SYN signatures of hand-built SYNs, the OS table in rules/, and the tunnel hint.
@Suite struct SYNSignatureTests {
    static let table = try! SYNSignatureTable.load(path: repositoryRoot() + "/rules/tcp_signatures.yaml")

    func signature(_ c: Conversation, mtu: Int = 1500, frame: ([UInt8]) -> [UInt8] = { PcapBuilder.ethernetFrame($0) }) throws
        -> SYNSignature
    {
        let (dir, path) = try PcapBuilder.write(
            PcapBuilder.file(linkType: PcapBuilder.ethernet, PcapBuilder.records([frame(c.syn())])))
        defer { dir.remove() }
        var options = CaptureOptions()
        options.signatureTable = Self.table
        options.pathMTU = mtu
        let (records, _) = try CaptureReader.records(files: [path], options: options)
        return try #require(records.first?.syn)
    }

    @Test func linuxSYNSeventeenHopsAway() throws {
        // TTL 47 (64 - 17), MSS 1460, window 64240 (44 × 1460), scale 7, DF with a non-zero ID.
        let s = try signature(Conversation(clientTTL: 47))
        #expect(s.ttl == 47 && s.initialTTL == 64 && s.hops == 17)
        #expect(s.mss == 1460 && s.window == 64_240 && s.windowScale == 7)
        #expect(s.optionLayout == "mss,sok,ts,nop,ws")
        #expect(s.quirks == ["df", "id+"])
        #expect(s.signature == "4:64+17:0:1460:mss*44,7:mss,sok,ts,nop,ws:df,id+:0")
        #expect(s.osGuess?.family == "linux")
        #expect(s.osGuess?.id == "linux-modern")
        #expect(s.tunnelHint == nil)
    }

    @Test func windowsAndMacOSLayouts() throws {
        var windows = Conversation(clientTTL: 120)
        windows.synOptions = [2, 4, 0x05, 0xb4, 1, 3, 3, 8, 1, 1, 4, 2]
        let w = try signature(windows)
        #expect(w.signature == "4:128+8:0:1460:mss*44,8:mss,nop,ws,nop,nop,sok:df,id+:0")
        #expect(w.osGuess?.family == "windows")

        var mac = Conversation()
        mac.synWindow = 65_535
        mac.synOptions = [2, 4, 0x05, 0xb4, 1, 3, 3, 6, 1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 4, 2, 0, 0]
        let m = try signature(mac)
        #expect(m.optionLayout == "mss,nop,ws,nop,nop,ts,sok,eol+1")
        #expect(m.signature == "4:64+0:0:1460:65535,6:mss,nop,ws,nop,nop,ts,sok,eol+1:df,id+:0")
        #expect(m.osGuess?.family == "macos_ios")
    }

    @Test func ipv4OptionsAndQuirksFromTheIPHeader() throws {
        // A SYN with 4 bytes of IPv4 options (router alert), DF clear and IP ID zero, ECT(0),
        // then the ClientHello in a packet with 8 bytes of options: both are read past them.
        let c = Conversation()
        let syn = PcapBuilder.TCP(
            sourcePort: c.clientPort, destinationPort: c.serverPort, sequence: c.clientISN, flags: PcapBuilder.syn,
            options: PcapBuilder.linuxSYNOptions())
        var synIP = PcapBuilder.ipv4(id: 0, dontFragment: false, options: [0x94, 0x04, 0, 0], payload: syn.bytes())
        synIP[1] = 0x02  // ECN: ECT(0)
        let hello = PcapBuilder.TCP(
            sourcePort: c.clientPort, destinationPort: c.serverPort, sequence: c.clientISN + 1, acknowledgment: c.serverISN + 1,
            payload: FixtureHello.record)
        let helloIP = PcapBuilder.ipv4(options: [1, 1, 1, 1, 1, 1, 1, 0], payload: hello.bytes())
        let frames = [synIP, c.synAck(), helloIP].map { PcapBuilder.ethernetFrame($0) }
        let (dir, path) = try PcapBuilder.write(PcapBuilder.file(linkType: PcapBuilder.ethernet, PcapBuilder.records(frames)))
        defer { dir.remove() }
        let r = try #require(try CaptureReader.records(files: [path]).records.first)
        #expect(r.syn?.ipOptionsLength == 4)
        #expect(r.syn?.quirks == ["id-", "ecn"])
        #expect(r.syn?.signature == "4:64+0:4:1460:mss*44,7:mss,sok,ts,nop,ws:id-,ecn:0")
        #expect(r.firstTLS?.ja4 == FixtureHello.ja4)
    }

    @Test func quirks() throws {
        // Timestamp with own value zero and a non-zero echo on a SYN; window scale 15;
        // a non-zero byte after end-of-list.
        var odd = Conversation()
        odd.synOptions = [2, 4, 0x05, 0xb4, 8, 10, 0, 0, 0, 0, 0, 0, 0, 9, 3, 3, 15, 0, 7, 0]
        let s = try signature(odd)
        #expect(s.quirks == ["df", "id+", "ts1-", "ts2+", "opt+", "exws"])
        #expect(s.optionLayout == "mss,ts,ws,eol+2")
        #expect(s.osGuess == nil)
        // An option whose length runs past the end of the options.
        var bad = Conversation()
        bad.synOptions = [2, 4, 0x05, 0xb4, 3, 9, 1, 1]
        #expect(try signature(bad).quirks.last == "bad")
    }

    @Test(
        arguments: [
            (1460, nil), (1452, "pppoe"), (1436, "tunnel"), (1380, "vpn"), (1360, "vpn"), (1200, "low_mss"),
        ] as [(Int, String?)])
    func tunnelHint(mss: Int, kind: String?) throws {
        var c = Conversation()
        c.synOptions = PcapBuilder.linuxSYNOptions(mss: UInt16(mss))
        let s = try signature(c)
        #expect(s.tunnelHint?.kind == kind)
        if kind != nil { #expect(s.tunnelHint?.deficit == 1460 - mss) }
    }

    @Test func tunnelHintFollowsThePathMTUAndIgnoresLoopback() throws {
        var c = Conversation()
        c.synOptions = PcapBuilder.linuxSYNOptions(mss: 8_960)
        let jumbo = try signature(c, mtu: 9_000)
        #expect(jumbo.tunnelHint == nil)
        #expect(jumbo.osGuess?.family == "linux_server")
        c.synOptions = PcapBuilder.linuxSYNOptions(mss: 1_380)
        #expect(try signature(c, mtu: 9_000).tunnelHint?.kind == "low_mss")
        // IPv6 over Ethernet: 1500 - 60 = 1440 expected.
        var v6 = Conversation(ipv6: true)
        v6.synOptions = PcapBuilder.linuxSYNOptions(mss: 1_420)
        #expect(try signature(v6).tunnelHint == TunnelHint(kind: "tunnel", expectedMSS: 1_440, deficit: 20))
    }

    @Test func tableIsStrict() throws {
        #expect(Self.table.entries.count >= 6)
        let unknownKey = """
            signatures:
              - id: x
                label: X
                family: x
                ittl: 64
                layout: "mss"
                windw: [65535]
            """
        #expect {
            _ = try SYNSignatureTable.parse(yaml: unknownKey, file: "t.yaml")
        } throws: { error in
            (error as? CaptureError)?.description.hasPrefix("t.yaml:7:5: unknown key `windw`") == true
        }
        let badTTL = "signatures:\n  - {id: x, label: X, family: x, ittl: 60, layout: mss}\n"
        #expect(throws: CaptureError.self) { _ = try SYNSignatureTable.parse(yaml: badTTL) }
    }
}
