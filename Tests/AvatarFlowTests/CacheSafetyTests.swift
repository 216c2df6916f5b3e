import Foundation
import TestSupport
import Testing

@testable import AvatarFlow

/// `cache clean` removes only caches nobody uses; leftovers of dead attempts are swept and counted;
/// inputs are fingerprinted by what their links point at; a damaged cached result names its stage.
@Suite struct CacheSafetyTests {
    @Test func cleanRefusesADirectoryThatIsNotACache() throws {
        let directory = try TemporaryDirectory()
        try Data("precious".utf8).write(to: directory.url.appendingPathComponent("thesis.tex"))
        #expect {
            _ = try ArtifactStore.clean(directory.url)
        } throws: { "\($0)".contains("not an AvatarFlow cache") && "\($0)".contains("nothing was removed") }
        #expect(FileManager.default.fileExists(atPath: directory.url.appendingPathComponent("thesis.tex").path))
    }

    @Test func cleanRefusesACacheWithAStrangerInside() throws {
        let directory = try TemporaryDirectory()
        _ = try ArtifactStore(root: directory.url)
        try Data("x".utf8).write(to: directory.url.appendingPathComponent("notes.txt"))
        #expect { _ = try ArtifactStore.clean(directory.url) } throws: { "\($0)".contains("it also holds notes.txt") }
    }

    @Test func cleanRefusesWhileARunHasTheCacheOpen() throws {
        let directory = try TemporaryDirectory()
        let store = try ArtifactStore(root: directory.url)
        #expect { _ = try ArtifactStore.clean(directory.url) } throws: { "\($0)".contains("a run is using this cache") }
        withExtendedLifetime(store) {}
        #expect(FileManager.default.fileExists(atPath: directory.url.appendingPathComponent("objects").path))
    }

    @Test func cleanRemovesAnIdleCache() async throws {
        let workspace = try Workspace()
        try workspace.write("p.yaml", diamondPipeline)
        _ = try await workspace.run("p.yaml")
        let freed = try ArtifactStore.clean(workspace.cache)
        #expect(freed > 0)
        #expect(!FileManager.default.fileExists(atPath: workspace.cache.path))
    }

    @Test func leftoversOfFailedAttemptsAreCountedThenSweptByTheNextRun() async throws {
        let workspace = try Workspace()
        try workspace.write("fail.yaml", "pipeline: failing\nstages:\n  f: {use: test.fail}\n")
        let failed = try await workspace.run("fail.yaml")
        #expect(!failed.succeeded)
        #expect(try ArtifactStore(root: workspace.cache).leftovers().entries == 1)
        try workspace.write("p.yaml", diamondPipeline)
        _ = try await workspace.run("p.yaml")
        #expect(try ArtifactStore(root: workspace.cache).leftovers().entries == 0)
    }

    @Test func aLeftoverWhoseKeyIsBeingComputedIsKept() throws {
        let directory = try TemporaryDirectory()
        let store = try ArtifactStore(root: directory.url)
        let (workspace, _) = try store.prepareWorkspace(key: "abc", ports: ["out"])
        let held = try store.lock(key: "abc")
        #expect(store.sweepLeftovers().entries == 0)
        #expect(FileManager.default.fileExists(atPath: workspace.path))
        withExtendedLifetime(held) {}
    }

    @Test func aLinkedInputFileIsFingerprintedByItsTarget() throws {
        let outside = try TemporaryDirectory(), input = try TemporaryDirectory(), cache = try TemporaryDirectory()
        let target = outside.url.appendingPathComponent("frame.png")
        try Data("first".utf8).write(to: target)
        try FileManager.default.createSymbolicLink(at: input.url.appendingPathComponent("frame.png"), withDestinationURL: target)
        let store = try ArtifactStore(root: cache.url)
        let before = try store.digestOfExternalInput(input.url)
        try Data("second, longer".utf8).write(to: target)
        #expect(try store.digestOfExternalInput(input.url) != before, "a changed link target is a changed input")
        #expect(try ArtifactDigest.files(under: input.url).map(\.0) == ["frame.png"])
    }

    @Test func aDamagedCachedResultNamesTheStageToRunAgain() async throws {
        let workspace = try Workspace()
        try workspace.write("p.yaml", diamondPipeline)
        let first = try await workspace.run("p.yaml")
        let store = try ArtifactStore(root: workspace.cache)
        let two = try #require(first.outcomes["two"]?.record)
        try Data("garbage".utf8).write(to: store.outputDirectory(key: two.cacheKey, port: "number").appendingPathComponent("value.txt"))
        let second = try await workspace.run("p.yaml", overrides: ["sum.offset=1"])
        guard case .failed(let message)? = second.outcomes["sum"] else {
            Issue.record("sum did not fail: \(second.outcomes)")
            return
        }
        #expect(message.contains("cached output of stage 'two'; if it is damaged (changed by hand), re-run that stage with `--from two`"))
    }
}
