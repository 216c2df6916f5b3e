import Foundation
import FuzzSupport
import MediaIO

/// The fuzz target: an `.npz` archive (stored zip of `.npy` members) through `NumPyArchive.readArchive`.
func fuzzNPZ(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    _ = try? NumPyArchive.readArchive(FuzzScratch.file("input.npz", bytes))
    return 0
}

runFuzzer(fuzzNPZ)
