import Foundation
import MediaIO

/// The loop `superres.apply` and `superres.resize` share: every frame of every camera of a FrameSet
/// through an upsampler into a FrameSet `factor` times larger, with the calibrations scaled to the
/// new size and the channels (alpha kept), frame rate, timestamps and source frame indices
/// unchanged — so `eval.images` pairs the result with the same reference frames as the input.
enum FrameSetUpsampling {
    /// Writes the upsampled FrameSet into `directory`; `progress` gets (images done, images in all).
    /// - Throws: `SuperResolutionError` when the upsampler returns an image of the wrong size; read and write errors.
    static func write(
        _ frames: FrameSet, factor: Int, to directory: URL, progress: (Int, Int) -> Void,
        upsample: (Image8) throws -> Image8
    ) throws {
        let manifest = frames.manifest
        let size = PixelSize(width: manifest.width * factor, height: manifest.height * factor)
        let writer = try FrameSetWriter(
            directory: directory, cameras: manifest.cameras, calibrations: manifest.calibrations?.map { $0.resized(to: size) },
            size: size, channels: manifest.channels, frameRate: manifest.frameRate)
        let total = manifest.frameCount * manifest.cameras.count
        for frame in 0..<manifest.frameCount {
            let images = try manifest.cameras.enumerated().map { index, camera -> Image8 in
                let image = try upsample(try frames.image(frame: frame, camera: camera))
                guard image.width == size.width, image.height == size.height, image.channels == manifest.channels else {
                    throw SuperResolutionError(
                        "frame \(frame) of camera '\(camera)' was upsampled to \(image.width)×\(image.height)×\(image.channels), expected \(size.width)×\(size.height)×\(manifest.channels)"
                    )
                }
                progress(frame * manifest.cameras.count + index + 1, total)
                return image
            }
            try writer.append(images, timestamp: manifest.timestamps[frame], sourceIndex: manifest.sourceFrameIndices[frame])
        }
        try writer.finish()
    }
}
