import AvatarFlow
import FaceTracking
import Matting

/// Every production stage family the `avatarflow` binary offers.
enum ProductionStages {
    /// The stages registered in the catalogue.
    static let all: [any Stage.Type] = MattingStages.all + FaceTrackingStages.all
}
