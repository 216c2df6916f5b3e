import Foundation
import FuzzSupport
import Splatting

/// The fuzz target: a 3D Gaussian-splatting PLY through `GaussianPLY.decode`.
func fuzzGaussianPLY(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    _ = try? GaussianPLY.decode(Data(buffer: bytes))
    return 0
}

runFuzzer(fuzzGaussianPLY)
