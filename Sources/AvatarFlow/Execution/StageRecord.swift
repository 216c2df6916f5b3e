/// What the cache stores about one committed artifact (one output port): `artifact.json`.
public struct ArtifactManifest: Sendable, Codable, Equatable {
    /// The artifact type name.
    public var type: String
    /// Content digest (hex SHA-256, see `ArtifactDigest`).
    public var digest: String
    /// Number of files.
    public var fileCount: Int
    /// Total size in bytes.
    public var byteCount: Int
}

/// What the cache stores about one committed stage execution: `stage.json`.
///
/// Also written per run as `runs/<run>/stages/<name>/manifest.json` and kept per pipeline stage
/// as the "last result" that `avatarflow explain` compares against.
public struct StageRecord: Sendable, Codable, Equatable {
    /// The stage id.
    public var stageID: String
    /// The stage version.
    public var version: Int
    /// The cache key (hex SHA-256 of the key material).
    public var cacheKey: String
    /// The resolved parameters.
    public var parameters: ConfigValue
    /// Input port → digest of the artifact it read.
    public var inputs: [String: String]
    /// Output port → manifest of the artifact it wrote.
    public var outputs: [String: ArtifactManifest]
    /// Wall time of the execution in seconds.
    public var durationSeconds: Double
    /// Peak resident memory of the whole avatarflow process when the stage ended (bytes).
    /// Stages share one process, so with `--jobs > 1` this bounds, not isolates, the stage's use.
    public var peakMemoryBytes: Int
    /// Seconds since 1970 when it was committed.
    public var committedAt: Double
}

/// The cache key of a stage execution: SHA-256 of the canonical JSON of
/// `{stage id, version, resolved parameters, input digests by port}`.
public struct CacheKey: Sendable, Equatable {
    /// The key material, canonical JSON.
    public var material: String
    /// The hex SHA-256 of `material`.
    public var value: String

    /// Computes the key.
    public init(stageID: String, version: Int, parameters: ConfigValue, inputDigests: [String: String]) {
        let object: ConfigValue = .object([
            "stage": .string(stageID),
            "version": .int(version),
            "parameters": parameters,
            "inputs": .object(inputDigests.mapValues(ConfigValue.string)),
        ])
        material = object.canonicalJSON
        value = ArtifactDigest.of(text: material)
    }
}
