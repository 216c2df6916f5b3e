import AvatarFlow
import AvatarFlowCLI
import EngineTestStages

// The avatarflow CLI with the engine's test stages, so tests can run it as a child process
// (and kill it mid-stage).
await AvatarFlowCLI.main(registry: StageRegistry(EngineTestStages.all))
