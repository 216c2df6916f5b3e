import Foundation
import FuzzSupport
import MediaIO

/// The fuzz target: a FrameSet manifest (`frameset.json`) through `FrameSet.open`, which decodes
/// and validates it and checks for the frame files.
func fuzzFrameSet(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    let directory = FuzzScratch.directory(bytes, defaultName: FrameSet.manifestFileName)
    _ = try? FrameSet.open(directory)
    return 0
}

runFuzzer(fuzzFrameSet)
