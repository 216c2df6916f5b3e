import Foundation

/// The content-addressed cache of stage outputs.
///
/// Layout under `root`:
/// - `objects/<key>/stage.json` and `objects/<key>/outputs/<port>/…` — committed results, immutable;
/// - `tmp/<key>.<uuid>/` — a stage being computed (never read as a result);
/// - `locks/<key>.lock` — held (flock) while a key is computed, so two runs never compute or
///   commit the same key at once; the kernel drops it if the process is killed;
/// - `checkpoints/<key>/` — a long stage's own checkpoints, kept across killed runs;
/// - `index/<pipeline>/<stage>.json` — the last committed record per pipeline stage, for `explain`;
/// - `inputs/<fingerprint>` — digests of external input directories keyed by a stat fingerprint;
/// - `locks/cache.lock` — held shared by every open store (every run), exclusive by `clean`, so
///   the cache is never removed under a run.
///
/// Commit is atomic: outputs are written into `tmp/`, fsynced, digested, then renamed into
/// `objects/`. A crash at any moment leaves either no object or a complete one.
public final class ArtifactStore: Sendable {
    /// Name of the per-artifact manifest file inside each output directory.
    public static let manifestName = "artifact.json"

    /// The cache directory.
    public let root: URL
    /// The shared hold on `locks/cache.lock` while this store is open.
    private let usage: FileLock

    /// The entries of a cache directory.
    static let layout = ["objects", "tmp", "locks", "checkpoints", "index", "inputs"]

    /// Opens (creating) a cache at `root`, and holds it open (shared) until the store is released.
    public init(root: URL) throws {
        self.root = root.standardizedFileURL
        for sub in Self.layout {
            do {
                try FileManager.default.createDirectory(at: self.root.appendingPathComponent(sub), withIntermediateDirectories: true)
            } catch {
                throw ArtifactStoreError(
                    path: self.root.path, message: "cannot create the cache directory: \(error.localizedDescription)",
                    fix: "choose a writable location with --cache DIR")
            }
        }
        usage = try FileLock(self.root.appendingPathComponent("locks").appendingPathComponent(Self.usageLockName), shared: true)
    }

    static let usageLockName = "cache.lock"

    private var objects: URL { root.appendingPathComponent("objects") }

    /// The committed record for `key`, or nil when the key has never been committed.
    public func record(for key: String) -> StageRecord? {
        let url = objects.appendingPathComponent(key).appendingPathComponent("stage.json")
        guard let data = FileManager.default.contents(atPath: url.path) else { return nil }
        return try? JSONDecoder().decode(StageRecord.self, from: data)
    }

    /// The committed output directory of `port` for `key`.
    public func outputDirectory(key: String, port: String) -> URL {
        objects.appendingPathComponent(key).appendingPathComponent("outputs").appendingPathComponent(port)
    }

    /// Blocks until this process holds the computation lock for `key`.
    func lock(key: String) throws -> FileLock {
        try FileLock(root.appendingPathComponent("locks").appendingPathComponent(key + ".lock"))
    }

    /// The checkpoint directory for `key` (created).
    public func checkpointDirectory(key: String) throws -> URL {
        let url = root.appendingPathComponent("checkpoints").appendingPathComponent(key)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A fresh temporary workspace for `key` with one empty directory per output port.
    /// Call with the key's lock held: it also removes leftovers of killed earlier attempts.
    func prepareWorkspace(key: String, ports: [String]) throws -> (workspace: URL, outputs: [String: URL]) {
        let tmp = root.appendingPathComponent("tmp")
        for leftover in (try? FileManager.default.contentsOfDirectory(atPath: tmp.path)) ?? [] where leftover.hasPrefix(key + ".") {
            try? FileManager.default.removeItem(at: tmp.appendingPathComponent(leftover))
        }
        let workspace = tmp.appendingPathComponent("\(key).\(UUID().uuidString)")
        var outputs: [String: URL] = [:]
        for port in ports {
            let directory = workspace.appendingPathComponent("outputs").appendingPathComponent(port)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            outputs[port] = directory
        }
        return (workspace, outputs)
    }

    /// Digests the outputs, writes the manifests, fsyncs and renames the workspace into place.
    /// Returns the committed record. With the key's lock held.
    func commit(
        workspace: URL, key: String, stageID: String, version: Int, parameters: ConfigValue,
        inputs: [String: String], outputTypes: [String: ArtifactType], duration: Double
    ) throws -> StageRecord {
        var outputs: [String: ArtifactManifest] = [:]
        for (port, type) in outputTypes {
            let directory = workspace.appendingPathComponent("outputs").appendingPathComponent(port)
            let files = try ArtifactDigest.files(under: directory)
            let bytes = try files.reduce(0) { $0 + ((try FileManager.default.attributesOfItem(atPath: $1.1.path)[.size] as? Int) ?? 0) }
            let manifest = ArtifactManifest(
                type: type.name, digest: try ArtifactDigest.of(directory: directory),
                fileCount: files.count, byteCount: bytes)
            try Self.writeJSON(manifest, to: directory.appendingPathComponent(Self.manifestName))
            outputs[port] = manifest
        }
        let record = StageRecord(
            stageID: stageID, version: version, cacheKey: key, parameters: parameters, inputs: inputs,
            outputs: outputs, durationSeconds: duration, peakMemoryBytes: ResourceUsage.peakResidentBytes(),
            committedAt: Date().timeIntervalSince1970)
        try Self.writeJSON(record, to: workspace.appendingPathComponent("stage.json"))
        try Durability.syncTree(workspace)
        let destination = objects.appendingPathComponent(key)
        if FileManager.default.fileExists(atPath: destination.path) {
            try? FileManager.default.removeItem(at: workspace)
            return self.record(for: key) ?? record
        }
        guard rename(workspace.path, destination.path) == 0 else {
            throw ArtifactStoreError(
                path: destination.path, message: "cannot commit: \(String(cString: strerror(errno)))",
                fix: "check free space and permissions of the cache directory")
        }
        Durability.syncDirectory(objects)
        try? FileManager.default.removeItem(at: root.appendingPathComponent("checkpoints").appendingPathComponent(key))
        return record
    }

    /// Removes the committed result of `key` (for `--force`): renamed aside first, so readers
    /// never see a half-deleted object. With the key's lock held.
    func evict(key: String) throws {
        let object = objects.appendingPathComponent(key)
        guard FileManager.default.fileExists(atPath: object.path) else { return }
        let aside = root.appendingPathComponent("tmp").appendingPathComponent("\(key).evicted-\(UUID().uuidString)")
        guard rename(object.path, aside.path) == 0 else {
            throw ArtifactStoreError(
                path: object.path, message: "cannot remove the old result: \(String(cString: strerror(errno)))",
                fix: "check permissions of the cache directory")
        }
        try? FileManager.default.removeItem(at: aside)
    }

    /// Remembers `record` as the latest result of `stage` in `pipeline` (for `explain`).
    func remember(_ record: StageRecord, pipeline: String, stage: String) {
        // The index is a convenience; names that are not safe file names are simply not indexed.
        guard PathComponent.problem(pipeline) == nil, PathComponent.problem(stage) == nil else { return }
        let directory = root.appendingPathComponent("index").appendingPathComponent(pipeline)
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let final = directory.appendingPathComponent(stage + ".json")
        let temporary = directory.appendingPathComponent(".\(stage).\(UUID().uuidString)")
        guard (try? Self.writeJSON(record, to: temporary)) != nil else { return }
        if rename(temporary.path, final.path) != 0 { try? FileManager.default.removeItem(at: temporary) }
    }

    /// The latest result of `stage` in `pipeline`, if any.
    public func lastRecord(pipeline: String, stage: String) -> StageRecord? {
        guard PathComponent.problem(pipeline) == nil, PathComponent.problem(stage) == nil else { return nil }
        let url = root.appendingPathComponent("index").appendingPathComponent(pipeline).appendingPathComponent(stage + ".json")
        guard let data = FileManager.default.contents(atPath: url.path) else { return nil }
        return try? JSONDecoder().decode(StageRecord.self, from: data)
    }

    /// The digest of an external input directory; contents are hashed only when its paths,
    /// sizes or modification times changed since the last time.
    public func digestOfExternalInput(_ url: URL) throws -> String {
        let fingerprint = try ArtifactDigest.statFingerprint(of: url)
        let stored = root.appendingPathComponent("inputs").appendingPathComponent(fingerprint)
        if let data = FileManager.default.contents(atPath: stored.path), let digest = String(data: data, encoding: .utf8) {
            return digest
        }
        let digest = try ArtifactDigest.of(directory: url)
        let temporary = stored.deletingLastPathComponent().appendingPathComponent(".\(fingerprint).\(UUID().uuidString)")
        try Data(digest.utf8).write(to: temporary)
        if rename(temporary.path, stored.path) != 0 { try? FileManager.default.removeItem(at: temporary) }
        return digest
    }

    /// Removes what killed or failed attempts left in `tmp/` (`<key>.<uuid>` workspaces, evicted
    /// objects): an entry goes only when its key's lock can be taken at once, i.e. no process is
    /// computing that key now. Returns how many entries and bytes went.
    @discardableResult
    public func sweepLeftovers() -> (entries: Int, bytes: Int) {
        var removed = (entries: 0, bytes: 0)
        for (entry, key, bytes) in leftoverEntries() {
            guard let lock = FileLock.attempt(root.appendingPathComponent("locks").appendingPathComponent(key + ".lock")) else { continue }
            if (try? FileManager.default.removeItem(at: root.appendingPathComponent("tmp").appendingPathComponent(entry))) != nil {
                removed.entries += 1
                removed.bytes += bytes
            }
            withExtendedLifetime(lock) {}
        }
        return removed
    }

    /// Entries of `tmp/` with their key and size in bytes.
    func leftoverEntries() -> [(entry: String, key: String, bytes: Int)] {
        let tmp = root.appendingPathComponent("tmp")
        return ((try? FileManager.default.contentsOfDirectory(atPath: tmp.path)) ?? []).sorted().map { entry in
            (entry, String(entry.prefix { $0 != "." }), Self.bytes(under: tmp.appendingPathComponent(entry)))
        }
    }

    /// Leftovers in `tmp/`: entries and bytes (`cache info` counts them; the next run sweeps them).
    public func leftovers() -> (entries: Int, bytes: Int) {
        leftoverEntries().reduce((0, 0)) { ($0.0 + 1, $0.1 + $1.bytes) }
    }

    static func bytes(under url: URL) -> Int {
        guard let enumerator = FileManager.default.enumerator(at: url, includingPropertiesForKeys: [.fileSizeKey]) else { return 0 }
        var total = 0
        for case let file as URL in enumerator { total += (try? file.resourceValues(forKeys: [.fileSizeKey]))?.fileSize ?? 0 }
        return total
    }

    /// Deletes the cache at `root`: only a directory laid out as a cache (objects/, locks/ and
    /// nothing but cache entries), and only when no run has it open. Returns the bytes freed.
    /// - Throws: `ArtifactStoreError` naming the directory and why it was left alone, or what could
    ///   not be removed (a read-only mount).
    public static func clean(_ root: URL) throws -> Int {
        let root = root.standardizedFileURL
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: root.path, isDirectory: &isDirectory) else {
            throw ArtifactStoreError(path: root.path, message: "no such cache directory", fix: "pass the cache with --cache DIR (nothing was removed)")
        }
        let entries = (try? manager.contentsOfDirectory(atPath: root.path)) ?? []
        let strangers = entries.filter { !layout.contains($0) }
        guard isDirectory.boolValue, entries.contains("objects"), entries.contains("locks"), strangers.isEmpty else {
            let why = strangers.isEmpty ? "it has no objects/ and locks/" : "it also holds \(strangers.prefix(3).joined(separator: ", "))"
            throw ArtifactStoreError(
                path: root.path, message: "not an AvatarFlow cache (\(why)); nothing was removed",
                fix: "pass the directory `avatarflow run` uses as --cache (default .avatarflow/cache)")
        }
        guard access(root.path, W_OK) == 0, access(root.appendingPathComponent("objects").path, W_OK) == 0 else {
            throw ArtifactStoreError(
                path: root.path, message: "the cache is not writable (\(String(cString: strerror(errno)))); nothing was removed",
                fix: "clean it where it is mounted writable, or as its owner")
        }
        guard let hold = FileLock.attempt(root.appendingPathComponent("locks").appendingPathComponent(usageLockName)) else {
            throw ArtifactStoreError(
                path: root.path, message: "a run is using this cache; nothing was removed",
                fix: "wait for it to finish (or stop it), then clean again")
        }
        let bytes = Self.bytes(under: root)
        var failures: [String] = []
        for entry in entries where entry != "locks" {
            do { try manager.removeItem(at: root.appendingPathComponent(entry)) } catch { failures.append(entry) }
        }
        withExtendedLifetime(hold) {}
        if failures.isEmpty { try? manager.removeItem(at: root) }
        guard failures.isEmpty, !manager.fileExists(atPath: root.appendingPathComponent("objects").path) else {
            throw ArtifactStoreError(
                path: root.path, message: "could not remove \(failures.joined(separator: ", ")) (read-only or permission denied); the cache is partly cleaned",
                fix: "make the directory writable and clean again")
        }
        return bytes
    }

    /// Number of committed results and their total size in bytes.
    public func statistics() -> (entries: Int, bytes: Int) {
        let keys = (try? FileManager.default.contentsOfDirectory(atPath: objects.path)) ?? []
        var bytes = 0
        for key in keys {
            for manifest in record(for: key)?.outputs.values.map({ $0 }) ?? [] { bytes += manifest.byteCount }
        }
        return (keys.count, bytes)
    }

    static func writeJSON(_ value: some Encodable, to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(value).write(to: url)
    }
}

/// A cache operation failed; names the path and what to do.
public struct ArtifactStoreError: Error, CustomStringConvertible {
    /// The file or directory involved.
    public var path: String
    /// What went wrong.
    public var message: String
    /// How to fix it.
    public var fix: String
    /// `path: message (fix)`.
    public var description: String { "\(path): \(message); \(fix)" }
}
