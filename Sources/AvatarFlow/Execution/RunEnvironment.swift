import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Where a run ran: the machine, the process's parallelism and the versions of the code and the
/// libraries it used. The runner writes it as `RUN_DIR/environment.json` when the run starts, so a
/// report or a comparison made later (on another machine) still says which CPU and which OpenBLAS
/// kernel a speed figure came from.
public struct RunEnvironment: Codable, Sendable, Equatable {
    /// The CPU model (`model name` in /proc/cpuinfo), or "unknown".
    public var cpuModel: String
    /// Logical CPUs of the machine.
    public var logicalCPUs: Int
    /// CPUs this process may use (affinity, cgroup limits as the runtime reports them).
    public var activeCPUs: Int
    /// Physical memory in bytes.
    public var memoryBytes: UInt64
    /// The system (`uname`: sysname, release, machine).
    public var system: String
    /// The host name.
    public var host: String
    /// Stages executed at once (`--jobs`).
    public var stageJobs: Int
    /// The Swift compiler the binary was built with.
    public var swiftCompiler: String
    /// Environment variables that change thread counts or kernels (`OPENBLAS_*`, `OMP_NUM_THREADS`, `AVATARFLOW_*`).
    public var variables: [String: String]
    /// What the host binary adds: library versions and settings the engine cannot see
    /// (OpenBLAS kernel and threads, FFmpeg versions), by name.
    public var components: [String: String]

    /// The file name in the run directory.
    public static let fileName = "environment.json"

    /// The environment of this process, with `stageJobs` and the host binary's `components`.
    public static func current(stageJobs: Int, components: [String: String] = [:]) -> RunEnvironment {
        let process = ProcessInfo.processInfo
        let prefixes = ["OPENBLAS_", "OMP_NUM_THREADS", "AVATARFLOW_"]
        return RunEnvironment(
            cpuModel: cpuModel(), logicalCPUs: process.processorCount, activeCPUs: process.activeProcessorCount,
            memoryBytes: process.physicalMemory, system: systemName(), host: process.hostName, stageJobs: stageJobs,
            swiftCompiler: compilerVersion,
            variables: process.environment.filter { entry in prefixes.contains { entry.key.hasPrefix($0) } },
            components: components)
    }

    /// The model name of the first CPU in /proc/cpuinfo.
    static func cpuModel() -> String {
        guard let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
            let line = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("model name") }),
            let colon = line.firstIndex(of: ":")
        else { return "unknown" }
        return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    }

    /// `uname`'s system name, release and machine, e.g. "Linux 6.1.0-28-cloud-amd64 x86_64".
    static func systemName() -> String {
        var names = utsname()
        guard uname(&names) == 0 else { return ProcessInfo.processInfo.operatingSystemVersionString }
        func field<T>(_ value: T) -> String {
            withUnsafeBytes(of: value) { bytes in String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self) }
        }
        return "\(field(names.sysname)) \(field(names.release)) \(field(names.machine))"
    }

    /// The compiler version, known at build time only as a range.
    static var compilerVersion: String {
        #if compiler(>=6.4)
            return "Swift 6.4 or later"
        #elseif compiler(>=6.3)
            return "Swift 6.3"
        #elseif compiler(>=6.2)
            return "Swift 6.2"
        #else
            return "Swift before 6.2"
        #endif
    }

    /// Writes `environment.json` into `directory` (sorted keys, atomically).
    func write(into directory: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: directory.appendingPathComponent(Self.fileName), options: .atomic)
    }

    /// Reads `environment.json` from a run directory; nil when the run did not record one.
    public static func read(from directory: URL) -> RunEnvironment? {
        guard let data = try? Data(contentsOf: directory.appendingPathComponent(fileName)) else { return nil }
        return try? JSONDecoder().decode(RunEnvironment.self, from: data)
    }
}
