import Geometry

/// dlib's 68 landmarks of the largest face in an image, for consumers that receive images
/// without landmarks (e.g. `eval.identity`): dlib's CNN face detector (`MMODFaceDetector`), its
/// largest box mapped to dlib's landmark-box convention (`FaceBoxCalibration.cnnToDlib`), and the
/// regression-tree model (`ShapePredictor`) in that box — the per-image path of
/// `face.detect-cnn` + `face.landmarks-ert68` with `track: false`.
public struct LargestFaceLandmarks: Sendable {
    /// The face detector.
    public let detector: MMODFaceDetector
    /// The 68-point landmark model.
    public let predictor: ShapePredictor
    /// How many times the image is doubled before detection (faces under ~80 pixels need 1).
    public let upsample: Int

    /// Combines a detector and a 68-point model.
    /// - Throws: `FaceDescriptorError` when the model does not predict 68 points.
    public init(detector: MMODFaceDetector, predictor: ShapePredictor, upsample: Int = 1) throws(FaceDescriptorError) {
        guard predictor.landmarkCount == 68 else {
            throw FaceDescriptorError("the landmark model predicts \(predictor.landmarkCount) points; use a 68-point (iBUG) model")
        }
        self.detector = detector
        self.predictor = predictor
        self.upsample = upsample
    }

    /// The landmarks of the largest detected face of an RGB or RGBA image, or nil when none is found.
    /// - Throws: `DlibFileError` when the image layout does not fit the detector.
    public func landmarks(in image: Image8) throws(DlibFileError) -> [SIMD2<Double>]? {
        let detections = try detector.detect(rgb: image.samples, width: image.width, height: image.height, channels: image.channels, upsample: upsample)
        guard let largest = detections.max(by: { $0.rectangle.area < $1.rectangle.area }) else { return nil }
        return predictor.landmarks(in: GreyImage(converting: image, conversion: .dlibMean), box: FaceBoxCalibration.cnnToDlib.apply(largest.rectangle))
    }
}
