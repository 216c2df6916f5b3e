import AvatarFlow
import FaceTracking
import Matting
import VideoIO

/// Every production stage family the `avatarflow` binary offers.
enum ProductionStages {
    /// The stages registered in the catalogue.
    static let all: [any Stage.Type] = VideoIOStages.all + MattingStages.all + FaceTrackingStages.all
}
