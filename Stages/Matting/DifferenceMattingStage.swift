import AvatarFlow
import Foundation
import MediaIO

/// `matting.difference`: alpha mattes from background plates (recorded, or estimated as the
/// temporal median), composited onto a chosen background. Output frames are RGBA: the composite
/// in RGB and the matte in A, so training stages get both from one FrameSet.
public struct DifferenceMattingStage: Stage {
    /// Parameters of `matting.difference`.
    public struct Parameters: StageParameters {
        /// Composite colour: white, black, or the plate itself.
        public var background: String
        /// Lower key threshold in noise units.
        public var lowNoise: Double
        /// Upper key threshold in noise units.
        public var highNoise: Double
        /// Floor of the lower threshold.
        public var minimumLow: Double
        /// Floor of the upper threshold.
        public var minimumHigh: Double
        /// Opening radius in pixels.
        public var openRadius: Int
        /// Closing radius in pixels.
        public var closeRadius: Int
        /// Smallest kept component relative to the largest.
        public var minimumComponentFraction: Double
        /// Fill enclosed holes.
        public var fillHoles: Bool
        /// Uncertain band half-width in pixels.
        public var bandRadius: Int
        /// Guided filter radius in pixels.
        public var guidedRadius: Int
        /// Guided filter ε.
        public var guidedEpsilon: Double
        /// Frames sampled for the median plate.
        public var medianFrames: Int
        /// Matte-and-re-estimate passes over an estimated plate.
        public var plateRefinements: Int
        /// Closed-form refinement of the band.
        public var closedForm: Bool
        /// Longest side of the closed-form solve.
        public var closedFormSize: Int

        enum CodingKeys: String, CodingKey {
            case background
            case lowNoise = "low_noise"
            case highNoise = "high_noise"
            case minimumLow = "minimum_low"
            case minimumHigh = "minimum_high"
            case openRadius = "open_radius"
            case closeRadius = "close_radius"
            case minimumComponentFraction = "minimum_component_fraction"
            case fillHoles = "fill_holes"
            case bandRadius = "band_radius"
            case guidedRadius = "guided_radius"
            case guidedEpsilon = "guided_epsilon"
            case medianFrames = "median_frames"
            case plateRefinements = "plate_refinements"
            case closedForm = "closed_form"
            case closedFormSize = "closed_form_size"
        }

        /// The schema.
        public static let fields: [ParameterField] = [
            .choice("background", "white", ["white", "black", "plate"], doc: "Colour the foreground is composited onto (RGB); alpha is kept in A."),
            .double("low_noise", 4, range: 0...100, doc: "‖I−B‖ below lowNoise × noise level is background (noise = median ‖I−B‖)."),
            .double("high_noise", 8, range: 0...200, doc: "‖I−B‖ above highNoise × noise level is foreground."),
            .double("minimum_low", 0.04, range: 0...1.7, doc: "Floor of the lower threshold on ‖I−B‖ (RGB in [0,1])."),
            .double("minimum_high", 0.12, range: 0...1.7, doc: "Floor of the upper threshold on ‖I−B‖."),
            .int("open_radius", 1, range: 0...20, doc: "Opening radius in pixels: removes specks of noise."),
            .int("close_radius", 2, range: 0...20, doc: "Closing radius in pixels: bridges thin gaps in the subject."),
            .double("minimum_component_fraction", 0.02, range: 0...1, doc: "Drop foreground components smaller than this fraction of the largest."),
            .bool("fill_holes", true, doc: "Fill background regions enclosed by the subject (background-coloured clothes, eyes)."),
            .int("band_radius", 2, range: 0...20, doc: "Half-width in pixels of the boundary band refined by the guided filter."),
            .int("guided_radius", 3, range: 1...30, doc: "Guided filter window radius in pixels (scale with resolution: ~1% of the width)."),
            .double("guided_epsilon", 1e-3, range: 1e-8...1, doc: "Guided filter regulariser ε (larger = smoother alpha)."),
            .int("median_frames", 30, range: 3...1000, doc: "Frames sampled evenly to estimate a plate as the temporal median when none was recorded."),
            .bool(
                "closed_form", false,
                doc: "Refine the boundary band with closed-form matting (Levin et al., ε 1e-7, λ 100) instead of the guided filter; slower."),
            .int("closed_form_size", 128, range: 16...1024, doc: "Longest side in pixels of the reduced image the closed-form system is solved on."),
            .int(
                "plate_refinements", 2, range: 0...10,
                doc: "Estimated plates only: passes of matting the sampled frames and re-taking the median over background pixels only."),
        ]
    }

    public static let id = "matting.difference"
    public static let version = 2
    public static let summary = "Alpha mattes by difference keying against background plates, refined with a colour guided filter."
    public static let inputs = [StagePort("frames", .frameSet, doc: "Decoded frames (background plates travel inside the FrameSet).")]
    public static let outputs = [StagePort("frames", .frameSet, doc: "RGBA frames: RGB composited onto the chosen background, A the alpha matte.")]

    /// Creates the stage.
    public init() {}

    /// Mattes every frame of every camera.
    public func run(_ context: StageContext, _ parameters: Parameters) throws {
        let input = try FrameSet.open(try context.input("frames"))
        let manifest = input.manifest
        let matte = DifferenceMatte(settings: parameters.settings)
        var plates: [Image8] = []
        for camera in manifest.cameras {
            let platePath = input.directory.appendingPathComponent(FrameSet.backgroundFolderName).appendingPathComponent("\(camera).png").path
            if let plate = try input.backgroundPlate(camera: camera) {
                try BackgroundEstimator.check(plate, camera: camera, path: platePath)
                plates.append(plate)
            } else {
                let count = min(parameters.medianFrames, manifest.frameCount)
                let indices = (0..<count).map { $0 * manifest.frameCount / max(count, 1) }
                let frames = try indices.map { try input.image(frame: $0, camera: camera).withChannels(3, opaque: 255) }
                var plate = try BackgroundEstimator.temporalMedian(frames, camera: camera, path: input.directory.path)
                for _ in 0..<parameters.plateRefinements {
                    let mattes = parallelMap(frames.count) { matte.alpha(frame: frames[$0], plate: plate) }
                    plate = BackgroundEstimator.maskedMedian(frames, mattes: mattes, previous: plate)
                }
                plates.append(plate)
                context.warn(
                    "camera \(camera) has no background plate; estimated it from \(count) frames (temporal median, refined \(parameters.plateRefinements)× with the mattes); record plates for better mattes"
                )
            }
        }
        let writer = try FrameSetWriter(
            directory: try context.output("frames"), cameras: manifest.cameras,
            calibrations: manifest.calibrations,
            size: PixelSize(width: manifest.width, height: manifest.height),
            channels: 4, frameRate: manifest.frameRate)
        let background = parameters.background
        var coverage = 0.0
        for frame in 0..<manifest.frameCount {
            let images = try manifest.cameras.map { try input.image(frame: frame, camera: $0).withChannels(3, opaque: 255) }
            let composites = parallelMap(images.count) { index in
                Self.composite(
                    images[index], alpha: matte.alpha(frame: images[index], plate: plates[index]),
                    plate: plates[index], background: background)
            }
            coverage +=
                composites.reduce(0.0) { sum, image in
                    sum + stride(from: 3, to: image.samples.count, by: 4).reduce(0.0) { $0 + Double(image.samples[$1]) } / 255
                } / Double(composites.count * manifest.width * manifest.height)
            try writer.append(composites, timestamp: manifest.timestamps[frame], sourceIndex: manifest.sourceFrameIndices[frame])
            context.reportProgress(completed: frame + 1, total: manifest.frameCount, unit: "frames")
        }
        try writer.finish()
        context.log("mean foreground coverage \(String(format: "%.3f", coverage / Double(max(1, manifest.frameCount))))")
    }

    /// RGB = αF + (1−α)·background, A = α, all rounded to 8 bits.
    ///
    /// A boundary pixel of the frame mixes the subject and the plate, I = αF + (1−α)B, so the
    /// subject's premultiplied colour is αF = I − (1−α)B (clamped to [0, α]); compositing I itself
    /// (α·I + (1−α)·fill) would keep a fringe of the plate's colour around the hair and the chin.
    /// `plate` returns the frame unchanged.
    static func composite(_ image: Image8, alpha: Plane, plate: Image8, background: String) -> Image8 {
        let pixels = image.width * image.height
        var samples = [UInt8](repeating: 0, count: pixels * 4)
        for pixel in 0..<pixels {
            let a = alpha.values[pixel]
            for channel in 0..<3 {
                let observed = Float(image.samples[pixel * 3 + channel]), behind = Float(plate.samples[pixel * 3 + channel])
                let value: Float
                switch background {
                case "plate": value = observed
                case "black": value = min(a * 255, max(0, observed - (1 - a) * behind))
                default: value = min(a * 255, max(0, observed - (1 - a) * behind)) + (1 - a) * 255
                }
                samples[pixel * 4 + channel] = Image8.byte(scaled: value)
            }
            samples[pixel * 4 + 3] = Image8.byte(scaled: a * 255)
        }
        return Image8(width: image.width, height: image.height, channels: 4, samples: samples)
    }
}

extension DifferenceMattingStage.Parameters {
    /// The algorithm settings these parameters describe.
    var settings: DifferenceMatte.Settings {
        DifferenceMatte.Settings(
            lowNoise: Float(lowNoise), highNoise: Float(highNoise), minimumLow: Float(minimumLow),
            minimumHigh: Float(minimumHigh), openRadius: openRadius, closeRadius: closeRadius,
            minimumComponentFraction: minimumComponentFraction, fillHoles: fillHoles,
            bandRadius: bandRadius, guidedRadius: guidedRadius, guidedEpsilon: Float(guidedEpsilon),
            closedForm: closedForm, closedFormSize: closedFormSize)
    }
}
