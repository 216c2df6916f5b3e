import Avatars
import Foundation
import FuzzSupport

/// The fuzz target: a training checkpoint directory (container, see `FuzzScratch.directory`:
/// `checkpoint.json` then the safetensors file it names) through `AvatarCheckpoint.read`.
func fuzzCheckpoint(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    _ = try? AvatarCheckpoint.read(from: FuzzScratch.directory(bytes, defaultName: AvatarCheckpoint.fileName))
    return 0
}

runFuzzer(fuzzCheckpoint)
