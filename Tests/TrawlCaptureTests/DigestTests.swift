import Foundation
import TestSupport
import Testing
import TrawlCapture

/// The hand-written SHA-256 and MD5 against the standards' test vectors and coreutils.
@Suite struct DigestTests {
    @Test func standardVectors() {
        // FIPS 180-2 appendix B and RFC 1321 appendix A.5.
        #expect(Digest.sha256Hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Digest.sha256Hex([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(
            Digest.sha256Hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(Digest.md5Hex([]) == "d41d8cd98f00b204e9800998ecf8427e")
        #expect(Digest.md5Hex(Array("abc".utf8)) == "900150983cd24fb0d6963f7d28e17f72")
        #expect(Digest.md5Hex(Array("message digest".utf8)) == "f96b697d7cb7938d525a2f31aaf161d0")
        #expect(
            Digest.md5Hex(Array("12345678901234567890123456789012345678901234567890123456789012345678901234567890".utf8))
                == "57edf4a22be3c955ac49da2e2107b67a")
    }

    /// Every length from 0 to 200 bytes (all padding cases) against sha256sum and md5sum.
    @Test func matchesCoreutils() throws {
        let dir = try TemporaryDirectory("trawl-digest")
        defer { dir.remove() }
        var rng = SeededGenerator(seed: 7)
        var paths: [String] = []
        var inputs: [[UInt8]] = []
        for n in 0...200 {
            let bytes = (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
            inputs.append(bytes)
            paths.append(try dir.write("\(n).bin", bytes: bytes))
        }
        for (tool, digest) in [("/usr/bin/sha256sum", Digest.sha256Hex), ("/usr/bin/md5sum", Digest.md5Hex)] {
            let out = try runCommand(tool, paths)
            let sums = out.stdout.split(separator: "\n").map { String($0.prefix { $0 != " " }) }
            #expect(sums.count == inputs.count)
            for (i, sum) in sums.enumerated() { #expect(sum == digest(inputs[i]), "\(tool) length \(i)") }
        }
    }
}
