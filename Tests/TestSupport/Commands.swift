import Foundation

/// A command-line tool a test ran exited with a non-zero status.
public struct CommandFailure: Error, CustomStringConvertible {
    /// The command, its exit status and the end of its standard error.
    public let description: String

    /// A failure with the given message.
    public init(description: String) { self.description = description }
}

/// Runs a command-line tool and returns its standard output; throws `CommandFailure` (with the
/// last 2000 bytes of standard error) on a non-zero exit.
///
/// - Parameters:
///   - executable: a path (contains "/"), or a program name looked up on PATH through /usr/bin/env.
///   - environment: variables added to (or replacing those of) the test process's environment.
@discardableResult
public func runCommand(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws -> String {
    let process = Process()
    if executable.contains("/") {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
    } else {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [executable] + arguments
    }
    if let environment { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
    let output = Pipe(), errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    let outputData = output.fileHandleForReading.readDataToEndOfFile()
    let errorData = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw CommandFailure(
            description: "\(executable) \(arguments.prefix(8).joined(separator: " ")) failed (\(process.terminationStatus)): "
                + String(decoding: errorData.suffix(2000), as: UTF8.self))
    }
    return String(decoding: outputData, as: UTF8.self)
}

/// Runs the ffmpeg CLI quietly (`-hide_banner -loglevel error -y`, then `arguments`).
public func ffmpeg(_ arguments: [String]) throws {
    try runCommand("ffmpeg", ["-hide_banner", "-loglevel", "error", "-y"] + arguments)
}

/// Installs a Debian package with apt-get (non-interactive) when `probe`, a file it provides,
/// does not exist yet; throws when the file is still missing afterwards.
public func ensureDebianPackage(_ package: String, probe: String) throws {
    if FileManager.default.fileExists(atPath: probe) { return }
    print("installing Debian package \(package) for the tests")
    try runCommand("/usr/bin/env", ["apt-get", "install", "-y", package], environment: ["DEBIAN_FRONTEND": "noninteractive"])
    guard FileManager.default.fileExists(atPath: probe) else {
        throw CommandFailure(description: "\(package) installed but \(probe) is still missing")
    }
}

/// An executable product built next to the running test bundle (`.build/<config>/<name>`), e.g.
/// the engine testbed the CLI tests launch as a child process.
/// - Throws: `CommandFailure` naming where it looked and the build command that makes it.
public func builtExecutable(_ name: String) throws -> URL {
    let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    var directory = exe.deletingLastPathComponent()
    for _ in 0..<4 {
        let candidate = directory.appendingPathComponent(name)
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        directory = directory.deletingLastPathComponent()
    }
    throw CommandFailure(description: "\(name) not found next to \(exe.path); build with `swift build --build-tests`")
}
