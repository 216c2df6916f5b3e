import AvatarFlow
import Evaluation
import FaceTracking
import Matting
import Rendering
import RiggedGaussians
import VideoIO

/// Every production stage family the `avatarflow` binary offers.
enum ProductionStages {
    /// The stages registered in the catalogue.
    static let all: [any Stage.Type] = VideoIOStages.all + MattingStages.all + FaceTrackingStages.all
        + RiggedGaussiansStages.all + RenderingStages.all + EvaluationStages.all
}
