import Foundation
import FuzzSupport
import Geometry

/// The fuzz target: a triangle-mesh PLY (ASCII or binary) through `PLYFormat.parse`.
func fuzzPLYMesh(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    _ = try? PLYFormat.parse(Data(buffer: bytes))
    return 0
}

runFuzzer(fuzzPLYMesh)
