import FaceAnalysis
import FuzzSupport

/// The fuzz target: an OpenCV Haar-cascade XML document through `HaarCascade(xml:)` (the XML
/// parser and the cascade reader).
func fuzzHaar(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    _ = try? HaarCascade(xml: Array(bytes))
    return 0
}

runFuzzer(fuzzHaar)
