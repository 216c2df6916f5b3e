/// Maps a face box from one detector's convention to another's by a similarity of the box:
/// centre shift proportional to the box size and a uniform scale.
///
/// dlib's regression-tree landmarks were trained on boxes of dlib's HOG frontal-face detector
/// (square, about brow to chin); OpenCV's Haar boxes are larger and sit higher. Measured on the
/// 36 faces that both detectors find in dlib's example photographs (docs/face-landmarks.md):
/// dlib side = 0.906·Haar side, dlib centre = Haar centre + (0.000, 0.080)·Haar side;
/// mean IoU with dlib's boxes rises from 0.74 (raw Haar) to 0.83.
public struct FaceBoxCalibration: Sendable, Equatable, Codable {
    /// Target side / source side.
    public var scale: Double
    /// Horizontal centre shift in units of the source box width (positive = right).
    public var offsetX: Double
    /// Vertical centre shift in units of the source box height (positive = down).
    public var offsetY: Double

    /// Creates a mapping from its three parameters.
    public init(scale: Double, offsetX: Double, offsetY: Double) {
        self.scale = scale
        self.offsetX = offsetX
        self.offsetY = offsetY
    }

    /// OpenCV `haarcascade_frontalface_default` (scale 1.1, 3 neighbours) → dlib frontal-face detector.
    public static let haarToDlib = FaceBoxCalibration(scale: 0.906, offsetX: 0.0, offsetY: 0.080)

    /// dlib's CNN (MMOD) face detector → dlib frontal-face detector, fitted like `haarToDlib` on
    /// the 35 faces both detectors find in dlib's example photographs (docs/face-landmarks.md):
    /// dlib side = 1.068·CNN side, dlib centre = CNN centre + (0.029, 0.102)·CNN side.
    public static let cnnToDlib = FaceBoxCalibration(scale: 1.068, offsetX: 0.029, offsetY: 0.102)

    /// The identity mapping (boxes already in dlib's convention).
    public static let identity = FaceBoxCalibration(scale: 1, offsetX: 0, offsetY: 0)

    /// The least-squares mapping from `source` boxes to their matched `target` boxes:
    /// scale = Σ sᵢ·tᵢ / Σ sᵢ² over box widths, offsets = mean centre shift / source size.
    /// Returns nil for an empty list.
    public static func fit(pairs: [(source: FaceRectangle, target: FaceRectangle)]) -> FaceBoxCalibration? {
        guard !pairs.isEmpty else { return nil }
        var product = 0.0, square = 0.0, shiftX = 0.0, shiftY = 0.0
        for (source, target) in pairs {
            product += Double(source.width) * Double(target.width)
            square += Double(source.width) * Double(source.width)
            shiftX += (Double(target.x) + Double(target.width - 1) / 2 - Double(source.x) - Double(source.width - 1) / 2) / Double(source.width)
            shiftY += (Double(target.y) + Double(target.height - 1) / 2 - Double(source.y) - Double(source.height - 1) / 2) / Double(source.height)
        }
        return FaceBoxCalibration(scale: product / square, offsetX: shiftX / Double(pairs.count), offsetY: shiftY / Double(pairs.count))
    }

    /// Applies the mapping; centres use pixel-centre coordinates (x + (w − 1)/2), sides are rounded.
    public func apply(_ box: FaceRectangle) -> FaceRectangle {
        let centreX = Double(box.x) + Double(box.width - 1) / 2 + offsetX * Double(box.width)
        let centreY = Double(box.y) + Double(box.height - 1) / 2 + offsetY * Double(box.height)
        let width = max(1, Int((scale * Double(box.width)).rounded()))
        let height = max(1, Int((scale * Double(box.height)).rounded()))
        return FaceRectangle(
            x: Int((centreX - Double(width - 1) / 2).rounded()), y: Int((centreY - Double(height - 1) / 2).rounded()),
            width: width, height: height)
    }
}
