import Foundation

/// Conversions between captures, FrameSets and videos: the work behind the video.decode and
/// video.encode stages, kept here so it is usable (and tested) without the engine.
public enum FrameSetConversion {
    /// Decodes the chosen cameras of a capture into a synchronised FrameSet at `directory`.
    /// All cameras use the same `options`, so they select the same source frames; calibrations are
    /// adjusted for the crop and resize. Frames stream through: memory use is one frame per camera.
    public static func decode(_ capture: Capture, cameras selected: [String]? = nil,
                              options: VideoDecodeOptions = VideoDecodeOptions(), into directory: URL,
                              progress: ((Int) -> Void)? = nil) throws -> FrameSet {
        let ids = selected ?? capture.cameras.map(\.calibration.id)
        guard !ids.isEmpty else {
            throw MediaIOError(.invalidArgument, path: capture.directory.path, "no cameras selected")
        }
        let readers = try ids.map { try capture.reader(camera: $0, options: options) }
        let size = readers[0].outputSize
        let calibrations = try ids.map { id -> CameraCalibration in
            var calibration = try capture.camera(id).calibration
            calibration.media = nil
            if let crop = options.crop { calibration = calibration.cropped(to: crop) }
            return calibration.resized(to: size)
        }
        var frameRate = capture.frameRate
        switch options.sampling {
        case .all: break
        case .everyNth(let step): frameRate = Rational(frameRate.numerator, frameRate.denominator * step)
        case .targetFPS(let fps): frameRate = fps < frameRate.doubleValue ? Rational(approximating: fps) : frameRate
        }
        let writer = try FrameSetWriter(directory: directory, cameras: ids, calibrations: calibrations, size: size,
                                        channels: 3, frameRate: frameRate)
        while true {
            let frames = try readers.map { try $0.nextFrame() }
            let present = frames.compactMap { $0 }
            if present.isEmpty { break }
            guard present.count == frames.count, Set(present.map(\.sourceIndex)).count == 1 else {
                let states = zip(ids, frames).map { "\($0.0): \($0.1.map { "frame \($0.sourceIndex)" } ?? "ended")" }
                throw MediaIOError(.invalidLayout, path: capture.directory.path, frameIndex: writer.frameCount,
                                   "cameras went out of step (\(states.joined(separator: ", "))); check that all cameras have the same frame count and rate")
            }
            try writer.append(present.map(\.image), timestamp: present[0].timeSeconds, sourceIndex: present[0].sourceIndex)
            progress?(writer.frameCount)
        }
        return try writer.finish()
    }

    /// Encodes a FrameSet into one video. With several cameras the frames are tiled left to right,
    /// top to bottom in `columns` columns (default: all in one row); RGBA frames are composited over black.
    public static func encode(_ frameSet: FrameSet, cameras selected: [String]? = nil, columns: Int? = nil,
                              to url: URL, options: VideoEncodeOptions = VideoEncodeOptions()) throws -> VideoWriter {
        let manifest = frameSet.manifest
        let ids = selected ?? manifest.cameras
        for id in ids where !manifest.cameras.contains(id) {
            throw MediaIOError(.invalidArgument, path: frameSet.directory.path,
                               "no camera '\(id)' in this FrameSet; cameras are \(manifest.cameras.joined(separator: ", "))")
        }
        guard !ids.isEmpty else {
            throw MediaIOError(.invalidArgument, path: frameSet.directory.path, "no cameras selected")
        }
        let columnCount = max(1, min(columns ?? ids.count, ids.count))
        let rowCount = (ids.count + columnCount - 1) / columnCount
        let tileSize = PixelSize(width: manifest.width, height: manifest.height)
        let canvasSize = PixelSize(width: tileSize.width * columnCount, height: tileSize.height * rowCount)
        let writer = try VideoWriter(url: url, frameSize: canvasSize, options: options)
        for frame in 0..<manifest.frameCount {
            var canvas = Image8(width: canvasSize.width, height: canvasSize.height, channels: 3)
            for (slot, id) in ids.enumerated() {
                let tile = opaqueRGB(try frameSet.image(frame: frame, camera: id))
                paste(tile, into: &canvas, x: (slot % columnCount) * tileSize.width, y: (slot / columnCount) * tileSize.height)
            }
            try writer.append(canvas)
        }
        try writer.finish()
        return writer
    }

    /// RGB of an RGB or RGBA image, RGBA composited over black (colour · alpha).
    static func opaqueRGB(_ image: Image8) -> Image8 {
        guard image.channels == 4 else { return image.withChannels(3, opaque: 255) }
        var result = Image8(width: image.width, height: image.height, channels: 3)
        for pixel in 0..<(image.width * image.height) {
            let alpha = UInt32(image.samples[pixel * 4 + 3])
            for c in 0..<3 {
                result.samples[pixel * 3 + c] = UInt8((UInt32(image.samples[pixel * 4 + c]) * alpha + 127) / 255)
            }
        }
        return result
    }

    static func paste(_ tile: Image8, into canvas: inout Image8, x: Int, y: Int) {
        let rowBytes = tile.width * 3
        tile.samples.withUnsafeBufferPointer { source in
            canvas.samples.withUnsafeMutableBufferPointer { destination in
                for row in 0..<tile.height {
                    (destination.baseAddress! + ((y + row) * canvas.width + x) * 3)
                        .update(from: source.baseAddress! + row * rowBytes, count: rowBytes)
                }
            }
        }
    }
}
