import AvatarFlow
import DynamicGaussians
import Evaluation
import FaceLandmarks
import FaceTracking
import Matting
import MeshGuidance
import Rendering
import RiggedGaussians
import SuperResolution
import SyntheticCapture
import VideoIO

/// Every production stage family: the catalogue the `avatarflow` binary and the end-to-end tests use.
public enum ProductionStages {
    /// The stages registered in the catalogue.
    public static let all: [any Stage.Type] =
        SyntheticCaptureStages.all + VideoIOStages.all + MattingStages.all
        + FaceLandmarksStages.all + FaceTrackingStages.all + RiggedGaussiansStages.all + DynamicGaussiansStages.all + RenderingStages.all + EvaluationStages.all
        + MeshGuidanceStages.all + SuperResolutionStages.all
}
