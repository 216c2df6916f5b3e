import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An exclusive advisory lock on a file (flock). The kernel releases it when the process dies,
/// even by SIGKILL, so a killed run never leaves the cache locked.
final class FileLock {
    private let descriptor: Int32

    /// Opens (creating) `url` and blocks until the exclusive lock is held.
    init(_ url: URL) throws {
        descriptor = open(url.path, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw ArtifactStoreError(
                path: url.path, message: "cannot open lock file: \(String(cString: strerror(errno)))",
                fix: "check that the cache directory is writable")
        }
        while flock(descriptor, LOCK_EX) != 0 {
            if errno == EINTR { continue }
            let message = String(cString: strerror(errno))
            close(descriptor)
            throw ArtifactStoreError(
                path: url.path, message: "cannot lock: \(message)",
                fix: "put the cache on a local file system that supports flock")
        }
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
