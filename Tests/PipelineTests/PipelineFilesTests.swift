import AvatarFlow
import AvatarFlowStages
import Foundation
import Testing

/// Every pipeline file shipped in Pipelines/ and examples/ validates against the production catalogue;
/// the base pipelines in Pipelines/base/ refuse to run on their own.
@Suite struct PipelineFilesTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Pipelines/, its sub-folders except the abstract bases, and examples/.
    static var folders: [String] {
        let pipelines = repository.appendingPathComponent("Pipelines")
        let subfolders = ((try? FileManager.default.contentsOfDirectory(atPath: pipelines.path)) ?? []).sorted().filter { name in
            var isDirectory: ObjCBool = false
            return name != "base" && FileManager.default.fileExists(atPath: pipelines.appendingPathComponent(name).path, isDirectory: &isDirectory)
                && isDirectory.boolValue
        }
        return ["Pipelines"] + subfolders.map { "Pipelines/\($0)" } + ["examples"]
    }

    static var files: [URL] {
        folders.flatMap { folder -> [URL] in
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
        #expect(Self.files.contains { $0.path.hasSuffix("Pipelines/monocular/gaussian-avatars.yaml") })
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
