import AvatarFlow
import Avatars
import Foundation
import FuzzSupport

/// The fuzz target: the same bytes as an avatar manifest (`avatar.json`), a guidance-model
/// manifest (`guidance.json`) and the engine's artifact-store record (`StageRecord`, which holds
/// the per-output `ArtifactManifest`s).
func fuzzArtifactManifest(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    _ = FuzzScratch.file(AvatarManifest.fileName, bytes)
    _ = FuzzScratch.file(GuidanceManifest.fileName, bytes)
    _ = try? AvatarManifest.read(from: FuzzScratch.root)
    _ = try? GuidanceManifest.read(from: FuzzScratch.root)
    _ = try? JSONDecoder().decode(StageRecord.self, from: Data(buffer: bytes))
    return 0
}

runFuzzer(fuzzArtifactManifest)
