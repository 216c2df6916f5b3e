import AvatarFlow
import Foundation
import ImageFilters
import MediaIO

/// `matting.difference`: alpha mattes from background plates (recorded, or estimated as the
/// temporal median), composited onto a chosen background. Output frames are RGBA: the composite
/// in RGB and the matte in A, so training stages get both from one FrameSet.
public struct DifferenceMattingStage: Stage {
    /// Parameters of `matting.difference`.
    public struct Parameters: StageParameters {
        /// Allowed values of `background`.
        public enum Background: String, ParameterChoice {
            case white, black, plate
        }

        @Param("Colour the foreground is composited onto (RGB); alpha is kept in A.")
        public var background: Background = .white
        @Param("‖I−B‖ below lowNoise × noise level is background (noise = median ‖I−B‖).", range: 0...100)
        public var lowNoise: Double = 4
        @Param("‖I−B‖ above highNoise × noise level is foreground.", range: 0...200)
        public var highNoise: Double = 8
        @Param("Floor of the lower threshold on ‖I−B‖ (RGB in [0,1]).", range: 0...1.7)
        public var minimumLow: Double = 0.04
        @Param("Floor of the upper threshold on ‖I−B‖.", range: 0...1.7)
        public var minimumHigh: Double = 0.12
        @Param("Opening radius in pixels: removes specks of noise.", range: 0...20)
        public var openRadius: Int = 1
        @Param("Closing radius in pixels: bridges thin gaps in the subject.", range: 0...20)
        public var closeRadius: Int = 2
        @Param("Drop foreground components smaller than this fraction of the largest.", range: 0...1)
        public var minimumComponentFraction: Double = 0.02
        @Param("Fill background regions enclosed by the subject (background-coloured clothes, eyes).")
        public var fillHoles: Bool = true
        /// `band_radius`, `guided_radius`, `guided_epsilon`.
        public var edge = MatteEdgeRefinement()
        @Param("Frames sampled evenly to estimate a plate as the temporal median when none was recorded.", range: 3...1000)
        public var medianFrames: Int = 30
        @Param("Estimated plates only: passes of matting the sampled frames and re-taking the median over background pixels only.", range: 0...10)
        public var plateRefinements: Int = 2
        @Param("Refine the boundary band with closed-form matting (Levin et al., ε 1e-7, λ 100) instead of the guided filter; slower.")
        public var closedForm: Bool = false
        @Param("Longest side in pixels of the reduced image the closed-form system is solved on.", range: 16...1024)
        public var closedFormSize: Int = 128

        /// Every parameter at its default.
        public init() {}
    }

    public static let id = "matting.difference"
    public static let version = 3
    public static let summary = "Alpha mattes by difference keying against background plates, refined with a colour guided filter."
    public static let inputs = [StagePort("frames", .frameSet, doc: "Decoded frames (background plates travel inside the FrameSet).")]
    public static let outputs = [StagePort("frames", .frameSet, doc: "RGBA frames: RGB composited onto the chosen background, A the alpha matte.")]

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
            coverage += MattingStages.meanAlpha(composites)
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
    static func composite(_ image: Image8, alpha: Plane, plate: Image8, background: Parameters.Background) -> Image8 {
        let pixels = image.width * image.height
        var samples = [UInt8](repeating: 0, count: pixels * 4)
        for pixel in 0..<pixels {
            let a = alpha.values[pixel]
            for channel in 0..<3 {
                let observed = Float(image.samples[pixel * 3 + channel]), behind = Float(plate.samples[pixel * 3 + channel])
                let value: Float
                switch background {
                case .plate: value = observed
                case .black: value = min(a * 255, max(0, observed - (1 - a) * behind))
                case .white: value = min(a * 255, max(0, observed - (1 - a) * behind)) + (1 - a) * 255
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
            bandRadius: edge.bandRadius, guidedRadius: edge.guidedRadius, guidedEpsilon: Float(edge.guidedEpsilon),
            closedForm: closedForm, closedFormSize: closedFormSize)
    }
}
