import FaceAnalysis
import Foundation
import FuzzSupport

/// The fuzz target: a dlib shape-predictor `.dat` stream through `ShapePredictor(serialized:)`.
func fuzzDlib(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    _ = try? ShapePredictor(serialized: Data(buffer: bytes))
    return 0
}

runFuzzer(fuzzDlib)
