import AvatarFlow
import AvatarFlowCLI
import SyntheticCapture
import VideoIO

await AvatarFlowCLI.main(registry: StageRegistry(ProductionStages.all))
