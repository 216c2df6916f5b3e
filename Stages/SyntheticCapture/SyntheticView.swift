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

/// One camera's rendering of one frame, with its ground truth.
public struct SyntheticView: Sendable {
    /// The captured image: foreground composited over the camera's background plate, sRGB in [0, 1], RGB.
    public var image: FloatImage
    /// Foreground coverage in [0, 1] (fractional on edges when supersampling).
    public var alpha: FloatImage
    /// Per-pixel label (majority of the covered samples; background when coverage < 0.5).
    public var labels: [SyntheticLabel]
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
}
