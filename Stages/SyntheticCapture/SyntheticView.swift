import Geometry

/// Semantic label of a rendered pixel.
public enum SyntheticLabel: UInt8, Sendable, CaseIterable {
    /// Background plate.
    case background = 0
    /// Face, ears, eyes and mouth.
    case head = 1
    /// Hair cards and hair-covered scalp.
    case hair = 2
    /// Neck and shoulders.
    case body = 3
}

/// Fine semantic region of a rendered pixel: the region ground truth that partitions the
/// foreground (hair, face skin, eyes, mouth interior, neck/body), finer than `SyntheticLabel`.
public enum SyntheticRegion: UInt8, Sendable, CaseIterable {
    /// Background plate.
    case background = 0
    /// Face skin: face, ears and hairless scalp.
    case face = 1
    /// Hair cards and hair-covered scalp (as `SyntheticLabel.hair`).
    case hair = 2
    /// Eyeballs (sclera, iris, pupil).
    case eyes = 3
    /// Mouth cavity: teeth and tongue.
    case mouth = 4
    /// Neck and shoulders (as `SyntheticLabel.body`).
    case body = 5

    /// Name used in manifests, Masks artifacts and reports.
    public var name: String {
        switch self {
        case .background: "background"
        case .face: "face"
        case .hair: "hair"
        case .eyes: "eyes"
        case .mouth: "mouth"
        case .body: "body"
        }
    }

    /// Grey value of the region in the written region PNGs (`51 × rawValue`).
    public var grey: UInt8 { rawValue * 51 }
}

/// One camera's rendering of one frame, with its ground truth.
public struct SyntheticView: Sendable {
    /// The captured image: foreground composited over the camera's background plate, sRGB in [0, 1], RGB.
    public var image: FloatImage
    /// Foreground coverage in [0, 1] (fractional on edges when supersampling).
    public var alpha: FloatImage
    /// Per-pixel label (majority of the covered samples; background when coverage < 0.5).
    public var labels: [SyntheticLabel]
    /// Per-pixel fine region (majority of the covered samples; background when coverage < 0.5,
    /// so it is background exactly where `labels` is).
    public var regions: [SyntheticRegion]
    /// The 68 landmarks projected into this camera, pixels (OpenCV convention, pixel centres at integers).
    public var landmarks: [SIMD2<Float>]
    /// Whether each landmark is visible: inside the image, and its pixel shows the head mesh at the
    /// landmark's depth (within 6 mm), i.e. not hidden by hair, the head itself or the image border.
    public var landmarkVisible: [Bool]
    /// Camera-space depth of each landmark, metres.
    public var landmarkDepths: [Float]
    /// The visible head-model triangle at each landmark's pixel (−1 for other objects or background),
    /// from the full-resolution rasterisation.
    public var landmarkTriangles: [Int32]

    /// The binary mask of one label (1 inside, 0 outside) as a one-channel image.
    public func mask(_ label: SyntheticLabel) -> FloatImage {
        FloatImage(width: alpha.width, height: alpha.height, channels: 1, samples: labels.map { $0 == label ? 1 : 0 })
    }

    /// The binary mask of one fine region (1 inside, 0 outside) as a one-channel image.
    public func mask(_ region: SyntheticRegion) -> FloatImage {
        FloatImage(width: alpha.width, height: alpha.height, channels: 1, samples: regions.map { $0 == region ? 1 : 0 })
    }
}
