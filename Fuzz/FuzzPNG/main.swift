import Foundation
import FuzzSupport
import MediaIO

/// The fuzz target: a PNG file through `PNGFile.read` (libpng through the CPNG shim).
func fuzzPNG(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    _ = try? PNGFile.read(FuzzScratch.file("input.png", bytes))
    return 0
}

runFuzzer(fuzzPNG)
