/// The client software seen in the log: User-Agent text and the JA4 its TLS stack produces.
enum ClientFamily: Int, Sendable {
    /// Claude Code and other terminal agents: multi-turn agentic sessions with prompt caching.
    case cli
    /// A desktop browser on the web app: chat sessions, no API key.
    case browser
    /// The iOS or Android app: short chat sessions, no API key.
    case mobileApp
    /// An SDK or HTTP library in a script: single-turn requests.
    case sdk
}

struct ClientStack: Sendable {
    let family: ClientFamily
    let userAgent: [UInt8]
    let ja4: [UInt8]
}

/// Every client stack the world uses, indexed by `Int16` in requests.
enum ClientCatalog {
    static let all: [ClientStack] = build()

    static let cli: [Int] = indices(.cli)
    static let browser: [Int] = indices(.browser)
    static let mobileApp: [Int] = indices(.mobileApp)
    static let sdk: [Int] = indices(.sdk)
    /// SDK stacks that a legitimate batch job or an individual script would use.
    static let officialSDK: [Int] = all.indices.filter {
        all[$0].family == .sdk && all[$0].userAgent.starts(with: "Anthropic/".bytes)
    }
    /// Third-party tools and plain HTTP libraries (resellers' relays, scrapers).
    static let tools: [Int] = all.indices.filter {
        all[$0].family == .sdk && !all[$0].userAgent.starts(with: "Anthropic/".bytes)
    }

    /// Coding agents that run as an IDE extension.
    static let ideExtensions: [Int] = cli.filter {
        all[$0].userAgent.starts(with: "Cline/".bytes) || all[$0].userAgent.starts(with: "RooCode/".bytes)
    }

    private static func indices(_ f: ClientFamily) -> [Int] { all.indices.filter { all[$0].family == f } }

    private static func build() -> [ClientStack] {
        var out: [ClientStack] = []
        let nodeJA4 = ["t13d5911h1_a33745022dd6_1f22a2ca17c4", "t13d5912h1_a33745022dd6_dbd39dd1d406"]
        for (i, v) in ["1.0.61", "1.0.72", "1.0.88", "1.0.98", "1.0.113", "2.0.5", "2.0.14", "2.0.22", "2.0.31", "2.0.37"].enumerated() {
            out.append(ClientStack(family: .cli, userAgent: "claude-cli/\(v) (external, cli)".bytes, ja4: nodeJA4[i < 5 ? 0 : 1].bytes))
        }
        out.append(ClientStack(family: .cli, userAgent: "claude-cli/2.0.31 (external, sdk-ts)".bytes, ja4: nodeJA4[1].bytes))
        out.append(ClientStack(family: .cli, userAgent: "Cline/3.34.1".bytes, ja4: "t13d1516h2_8daaf6152771_02713d6af862".bytes))
        out.append(ClientStack(family: .cli, userAgent: "RooCode/3.28.0".bytes, ja4: "t13d1516h2_8daaf6152771_02713d6af862".bytes))
        out.append(ClientStack(family: .cli, userAgent: "opencode/0.15.8".bytes, ja4: "t13d1715h2_5b57614c22b0_7121afd63204".bytes))
        let chrome = "t13d1516h2_8daaf6152771_e5627efa2ab1"
        let browsers: [(String, String)] = [
            ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36", chrome),
            (
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36",
                chrome
            ),
            ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0.0.0 Safari/537.36", chrome),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36 Edg/142.0.0.0",
                chrome
            ),
            (
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:145.0) Gecko/20100101 Firefox/145.0",
                "t13d1715h2_5b57614c22b0_3d5424432f57"
            ),
            ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:145.0) Gecko/20100101 Firefox/145.0", "t13d1715h2_5b57614c22b0_3d5424432f57"),
            (
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/26.1 Safari/605.1.15",
                "t13d2014h2_a09f3c656075_14788d8d241b"
            ),
        ]
        for (ua, ja4) in browsers { out.append(ClientStack(family: .browser, userAgent: ua.bytes, ja4: ja4.bytes)) }
        let mobile: [(String, String)] = [
            ("Claude/1.251103.0 CFNetwork/3826.500.131 Darwin/24.5.0", "t13d2014h2_a09f3c656075_14788d8d241b"),
            ("Claude/1.251020.1 CFNetwork/1568.200.51 Darwin/24.1.0", "t13d2014h2_a09f3c656075_14788d8d241b"),
            ("Claude/1.251103.0 (Android 15; Pixel 8)", "t13d1516h2_8daaf6152771_9b887d9acb53"),
            ("Claude/1.251020.1 (Android 14; SM-S921B)", "t13d1516h2_8daaf6152771_9b887d9acb53"),
        ]
        for (ua, ja4) in mobile { out.append(ClientStack(family: .mobileApp, userAgent: ua.bytes, ja4: ja4.bytes)) }
        let sdks: [(String, String)] = [
            ("Anthropic/Python 0.69.0", "t13d4907h1_0d8feac7bc37_7395dae3b2f3"),
            ("Anthropic/Python 0.72.0", "t13d4907h1_0d8feac7bc37_7395dae3b2f3"),
            ("Anthropic/JS 0.65.0", "t13d5911h1_a33745022dd6_1f22a2ca17c4"),
            ("Anthropic/JS 0.68.0", "t13d5911h1_a33745022dd6_1f22a2ca17c4"),
            ("Anthropic/Go 1.14.0", "t13d1312h2_f57a46bbacb6_e7c285222651"),
            ("Anthropic/Java 2.9.0", "t13d1713h2_5b57614c22b0_748f4c70de1c"),
            ("python-httpx/0.28.1", "t13d4907h1_0d8feac7bc37_7395dae3b2f3"),
            ("python-requests/2.32.5", "t13d4907h1_0d8feac7bc37_b26ce05bbdd6"),
            ("aiohttp/3.12.15", "t13d4907h1_0d8feac7bc37_b26ce05bbdd6"),
            ("litellm/1.78.5", "t13d4907h1_0d8feac7bc37_7395dae3b2f3"),
            ("OpenAI/Python 2.6.1", "t13d4907h1_0d8feac7bc37_7395dae3b2f3"),
            ("Go-http-client/2.0", "t13d1312h2_f57a46bbacb6_e7c285222651"),
            ("curl/8.16.0", "t13d3112h2_e8f1e7e78f70_b26ce05bbdd6"),
            ("node-fetch/1.0 (+https://github.com/bitinn/node-fetch)", "t13d5911h1_a33745022dd6_1f22a2ca17c4"),
            ("okhttp/4.12.0", "t13d1516h2_8daaf6152771_9b887d9acb53"),
        ]
        for (ua, ja4) in sdks { out.append(ClientStack(family: .sdk, userAgent: ua.bytes, ja4: ja4.bytes)) }
        return out
    }
}
