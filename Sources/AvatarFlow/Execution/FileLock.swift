import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An advisory lock on a file (flock). The kernel releases it when the process dies, even by
/// SIGKILL, so a killed run never leaves the cache locked. Immutable once taken.
final class FileLock: @unchecked Sendable {
    private let descriptor: Int32

    /// Opens (creating) `url` and blocks until the lock is held: exclusive, or `shared` (many
    /// holders at once, none while an exclusive one is held).
    init(_ url: URL, shared: Bool = false) throws {
        descriptor = open(url.path, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw ArtifactStoreError(
                path: url.path, message: "cannot open lock file: \(String(cString: strerror(errno)))",
                fix: "check that the cache directory is writable")
        }
        while flock(descriptor, shared ? LOCK_SH : LOCK_EX) != 0 {
            if errno == EINTR { continue }
            let message = String(cString: strerror(errno))
            close(descriptor)
            throw ArtifactStoreError(
                path: url.path, message: "cannot lock: \(message)",
                fix: "put the cache on a local file system that supports flock")
        }
    }

    private init(descriptor: Int32) { self.descriptor = descriptor }

    /// The exclusive lock on `url` when nobody holds it now; nil when someone does (or the file
    /// cannot be opened). Never waits.
    static func attempt(_ url: URL) -> FileLock? {
        let descriptor = open(url.path, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { return nil }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            return nil
        }
        return FileLock(descriptor: descriptor)
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
