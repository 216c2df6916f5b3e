import Foundation
import FuzzSupport
import Tensors

/// The fuzz target: a safetensors file through `Safetensors.decode`.
func fuzzSafetensors(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    _ = try? Safetensors.decode(Data(buffer: bytes))
    return 0
}

runFuzzer(fuzzSafetensors)
