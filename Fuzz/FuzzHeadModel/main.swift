import Foundation
import FuzzSupport
import HeadModel

/// The fuzz target: a head-model directory (container, see `FuzzScratch.directory`: `manifest.json`
/// then the blob files) through `HeadModelFormat.read`.
func fuzzHeadModel(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    _ = try? HeadModelFormat.read(from: FuzzScratch.directory(bytes, defaultName: "manifest.json"))
    return 0
}

runFuzzer(fuzzHeadModel)
