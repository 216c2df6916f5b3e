import Crypto
import Foundation

/// Content digests of artifact directories: SHA-256 over every file's relative path, size and
/// content hash, in sorted path order. Computed once when an artifact is committed and stored in
/// its manifest, never re-hashed on later runs.
public enum ArtifactDigest {
    /// The digest of every regular file under `directory` (hex SHA-256), skipping `artifact.json`.
    public static func of(directory: URL) throws -> String {
        var hasher = SHA256()
        for (relative, url) in try files(under: directory) where relative != ArtifactStore.manifestName {
            let size = try FileManager.default.attributesOfItem(atPath: url.resolvingSymlinksInPath().path)[.size] as? Int ?? 0
            hasher.update(data: Data(relative.utf8))
            hasher.update(data: Data([0]))
            withUnsafeBytes(of: UInt64(size).littleEndian) { hasher.update(bufferPointer: $0) }
            hasher.update(data: Data(try contentHash(of: url).utf8))
        }
        return hex(hasher.finalize())
    }

    /// A cheap fingerprint from paths, sizes and modification times, used to find a stored digest
    /// of an external input directory without reading its contents.
    public static func statFingerprint(of directory: URL) throws -> String {
        var hasher = SHA256()
        for (relative, url) in try files(under: directory) {
            // Symbolic links count by their targets: where they point, the target's size and time,
            // so a changed target is noticed (the link itself never changes).
            let target = url.resolvingSymlinksInPath()
            let attributes = try FileManager.default.attributesOfItem(atPath: target.path)
            let size = attributes[.size] as? Int ?? 0
            let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            let pointsTo = target.path == url.path ? "" : target.path
            hasher.update(data: Data("\(relative)\u{0}\(size)\u{0}\(modified)\u{0}\(pointsTo)\n".utf8))
        }
        hasher.update(data: Data(directory.standardizedFileURL.path.utf8))
        return hex(hasher.finalize())
    }

    /// The hex SHA-256 of a string.
    public static func of(text: String) -> String { hex(SHA256.hash(data: Data(text.utf8))) }

    /// The hex SHA-256 of one file's bytes, read in 1 MiB chunks.
    public static func contentHash(of file: URL) throws -> String {
        let handle = try FileHandle(forReadingFrom: file)
        defer { try? handle.close() }
        var hasher = SHA256()
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { hasher.update(data: chunk) }
        return hex(hasher.finalize())
    }

    /// Regular files under `directory` (or the file itself) as (relative path, URL), sorted by path;
    /// a symbolic link to a regular file counts as that file, under the link's own path.
    static func files(under directory: URL) throws -> [(String, URL)] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory) else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: directory.path])
        }
        if !isDirectory.boolValue { return [(directory.lastPathComponent, directory)] }
        let base = directory.resolvingSymlinksInPath().path
        var result: [(String, URL)] = []
        let enumerator = FileManager.default.enumerator(at: directory.resolvingSymlinksInPath(), includingPropertiesForKeys: [.isRegularFileKey])
        while let url = enumerator?.nextObject() as? URL {
            // Followed through links: a link to a regular file is taken; dangling links, folders,
            // devices and pipes (which would block a read) are not.
            let target = url.resolvingSymlinksInPath()
            guard (try? FileManager.default.attributesOfItem(atPath: target.path))?[.type] as? FileAttributeType == .typeRegular else { continue }
            let path = url.path
            let relative = path.hasPrefix(base + "/") ? String(path.dropFirst(base.count + 1)) : url.lastPathComponent
            result.append((relative, url))
        }
        return result.sorted { $0.0 < $1.0 }
    }

    private static func hex(_ digest: some Sequence<UInt8>) -> String {
        digest.map { String(format: "%02x", $0) }.joined()
    }
}
