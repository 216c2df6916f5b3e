import AvatarFlow
import AvatarFlowStages
import Foundation
import Testing

/// Every pipeline file shipped in Pipelines/ and examples/ validates against the production catalogue.
@Suite struct PipelineFilesTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var files: [URL] {
        ["Pipelines", "examples"].flatMap { folder -> [URL] in
            let directory = repository.appendingPathComponent(folder)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
            return names.filter { $0.hasSuffix(".yaml") }.sorted().map { directory.appendingPathComponent($0) }
        }
    }

    @Test func thereArePipelineFiles() {
        #expect(Self.files.contains { $0.lastPathComponent == "quickstart.yaml" })
    }

    @Test(arguments: PipelineFilesTests.files)
    func pipelineFileValidates(_ file: URL) throws {
        let registry = StageRegistry(ProductionStages.all)
        let base = try PipelineLoader().load(file)
        for point in Matrix.points(of: base.matrix) {
            let spec = try PipelineLoader(overrides: point.overrides).load(file)
            _ = try PipelineValidator(registry: registry, requireInputPaths: false).plan(spec)
        }
    }
}
