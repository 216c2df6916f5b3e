import Foundation

/// A path under the system temporary directory that no other test uses:
/// `<tmp>/<prefix>-<UUID><suffix>`. Nothing is created; the caller creates and removes it.
public func uniqueTemporaryURL(_ prefix: String, suffix: String = "") -> URL {
    FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)\(suffix)")
}

/// A unique temporary directory, created on init and removed with its contents when the value
/// is released (keep it alive for as long as the test reads its files).
public final class TemporaryDirectory {
    /// The directory.
    public let url: URL

    /// Creates `<tmp>/<prefix>-<UUID>`.
    public init(prefix: String = "avatarflow-test") throws {
        url = uniqueTemporaryURL(prefix)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// `name` inside the directory (not created).
    public func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    /// Removes the directory now rather than on release.
    public func remove() { try? FileManager.default.removeItem(at: url) }

    deinit { try? FileManager.default.removeItem(at: url) }
}

/// A uniquely named temporary file holding given bytes, removed when the value is released.
public final class TemporaryFile {
    /// The file.
    public let url: URL

    /// Writes `bytes` to `<tmp>/<prefix>-<UUID><suffix>`.
    public init(_ bytes: [UInt8], prefix: String = "avatarflow-test", suffix: String) throws {
        url = uniqueTemporaryURL(prefix, suffix: suffix)
        try Data(bytes).write(to: url)
    }

    deinit { try? FileManager.default.removeItem(at: url) }
}
