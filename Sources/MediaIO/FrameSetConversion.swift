import Foundation

/// Conversions between captures, FrameSets and videos: the work behind the video.decode and
/// video.encode stages, kept here so it is usable (and tested) without the engine.
public enum FrameSetConversion {
    /// Decodes the chosen cameras of a capture into a synchronised FrameSet at `directory`.
    /// All cameras use the same `options`, so they select the same source frames; calibrations are
    /// adjusted for the crop and resize, and background plates are cropped and resized alike into
    /// `background/<camera>.png`. Frames stream through: memory use is one frame per camera.
    public static func decode(
        _ capture: Capture, cameras selected: [String]? = nil,
        options: VideoDecodeOptions = VideoDecodeOptions(), into directory: URL,
        progress: ((Int) -> Void)? = nil
    ) throws -> FrameSet {
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
        let writer = try FrameSetWriter(
            directory: directory, cameras: ids, calibrations: calibrations, size: size,
            channels: 3, frameRate: frameRate)
        while true {
            let frames = try readers.map { try $0.nextFrame() }
            let present = frames.compactMap { $0 }
            if present.isEmpty { break }
            guard present.count == frames.count, Set(present.map(\.sourceIndex)).count == 1 else {
                let states = zip(ids, frames).map { "\($0.0): \($0.1.map { "frame \($0.sourceIndex)" } ?? "ended")" }
                throw MediaIOError(
                    .invalidLayout, path: capture.directory.path, frameIndex: writer.frameCount,
                    "cameras went out of step (\(states.joined(separator: ", "))); check that all cameras have the same frame count and rate")
            }
            try writer.append(present.map(\.image), timestamp: present[0].timeSeconds, sourceIndex: present[0].sourceIndex)
            progress?(writer.frameCount)
        }
        var plateOptions = options
        plateOptions.outputSize = size
        try FrameSet.copyBackgroundPlates(from: capture, cameras: ids, options: plateOptions, into: directory)
        return try writer.finish()
    }

    /// Reads image folders (one per camera, files in lexicographic order, PNG or JPEG) into a
    /// FrameSet at `directory`; frame `i` gets timestamp `i / frameRate`. All folders must hold the
    /// same number of images of one size.
    public static func importImages(
        cameras: [(id: String, folder: URL)], frameRate: Rational,
        options: VideoDecodeOptions = VideoDecodeOptions(), into directory: URL
    ) throws -> FrameSet {
        guard !cameras.isEmpty else {
            throw MediaIOError(.invalidArgument, path: directory.path, "no image folders given")
        }
        var readers: [CameraFrameReader] = []
        var counts: [(String, Int)] = []
        var size: PixelSize?
        for (id, folder) in cameras {
            let files = try imageFiles(in: folder)
            let first = try CameraFrameReader.readImage(files[0])
            let firstSize = PixelSize(width: first.width, height: first.height)
            if let size, size != firstSize {
                throw MediaIOError(
                    .invalidLayout, path: files[0].path,
                    "images of '\(id)' are \(firstSize) but the first folder's are \(size); all cameras need one size")
            }
            size = firstSize
            counts.append((id, files.count))
            readers.append(try CameraFrameReader(images: files, frameRate: frameRate, size: firstSize, options: options))
        }
        if Set(counts.map(\.1)).count > 1 {
            throw MediaIOError(
                .invalidLayout, path: cameras[0].folder.deletingLastPathComponent().path,
                "image folders hold different numbers of images — \(counts.map { "\($0.0): \($0.1)" }.joined(separator: ", ")); give every camera the same frames"
            )
        }
        var rate = frameRate
        if case .everyNth(let step) = options.sampling { rate = Rational(frameRate.numerator, frameRate.denominator * step) }
        if case .targetFPS(let fps) = options.sampling, fps < frameRate.doubleValue { rate = Rational(approximating: fps) }
        let writer = try FrameSetWriter(
            directory: directory, cameras: cameras.map(\.id), size: readers[0].outputSize,
            channels: 3, frameRate: rate)
        while true {
            let frames = try readers.map { try $0.nextFrame() }.compactMap { $0 }
            if frames.isEmpty { break }
            try writer.append(frames.map(\.image), timestamp: frames[0].timeSeconds, sourceIndex: frames[0].sourceIndex)
        }
        return try writer.finish()
    }

    /// The PNG/JPEG files of a folder in lexicographic order; throws when there are none.
    public static func imageFiles(in folder: URL) throws -> [URL] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else {
            throw MediaIOError(.fileNotFound, path: folder.path, "image folder not found")
        }
        let files = names.filter { Capture.imageExtensions.contains(($0 as NSString).pathExtension.lowercased()) }
            .sorted().map { folder.appendingPathComponent($0) }
        guard !files.isEmpty else {
            throw MediaIOError(.noFrames, path: folder.path, "the folder holds no .png/.jpg/.jpeg images")
        }
        return files
    }

    /// Encodes a FrameSet into one video. With several cameras the frames are tiled left to right,
    /// top to bottom in `columns` columns (default: all in one row). RGBA frames lose their alpha when
    /// `alphaBackground` is nil (the RGB of AvatarFlow's RGBA FrameSets is already composited onto
    /// their background), else they are composited over that grey level (0 = black, 255 = white).
    ///
    /// With `beside`, each picture shows the same tiling of each FrameSet of `beside` to the right,
    /// column after column (e.g. the input frames | one avatar's renders | another's): only the
    /// frames of `beside[0]` are encoded, each next to the frames of `frameSet` and of the other
    /// `beside` sets with the same source frame index, so a render of the last frames of a sequence
    /// lines up with those frames. All need the selected cameras at one frame size.
    public static func encode(
        _ frameSet: FrameSet, cameras selected: [String]? = nil, columns: Int? = nil,
        alphaBackground: UInt8? = 0, beside: [FrameSet] = [],
        to url: URL, options: VideoEncodeOptions = VideoEncodeOptions()
    ) throws -> VideoWriter {
        let manifest = frameSet.manifest
        let ids = selected ?? manifest.cameras
        for set in [frameSet] + beside {
            for id in ids where !set.manifest.cameras.contains(id) {
                throw MediaIOError(
                    .invalidArgument, path: set.directory.path,
                    "no camera '\(id)' in this FrameSet; cameras are \(set.manifest.cameras.joined(separator: ", "))")
            }
        }
        guard !ids.isEmpty else {
            throw MediaIOError(.invalidArgument, path: frameSet.directory.path, "no cameras selected")
        }
        let rows = try frameRows(frameSet, beside: beside)
        let columnCount = max(1, min(columns ?? ids.count, ids.count))
        let rowCount = (ids.count + columnCount - 1) / columnCount
        let tileSize = PixelSize(width: manifest.width, height: manifest.height)
        let gridWidth = tileSize.width * columnCount
        let sets = [frameSet] + beside
        let canvasSize = PixelSize(width: gridWidth * sets.count, height: tileSize.height * rowCount)
        let writer = try VideoWriter(url: url, frameSize: canvasSize, options: options)
        for frames in rows {
            var canvas = Image8(width: canvasSize.width, height: canvasSize.height, channels: 3)
            for (slot, id) in ids.enumerated() {
                let x = (slot % columnCount) * tileSize.width, y = (slot / columnCount) * tileSize.height
                for (column, (set, frame)) in zip(sets, frames).enumerated() {
                    paste(opaqueRGB(try set.image(frame: frame, camera: id), background: alphaBackground), into: &canvas, x: column * gridWidth + x, y: y)
                }
            }
            try writer.append(canvas)
        }
        try writer.finish()
        return writer
    }

    /// The frames of each picture, one per FrameSet of `[frameSet] + beside`: every frame of
    /// `frameSet` alone, or each frame of `beside[0]` with the frames of the same source index in
    /// `frameSet` and the other `beside` sets.
    static func frameRows(_ frameSet: FrameSet, beside: [FrameSet]) throws -> [[Int]] {
        guard let leading = beside.first else { return (0..<frameSet.manifest.frameCount).map { [$0] } }
        for set in beside where set.manifest.width != frameSet.manifest.width || set.manifest.height != frameSet.manifest.height {
            throw MediaIOError(
                .invalidArgument, path: set.directory.path,
                "frames to show beside are \(set.manifest.width)x\(set.manifest.height) but the frames are \(frameSet.manifest.width)x\(frameSet.manifest.height); render or decode both at one size"
            )
        }
        let lookups = ([frameSet] + beside.dropFirst()).map { set in
            var bySource: [Int: Int] = [:]
            for (frame, source) in set.manifest.sourceFrameIndices.enumerated() where bySource[source] == nil { bySource[source] = frame }
            return (set, bySource)
        }
        return try leading.manifest.sourceFrameIndices.enumerated().map { leadingFrame, source in
            var row = try lookups.map { set, bySource in
                guard let frame = bySource[source] else {
                    throw MediaIOError(
                        .invalidArgument, path: set.directory.path,
                        "source frame \(source) (frame \(leadingFrame) of the first FrameSet shown beside) is not in this FrameSet; connect frames of the same sequence"
                    )
                }
                return frame
            }
            row.insert(leadingFrame, at: 1)
            return row
        }
    }

    /// RGB of an RGB or RGBA image: alpha dropped when `background` is nil, else RGBA composited
    /// over that grey level (colour · alpha + background · (1 − alpha), rounded).
    static func opaqueRGB(_ image: Image8, background: UInt8?) -> Image8 {
        guard image.channels == 4, let background else { return image.withChannels(3, opaque: 255) }
        var result = Image8(width: image.width, height: image.height, channels: 3)
        let grey = UInt32(background)
        for pixel in 0..<(image.width * image.height) {
            let alpha = UInt32(image.samples[pixel * 4 + 3])
            for c in 0..<3 {
                result.samples[pixel * 3 + c] = UInt8((UInt32(image.samples[pixel * 4 + c]) * alpha + grey * (255 - alpha) + 127) / 255)
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
