import CFuzzerDriver
import TrawlCapture

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
