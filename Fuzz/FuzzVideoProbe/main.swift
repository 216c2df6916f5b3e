import Foundation
import FuzzSupport
import MediaIO

/// The fuzz target: a video file through `VideoReader` (FFmpeg probing, stream selection, decoder
/// set-up) and its first three frames.
func fuzzVideoProbe(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    guard let reader = try? VideoReader(url: FuzzScratch.file("input.mp4", bytes)) else { return 0 }
    for _ in 0..<3 {
        guard case .some(.some) = try? reader.nextFrame() else { break }
    }
    return 0
}

runFuzzer(fuzzVideoProbe)
