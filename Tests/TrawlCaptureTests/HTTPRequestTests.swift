import TestSupport
import Testing
import TrawlCapture

/// Plaintext HTTP/1.x request heads; expected values checked with tshark 4.0.17
/// (`-e http.request.method -e http.host -e http.user_agent -e http.request.line`).
@Suite struct HTTPRequestTests {
    static let fixtures = repositoryRoot() + "/fixtures/ja4/"

    func records(_ name: String) throws -> [CaptureRecord] { try CaptureReader.records(files: [Self.fixtures + name]).records }

    @Test func curlWithCookies() throws {
        let r = try #require(try records("http1-with-cookies.pcapng").first)
        let http = try #require(r.http)
        #expect(http.method == "GET" && http.target == "/" && http.version == "HTTP/1.1")
        #expect(http.host == "localhost:8000")
        #expect(http.userAgent == "curl/8.1.2")
        #expect(http.acceptLanguage == "da, en-GB;q=0.8, en;q=0.7")
        #expect(http.headerOrderSignature == "1:host,user-agent,accept,referer,cookie,accept-language")
        #expect(http.complete)
        #expect(r.syn?.osGuess == nil)  // a loopback capture: MSS 16344
    }

    @Test func emptyUserAgentOnHTTP10() throws {
        let http = try #require(try records("http-empty-useragent.pcap").first?.http)
        #expect(http.version == "HTTP/1.0")
        #expect(http.userAgent == "")
        #expect(http.host == nil)
        #expect(http.headerOrderSignature == "0:user-agent")
    }

    @Test func singlePacketRequests() throws {
        let all = try records("single-packets.pcap")
        // Eight requests, each in one packet whose connection has no SYN in the capture,
        // and one packet of a ninth connection that is not a request.
        #expect(all.count == 9)
        #expect(all.compactMap(\.http).count == 8)
        #expect(all.filter { $0.http != nil }.allSatisfy { $0.clientEvidence == .payload })
        let post = try #require(all.first { $0.http?.method == "POST" }?.http)
        #expect(post.host == "www.tamgrt.com" && post.target == "/RT")
        #expect(
            post.headerOrderSignature
                == "1:accept,referer,accept-language,user-agent,content-type,accept-encoding,host,content-length,connection,cache-control,cookie"
        )
    }

    @Test func windowsBrowserOverPlainHTTP() throws {
        let all = try records("CVE-2018-6794.pcap")
        let first = try #require(all.first { $0.client.port == 53_649 })
        #expect(first.http?.userAgent?.hasPrefix("Mozilla/5.0 (Windows NT 6.3; Win64; x64)") == true)
        #expect(first.http?.headerNames.prefix(3) == ["host", "connection", "user-agent"])
        #expect(first.syn?.osGuess?.family == nil)  // no table given here
    }
}
