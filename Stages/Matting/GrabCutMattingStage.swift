import AvatarFlow
import Foundation
import Geometry
import HeadModel
import ImageFilters
import MediaIO

/// `matting.grabcut`: alpha mattes without a background plate, for a subject who stays in frame
/// (a phone video). Each frame is segmented by GrabCut (iterated colour-mixture graph cuts) from a
/// trimap drawn around the tracked head: the projected head mesh, shrunk, is certainly foreground;
/// the head grown by a hair margin and a neck-and-shoulders trapezoid below it are probably
/// foreground; everything farther than a margin from those is certainly background. The colour
/// mixtures carry from frame to frame and a temporal term keeps labels where colours cannot
/// decide; the binary cut is softened at its boundary by the colour guided filter.
public struct GrabCutMattingStage: Stage {
    /// Parameters of `matting.grabcut`.
    public struct Parameters: StageParameters {
        /// Allowed values of `background`.
        public enum Background: String, ParameterChoice {
            case white, black, original
        }

        @Param("Colour the foreground is composited onto (RGB), or the original frame; alpha is kept in A.")
        public var background: Background = .white
        @Param(path: "Head model directory the tracking was fitted with; empty for the built-in procedural model.")
        public var model: String = ""
        @Param("Fraction of the projected head's width removed from its outline to give certain foreground.", range: 0...0.5)
        public var coreErosion: Double = 0.1
        @Param("Fraction of the head's width added around the projected head as probable foreground (hair).", range: 0...2)
        public var hairMargin: Double = 0.35
        @Param("Add a neck-and-shoulders trapezoid below the head, down to the frame's bottom, as probable foreground.")
        public var body: Bool = true
        @Param("Pixels farther than this fraction of the head's width from the probable foreground are certain background.", range: 0.02...5)
        public var backgroundMargin: Double = 0.3
        @Param("GrabCut assign-estimate-cut rounds per frame.", range: 1...20)
        public var iterations: Int = 3
        @Param("Smoothness weight γ of the graph cut (GrabCut: 50).", range: 0...1000)
        public var smoothness: Double = 50
        @Param("Gaussians per colour mixture (GrabCut: 5).", range: 1...10)
        public var components: Int = 5
        @Param("Cost in nats of changing a pixel's label from the previous frame's; 0 segments frames independently.", range: 0...100)
        public var temporalWeight: Double = 2
        /// `band_radius`, `guided_radius`, `guided_epsilon`.
        public var edge = MatteEdgeRefinement()

        /// Every parameter at its default.
        public init() {}
    }

    public static let id = "matting.grabcut"
    public static let version = 1
    public static let summary = "Alpha mattes without a background plate: GrabCut seeded by the tracked head, temporally consistent."
    public static let inputs = [
        StagePort("frames", .frameSet, doc: "Decoded frames with calibrations (the subject stays in frame)."),
        StagePort("tracking", .tracking, doc: "The fitted head model per frame, which seeds the segmentation."),
    ]
    public static let outputs = [StagePort("frames", .frameSet, doc: "RGBA frames: RGB composited onto the chosen background, A the alpha matte.")]

    public init() {}

    /// Mattes every camera's frames in order, carrying the colour models from frame to frame.
    public func run(_ context: StageContext, _ parameters: Parameters) throws {
        let input = try FrameSet.open(try context.input("frames"))
        let tracking = try HeadTracking.read(from: try context.input("tracking"))
        let manifest = input.manifest
        guard let calibrations = manifest.calibrations else {
            throw MattingError(
                camera: manifest.cameras.first ?? "", path: input.directory.path,
                "the frames carry no camera calibrations, so the tracked head cannot be projected; decode with video.decode or video.read")
        }
        guard tracking.frames.count == manifest.frameCount else {
            throw MattingError(
                camera: manifest.cameras.first ?? "", path: input.directory.path,
                "the tracking has \(tracking.frames.count) frames but the frames have \(manifest.frameCount); connect the tracking of the same decode")
        }
        let model = parameters.model.isEmpty ? ProceduralHeadBuilder.build() : try HeadModelFormat.read(from: context.resolvePath(parameters.model))
        let cameras = try calibrations.map { try $0.pinholeCamera() }
        let segmenter = GrabCut(
            componentCount: parameters.components, smoothness: parameters.smoothness, iterations: parameters.iterations,
            temporalWeight: parameters.temporalWeight)
        let trimapSettings = HeadShouldersTrimap(
            coreErosion: parameters.coreErosion, hairMargin: parameters.hairMargin, body: parameters.body,
            backgroundMargin: parameters.backgroundMargin)
        let writer = try FrameSetWriter(
            directory: try context.output("frames"), cameras: manifest.cameras, calibrations: calibrations,
            size: PixelSize(width: manifest.width, height: manifest.height), channels: 4, frameRate: manifest.frameRate)
        var previous = [GrabCut.Result?](repeating: nil, count: cameras.count)
        var unmatted: [Unmatted: [String]] = [:]
        var coverage = 0.0
        for frame in 0..<manifest.frameCount {
            let vertices = try tracking.vertices(frame: frame, model: model)
            let images = try manifest.cameras.map { try input.image(frame: frame, camera: $0).withChannels(3, opaque: 255) }
            let results = try parallelMap(images.count) { index throws -> (Image8, Result<GrabCut.Result, Unmatted>) in
                let fragments = MeshRasterizer().rasterize(positions: vertices, triangles: model.triangles, camera: cameras[index])
                let head = BinaryMask(width: manifest.width, height: manifest.height, bits: fragments.triangleIndex.map { $0 >= 0 })
                func unmatted(_ reason: Unmatted) -> (Image8, Result<GrabCut.Result, Unmatted>) {
                    let empty = Plane(width: manifest.width, height: manifest.height)
                    return (Self.composite(images[index], alpha: empty, background: parameters.background), .failure(reason))
                }
                guard let trimap = trimapSettings.trimap(head: head) else { return unmatted(.headOutside) }
                let planes = Self.planes(images[index])
                guard let segmented = try? segmenter.segment(image: planes, trimap: trimap, previous: previous[index]) else {
                    return unmatted(.oneSided)
                }
                let alpha = BinaryMask(width: manifest.width, height: manifest.height, bits: segmented.mask).softenedAlpha(
                    guide: planes, bandRadius: parameters.edge.bandRadius, guidedRadius: parameters.edge.guidedRadius,
                    epsilon: Float(parameters.edge.guidedEpsilon))
                return (Self.composite(images[index], alpha: alpha, background: parameters.background), .success(segmented))
            }
            for (index, result) in results.enumerated() {
                switch result.1 {
                case .success(let segmented): previous[index] = segmented
                case .failure(let reason): unmatted[reason, default: []].append("\(manifest.cameras[index]) frame \(frame)")
                }
            }
            let composites = results.map(\.0)
            coverage += MattingStages.meanAlpha(composites)
            try writer.append(composites, timestamp: manifest.timestamps[frame], sourceIndex: manifest.sourceFrameIndices[frame])
            context.reportProgress(completed: frame + 1, total: manifest.frameCount, unit: "frames")
        }
        let total = manifest.frameCount * manifest.cameras.count
        if unmatted.values.map(\.count).reduce(0, +) == total {
            throw MattingError(
                camera: manifest.cameras.first ?? "", path: input.directory.path,
                "no frame could be matted: \(unmatted.keys.map(\.description).sorted().joined(separator: "; ")); check the tracking (outputs of face.fit-head-model) or lower hair_margin and background_margin"
            )
        }
        try writer.finish()
        for (reason, images) in unmatted.sorted(by: { $0.key.description < $1.key.description }) {
            context.warn(
                "\(reason) in \(images.count) of \(total) image(s) (\(images.prefix(8).joined(separator: ", "))\(images.count > 8 ? ", …" : "")); their mattes are empty"
            )
        }
        context.log("mean foreground coverage \(String(format: "%.3f", coverage / Double(max(1, manifest.frameCount))))")
    }

    /// Why an image got an empty matte instead of a segmentation.
    enum Unmatted: Error, CustomStringConvertible {
        /// The tracked head projects outside the picture.
        case headOutside
        /// The trimap leaves no background (or no foreground): the head fills the picture, or its fit is wrong.
        case oneSided

        var description: String {
            switch self {
            case .headOutside: "the tracked head projects outside the picture"
            case .oneSided:
                "the trimap leaves no background to learn colours from (the tracked head fills the picture, or its fit is wrong: see face.fit-head-model's reprojection errors; lower hair_margin or background_margin, or set body: false)"
            }
        }
    }

    /// The R, G, B planes of an RGB image in [0, 1].
    static func planes(_ image: Image8) -> [Plane] {
        let pixels = image.width * image.height
        return (0..<3).map { channel in
            Plane(width: image.width, height: image.height, values: (0..<pixels).map { Float(image.samples[$0 * 3 + channel]) / 255 })
        }
    }

    /// RGB = α·I + (1−α)·fill (or I itself for `original`), A = α, rounded to 8 bits.
    static func composite(_ image: Image8, alpha: Plane, background: Parameters.Background) -> Image8 {
        let pixels = image.width * image.height
        let fill: Float = background == .white ? 255 : 0
        var samples = [UInt8](repeating: 0, count: pixels * 4)
        for pixel in 0..<pixels {
            let a = alpha.values[pixel]
            for channel in 0..<3 {
                let observed = Float(image.samples[pixel * 3 + channel])
                samples[pixel * 4 + channel] = Image8.byte(scaled: background == .original ? observed : a * observed + (1 - a) * fill)
            }
            samples[pixel * 4 + 3] = Image8.byte(scaled: a * 255)
        }
        return Image8(width: image.width, height: image.height, channels: 4, samples: samples)
    }
}

/// The trimap `matting.grabcut` draws around a projected head: sizes are fractions of the head's
/// projected width, so the same settings serve any resolution and distance.
struct HeadShouldersTrimap {
    var coreErosion: Double
    var hairMargin: Double
    var body: Bool
    var backgroundMargin: Double

    /// The trimap for the head's coverage `head`, or nil when the head is not in the picture.
    func trimap(head: BinaryMask) -> [TrimapLabel]? {
        let width = head.width, height = head.height
        var minX = width, maxX = -1, minY = height, maxY = -1
        for y in 0..<height {
            for x in 0..<width where head.bits[y * width + x] {
                minX = min(minX, x)
                maxX = max(maxX, x)
                minY = min(minY, y)
                maxY = max(maxY, y)
            }
        }
        guard maxX >= minX else { return nil }
        let headWidth = Double(maxX - minX + 1), headHeight = Double(maxY - minY + 1)
        let pixels = { (fraction: Double) in max(1, Int((fraction * headWidth).rounded())) }
        let certain = coreErosion > 0 ? head.eroded(radius: pixels(coreErosion)) : head
        var probable = head.dilated(radius: pixels(hairMargin))
        if body {
            // Neck and shoulders: from a little above the chin down to the frame's bottom, widening
            // from a neck of 0.7 head widths to shoulders of 3 head widths over one head height.
            let centre = Double(minX + maxX) / 2, top = Double(maxY) - 0.15 * headHeight
            for y in max(0, Int(top))..<height {
                let depth = (Double(y) - top) / headHeight
                let halfWidth = headWidth * min(1.5, 0.35 + 1.15 * max(0, depth))
                for x in max(0, Int(centre - halfWidth))...min(width - 1, Int(centre + halfWidth)) {
                    probable.bits[y * width + x] = true
                }
            }
        }
        let reach = probable.dilated(radius: pixels(backgroundMargin))
        let labels = (0..<(width * height)).map { pixel -> TrimapLabel in
            if certain.bits[pixel] { return .foreground }
            if probable.bits[pixel] { return .probableForeground }
            return reach.bits[pixel] ? .probableBackground : .background
        }
        return labels
    }
}
