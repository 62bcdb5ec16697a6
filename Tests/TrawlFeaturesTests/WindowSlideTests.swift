import Testing
import TrawlModel

@testable import TrawlFeatures

/// Sliding the windows changes each account's state where it lies. A slide that copied
/// every account's window arrays at each bucket boundary (a loop over a dictionary's
/// `indices`, which hold the dictionary) cost 150-200 MB of resident memory per boundary
/// on the tail bench's 40,000 accounts.
@Suite struct WindowSlideTests {
    @Test func aBucketBoundaryDoesNotCopyTheAccountsWindows() throws {
        var windows = WindowAggregator(specs: WindowAggregatorTests.specs)
        let t0 = WindowAggregatorTests.day0
        let first = (0..<50).map { #"{"ts":\#(t0 + Int64($0)),"account_id":"acct-\#($0)","client_ip":"10.0.0.\#($0)"}"# }
        windows.apply(WindowAggregatorTests.drain(first[...], period: windows.periodMillis))
        windows.advance()
        func arrays() -> [String: UInt] {
            windows.accounts.mapValues { a in a.windows.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) } }
        }
        let before = arrays()
        #expect(windows.bucketCounts.sealed == 0 && windows.bucketCounts.open == 50)
        // Ten minutes later: every account's 5-minute bucket is sealed.
        let later = [#"{"ts":\#(t0 + 600_000),"account_id":"mover","client_ip":"10.0.1.1"}"#]
        windows.apply(WindowAggregatorTests.drain(later[...], period: windows.periodMillis))
        let slid = windows.advance()
        #expect(slid)
        #expect(windows.bucketCounts.sealed == 50 && windows.bucketCounts.open == 1)
        let after = arrays()
        let copied = before.keys.filter { after[$0] != before[$0] }.sorted()
        #expect(copied.isEmpty, "window arrays copied for \(copied.count) of 50 accounts")
    }
}
