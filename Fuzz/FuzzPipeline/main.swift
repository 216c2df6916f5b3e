import AvatarFlow
import EngineTestStages
import Foundation
import FuzzSupport

/// The registry the validator checks stages against: the engine's test stages (small, with
/// parameters of every kind), so the fuzz build does not need the production stage modules.
let registry = StageRegistry(EngineTestStages.all)

/// The fuzz target: a pipeline YAML file (a directory container, see `FuzzScratch.directory`, so
/// `extends:` can name further files) through `PipelineLoader`, `PipelineValidator` and, when the
/// sweep has at most 256 points, `Matrix.points`.
func fuzzPipeline(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    let directory = FuzzScratch.directory(bytes, defaultName: "pipeline.yaml")
    guard let spec = try? PipelineLoader().load(directory.appendingPathComponent("pipeline.yaml")) else { return 0 }
    _ = try? PipelineValidator(registry: registry, requireInputPaths: false).plan(spec)
    var points = 1
    for axis in spec.matrix {
        points = points.multipliedReportingOverflow(by: axis.values.count).partialValue
        if points > 256 || points < 0 { return 0 }
    }
    _ = Matrix.points(of: spec.matrix)
    return 0
}

runFuzzer(fuzzPipeline)
