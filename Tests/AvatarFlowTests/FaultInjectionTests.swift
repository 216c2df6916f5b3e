import Foundation
import TestSupport
import Testing

@testable import AvatarFlow

#if canImport(Glibc)
    import Glibc
#endif

/// A pipeline with a checkpointing stage between cheap ones, deterministic end to end.
let faultPipeline = """
    pipeline: faults
    stages:
      seed: {use: test.emit, with: {value: 5}}
      count: {use: test.checkpointed, in: {number: seed.number}, with: {steps: 30, seconds_per_step: 0.02}}
      slow: {use: test.slow, in: {number: count.number}, with: {seconds: 0.2}}
      sum: {use: test.add, in: {a: slow.number, b: seed.number}}
    outputs: {total: sum.sum, counted: count.number}
    """

/// Kills, full disks and read-only caches: after each, a re-run reuses only committed results,
/// resumes the checkpointed stage, and ends with the outputs of an uninterrupted run.
@Suite(.serialized) struct FaultInjectionTests {
    let cli = ProcessTests()

    /// The outputs' `value.txt` files of the newest run in `workspace` (resumed.txt, which says
    /// where a stage resumed, is left out: it differs by design).
    func outputValues(_ runs: URL) throws -> [String: String] {
        let newest = try #require(try FileManager.default.contentsOfDirectory(atPath: runs.path).sorted().last)
        var values: [String: String] = [:]
        for output in ["total", "counted"] {
            values[output] = try String(contentsOf: runs.appendingPathComponent("\(newest)/outputs/\(output)/value.txt"), encoding: .utf8)
        }
        return values
    }

    /// Every committed object in the cache still has the digest its record states.
    func everyCommittedObjectVerifies(_ cache: URL) throws -> Bool {
        let store = try ArtifactStore(root: cache)
        let keys = (try? FileManager.default.contentsOfDirectory(atPath: cache.appendingPathComponent("objects").path)) ?? []
        for key in keys {
            guard let record = store.record(for: key) else { return false }
            for (port, manifest) in record.outputs where try ArtifactDigest.of(directory: store.outputDirectory(key: key, port: port)) != manifest.digest {
                return false
            }
        }
        return true
    }

    func uninterruptedOutputs() throws -> [String: String] {
        let reference = try Workspace()
        try reference.write("p.yaml", faultPipeline)
        let result = try cli.runToEnd(reference, ["run", "p.yaml", "--runs", reference.runs.path])
        #expect(result.status == 0, "\(result.error)")
        return try outputValues(reference.runs)
    }

    @Test func killedAtRandomMomentsARunEndsAsIfUninterrupted() throws {
        let expected = try uninterruptedOutputs()
        let workspace = try Workspace()
        try workspace.write("p.yaml", faultPipeline)
        var random = SplitMix64(seed: 2026)
        var moments: [Double] = []
        for attempt in 0..<8 {
            let process = try cli.launch(workspace, ["run", "p.yaml", "--runs", workspace.runs.path], name: "attempt\(attempt)")
            let moment = 0.05 + Double(random.next() % 1000) / 1000 * 0.9
            moments.append(moment)
            Thread.sleep(forTimeInterval: moment)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            #expect(try everyCommittedObjectVerifies(workspace.cache), "after a kill at \(moment) s")
        }
        let final = try cli.runToEnd(workspace, ["run", "p.yaml", "--runs", workspace.runs.path])
        #expect(final.status == 0, "\(final.error)")
        #expect(try outputValues(workspace.runs) == expected, "kills at \(moments)")
        #expect(try everyCommittedObjectVerifies(workspace.cache))
        let store = try ArtifactStore(root: workspace.cache)
        #expect(store.leftovers().entries == 0, "dead attempts' workspaces were swept")
        let count = try #require(store.lastRecord(pipeline: "faults", stage: "count"))
        let resumed = try String(contentsOf: store.outputDirectory(key: count.cacheKey, port: "number").appendingPathComponent("resumed.txt"), encoding: .utf8)
        #expect((Int(resumed.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0) > 0, "the counting resumed from a checkpoint (kills at \(moments))")
    }

    /// Mounts a tmpfs of `size` at `url` (root only), returning a closure that unmounts it.
    func mountScratch(_ url: URL, size: String) throws -> () -> Void {
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        try runCommand("mount", ["-t", "tmpfs", "-o", "size=\(size)", "tmpfs", url.path])
        return { _ = try? runCommand("umount", ["-l", url.path]) }
    }

    @Test(.enabled(if: getuid() == 0, "mounts a small tmpfs"))
    func aFullDiskFailsClearlyAndTheRunCompletesOnceThereIsRoom() throws {
        let expected = try uninterruptedOutputs()
        let workspace = try Workspace()
        try workspace.write("p.yaml", faultPipeline)
        let cache = workspace.root.appendingPathComponent("small-disk")
        let unmount = try mountScratch(cache, size: "48k")
        defer { unmount() }
        let full = try cli.runToEnd(workspace, ["run", "p.yaml", "--runs", workspace.runs.path, "--cache", cache.path])
        #expect(full.status != 0)
        #expect(full.error.contains("No space left on device"), "\(full.error)")
        #expect(try everyCommittedObjectVerifies(cache))
        try runCommand("mount", ["-o", "remount,size=16m", cache.path])
        let roomy = try cli.runToEnd(workspace, ["run", "p.yaml", "--runs", workspace.runs.path, "--cache", cache.path])
        #expect(roomy.status == 0, "\(roomy.error)")
        #expect(try outputValues(workspace.runs) == expected)
    }

    @Test(.enabled(if: getuid() == 0, "remounts a tmpfs read-only"))
    func aReadOnlyCacheFailsClearlyAndKeepsWhatWasComputed() throws {
        let workspace = try Workspace()
        try workspace.write("p.yaml", faultPipeline)
        let cache = workspace.root.appendingPathComponent("cache-fs")
        let unmount = try mountScratch(cache, size: "16m")
        defer { unmount() }
        let first = try cli.runToEnd(workspace, ["run", "p.yaml", "--runs", workspace.runs.path, "--cache", cache.path])
        #expect(first.status == 0, "\(first.error)")
        try runCommand("mount", ["-o", "remount,ro", cache.path])
        let readOnly = try cli.runToEnd(workspace, ["run", "p.yaml", "--runs", workspace.runs.path, "--cache", cache.path, "--set", "sum.offset=1"])
        #expect(readOnly.status != 0)
        #expect(readOnly.error.contains("Read-only file system") || readOnly.error.contains("read-only"), "\(readOnly.error)")
        try runCommand("mount", ["-o", "remount,rw", cache.path])
        let events = workspace.root.appendingPathComponent("events.jsonl")
        let again = try cli.runToEnd(
            workspace, ["run", "p.yaml", "--runs", workspace.runs.path, "--cache", cache.path, "--set", "sum.offset=1", "--events", events.path])
        #expect(again.status == 0, "\(again.error)")
        let cached = Set(cli.events(events).filter { $0.kind == .cached }.compactMap(\.stage))
        #expect(cached == ["seed", "count", "slow"], "what was computed before the cache went read-only is reused")
    }
}

extension FaultInjectionTests {
    @Test(.enabled(if: getuid() == 0, "remounts a tmpfs read-only"))
    func cleaningAReadOnlyCacheFailsAndSaysSo() throws {
        let workspace = try Workspace()
        try workspace.write("p.yaml", diamondPipeline)
        let cache = workspace.root.appendingPathComponent("cache-fs")
        let unmount = try mountScratch(cache, size: "4m")
        defer { unmount() }
        #expect(try cli.runToEnd(workspace, ["run", "p.yaml", "--cache", cache.path]).status == 0)
        try runCommand("mount", ["-o", "remount,ro", cache.path])
        let clean = try cli.runToEnd(workspace, ["cache", "clean", "--cache", cache.path])
        #expect(clean.status == 1)
        #expect(clean.error.contains("the cache is not writable (Read-only file system); nothing was removed"), "\(clean.error)")
    }
}

/// A small seeded generator (SplitMix64), so the kill moments are the same on every run.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
