import AvatarFlow
import AvatarFlowStages
import Foundation
import Testing

/// Every pipeline file shipped in Pipelines/ and examples/ validates against the production catalogue;
/// the base pipelines in Pipelines/base/ refuse to run on their own.
@Suite struct PipelineFilesTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var files: [URL] {
        ["Pipelines", "examples"].flatMap { folder -> [URL] in
            let directory = repository.appendingPathComponent(folder)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
            return names.filter { $0.hasSuffix(".yaml") }.sorted().map { directory.appendingPathComponent($0) }
        }
    }

    static var baseFiles: [URL] {
        let directory = repository.appendingPathComponent("Pipelines/base")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".yaml") }.sorted().map { directory.appendingPathComponent($0) }
    }

    @Test(arguments: PipelineFilesTests.baseFiles)
    func aBasePipelineRunDirectlyIsRefusedWithAHint(_ file: URL) throws {
        let error = try #require(throws: PipelineValidationError.self) { try PipelineLoader().load(file) }
        let diagnostic = try #require(error.diagnostics.first)
        #expect(diagnostic.message.contains("is a base pipeline, not one to run"))
        #expect(diagnostic.hint?.contains("extends: \(file.lastPathComponent)") == true)
    }

    @Test func methodPipelinesExtendASharedBase() throws {
        for name in ["gaussian-avatars.yaml", "gaussian-head-avatar.yaml"] {
            let text = try String(contentsOf: Self.repository.appendingPathComponent("Pipelines/\(name)"), encoding: .utf8)
            #expect(text.contains("extends: base/"), "\(name) should extend a base in Pipelines/base/")
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
