import AvatarFlow
import AvatarFlowCLI
import AvatarFlowStages

await AvatarFlowCLI.main(registry: StageRegistry(ProductionStages.all), host: ProductionHost.services)
