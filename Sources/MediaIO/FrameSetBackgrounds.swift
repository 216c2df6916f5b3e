import Foundation

/// Background plates carried inside a FrameSet (`<frameset>/background/<camera>.png`), cropped and
/// resized exactly like the frames, so matting stages see plates that line up pixel for pixel.
extension FrameSet {
    /// Folder inside a FrameSet that holds the plates.
    public static let backgroundFolderName = "background"

    /// The plate of `camera` as RGB8, or nil when the FrameSet carries none.
    public func backgroundPlate(camera: String) throws -> Image8? {
        let url = directory.appendingPathComponent(Self.backgroundFolderName).appendingPathComponent("\(camera).png")
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        let plate = try PNGFile.read8(url).withChannels(3, opaque: 255)
        guard plate.width == manifest.width, plate.height == manifest.height else {
            throw MediaIOError(
                .invalidLayout, path: url.path,
                "background plate is \(plate.width)x\(plate.height) but the frames are \(manifest.width)x\(manifest.height); re-run the decode stage")
        }
        return plate
    }

    /// Copies a capture's plates into the FrameSet at `directory`, applying the decode's crop and
    /// output size (the same swscale bicubic resize as the frames). Cameras without a plate are skipped.
    public static func copyBackgroundPlates(
        from capture: Capture, cameras: [String], options: VideoDecodeOptions,
        into directory: URL
    ) throws {
        let folder = directory.appendingPathComponent(backgroundFolderName)
        for id in cameras {
            guard let source = try capture.camera(id).backgroundPlate else { continue }
            var plate = try PNGFile.read8(source).withChannels(3, opaque: 255)
            if let crop = options.crop { plate = try plate.cropped(to: crop, path: source.path) }
            if let size = options.outputSize { plate = try ImageScaling.resize(plate, to: size) }
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try PNGFile.write(plate, to: folder.appendingPathComponent("\(id).png"), compressionLevel: 1)
        }
    }
}

extension Image where Sample == UInt8 {
    /// The pixels inside `rect`; throws when the rectangle leaves the image.
    public func cropped(to rect: PixelRect, path: String) throws -> Image8 {
        guard rect.x >= 0, rect.y >= 0, rect.width > 0, rect.height > 0,
            rect.x + rect.width <= width, rect.y + rect.height <= height
        else {
            throw MediaIOError(.invalidArgument, path: path, "crop \(rect) does not fit in the \(width)x\(height) image")
        }
        var samples: [UInt8] = []
        samples.reserveCapacity(rect.width * rect.height * channels)
        for row in rect.y..<(rect.y + rect.height) {
            let start = (row * width + rect.x) * channels
            samples.append(contentsOf: self.samples[start..<(start + rect.width * channels)])
        }
        return Image8(width: rect.width, height: rect.height, channels: channels, samples: samples)
    }
}
