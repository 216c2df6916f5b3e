import Foundation
import FuzzSupport
import MediaIO

/// The fuzz target: a capture directory (container, see `FuzzScratch.directory`; the first part is
/// `cameras.json`, further parts media files) through `CamerasFile.read` and `Capture.open`.
/// Media paths with `..` are skipped: confining them to the capture is the path-confinement work
/// of issue #24, not a parser property, and the fuzzer must not wander the file system.
func fuzzCameras(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    let directory = FuzzScratch.directory(bytes, defaultName: Capture.camerasFileName)
    guard let file = try? CamerasFile.read(from: directory.appendingPathComponent(Capture.camerasFileName)) else { return 0 }
    guard !file.cameras.contains(where: { ($0.media ?? "").contains("..") || ($0.media ?? "").hasPrefix("/") }) else { return 0 }
    _ = try? Capture.open(directory)
    return 0
}

runFuzzer(fuzzCameras)
