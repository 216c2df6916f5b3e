import AvatarFlow

/// The face detection and landmark stage family (Haar cascade boxes, dlib regression-tree landmarks).
public enum FaceLandmarksStages {
    /// Every stage of the family, for the catalogue.
    public static let all: [any Stage.Type] = [FaceDetectHaarStage.self, FaceDetectCNNStage.self, FaceLandmarksERT68Stage.self]
}
