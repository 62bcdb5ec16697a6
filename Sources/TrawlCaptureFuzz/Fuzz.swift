// The libFuzzer target over the capture layer's parsers.
//
// `make fuzz` builds this target alone into .build-fuzz with -sanitize=fuzzer,address,
// -parse-as-library and -DFUZZING: libFuzzer then drives `fuzzCaptureParsers`. A normal
// build (every `swift build`) gets the other half: it writes the seed corpus, one file per
// frame of the classic-pcap captures in a folder, and otherwise says how to fuzz.
import TrawlCapture

#if FUZZING
    import CFuzzerDriver

    /// libFuzzer's entry point: every input goes through all the capture parsers.
    @_cdecl("LLVMFuzzerTestOneInput")
    public func fuzzCaptureParsers(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
        guard let data else { return 0 }
        CaptureFuzzing.run(UnsafeRawBufferPointer(start: data, count: size))
        return 0
    }

    /// SwiftPM links executables with `main` bound to `<module>_main`; hand control to libFuzzer.
    @_cdecl("TrawlCaptureFuzz_main")
    public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
        var count = argc
        var arguments = argv
        return LLVMFuzzerRunDriver(&count, &arguments) { data, size in fuzzCaptureParsers(data, size) }
    }
#else
    import Foundation

    @main
    enum SeedCorpus {
        static func main() {
            let arguments = CommandLine.arguments
            guard arguments.count == 4, arguments[1] == "--seed-corpus" else {
                FileHandle.standardError.write(
                    Data(
                        """
                        usage: TrawlCaptureFuzz --seed-corpus CAPTURES_FOLDER CORPUS_FOLDER
                        (fuzzing itself: make fuzz, which builds this target with -sanitize=fuzzer)

                        """.utf8))
                exit(64)
            }
            do {
                let count = try CaptureFuzzing.writeSeedCorpus(from: arguments[2], to: arguments[3])
                print("seed corpus: \(count) frames in \(arguments[3])")
            } catch {
                FileHandle.standardError.write(Data("TrawlCaptureFuzz: \(error)\n".utf8))
                exit(74)
            }
        }
    }
#endif
