import Foundation

/// A versioned JSON manifest that names an artifact directory's kind (`avatar.json`,
/// `guidance.json`): written pretty-printed with sorted keys, read back with checks of the format
/// tag and version, and errors that name the file and the stage to re-run.
public protocol ArtifactManifest: Codable {
    /// File name inside the artifact directory.
    static var fileName: String { get }
    /// The expected `format` value.
    static var formatTag: String { get }
    /// What the manifest describes, for messages (e.g. "avatar").
    static var subject: String { get }
    /// The artifact type name, for messages (e.g. "AvatarModel").
    static var artifactName: String { get }
    /// The stage that writes it, for messages (e.g. "the training stage").
    static var producer: String { get }
    /// The format tag stored in the file.
    var format: String { get }
    /// The format version stored in the file (1).
    var version: Int { get }
}

extension ArtifactManifest {
    /// Writes the manifest into `directory` (atomically).
    public func write(to directory: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: directory.appendingPathComponent(Self.fileName), options: .atomic)
    }

    /// Reads and checks the manifest of the artifact in `directory`.
    /// - Throws: `AvatarError` naming the file when it is missing, unreadable or of another format or version.
    public static func read(from directory: URL) throws -> Self {
        let url = directory.appendingPathComponent(fileName)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw AvatarError("\(url.path): \(fileName) is missing; the directory holds no \(artifactName) artifact (re-run \(producer))")
        }
        let manifest: Self
        do {
            manifest = try JSONDecoder().decode(Self.self, from: data)
        } catch {
            throw AvatarError("\(url.path): cannot parse the \(subject) manifest (\(error)); re-run \(producer)")
        }
        guard manifest.format == formatTag, manifest.version == 1 else {
            throw AvatarError(
                "\(url.path): not an AvatarFlow \(subject) v1 manifest (format \(manifest.format), version \(manifest.version)); re-run \(producer)")
        }
        return manifest
    }
}
