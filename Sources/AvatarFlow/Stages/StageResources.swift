import Foundation

/// What one execution of a stage needs from a cluster node: the request a scheduler job makes
/// (`sbatch --cpus-per-task --mem --time --gres=gpu:N`). A stage declares its defaults
/// (`static var resources`), a pipeline overrides them per stage under `resources:`; the local
/// executor ignores them.
public struct StageResources: Sendable, Hashable, Codable, CustomStringConvertible {
    /// CPU cores (`--cpus-per-task`).
    public var cpus: Int
    /// Memory in MiB (`--mem`).
    public var memoryMiB: Int
    /// Wall-time limit in minutes (`--time`).
    public var timeMinutes: Int
    /// GPUs (`--gres=gpu:N`); 0 asks for none.
    public var gpus: Int
    /// The partition for this stage's job, instead of the run's (`executor.slurm.partition`); only
    /// pipelines set it (e.g. the trainer on the GPU partition).
    public var partition: String?

    /// Creates a request; the defaults fit a small CPU stage: 1 core, 2 GiB, one hour, no GPU.
    public init(cpus: Int = 1, memoryMiB: Int = 2048, timeMinutes: Int = 60, gpus: Int = 0, partition: String? = nil) {
        self.cpus = cpus
        self.memoryMiB = memoryMiB
        self.timeMinutes = timeMinutes
        self.gpus = gpus
        self.partition = partition
    }

    /// The names a pipeline may set under `resources:`.
    public static let keys = ["cpus", "memory", "time", "gpus", "partition"]

    /// `cpus=1 memory=2048M time=1:00:00 gpus=0`.
    public var description: String {
        "cpus=\(cpus) memory=\(memoryMiB)M time=\(Self.slurmTime(timeMinutes)) gpus=\(gpus)" + (partition.map { " partition=\($0)" } ?? "")
    }

    /// The `sbatch` options requesting these resources.
    public var sbatchArguments: [String] {
        var arguments = ["--cpus-per-task=\(cpus)", "--mem=\(memoryMiB)M", "--time=\(Self.slurmTime(timeMinutes))"]
        if gpus > 0 { arguments.append("--gres=gpu:\(gpus)") }
        if let partition { arguments.append("--partition=\(partition)") }
        return arguments
    }

    /// Minutes as Slurm's `[D-]HH:MM:SS`.
    public static func slurmTime(_ minutes: Int) -> String {
        let days = minutes / 1440, hours = minutes % 1440 / 60, rest = minutes % 60
        let clock = "\(hours):\(String(format: "%02d", rest)):00"
        return days > 0 ? "\(days)-\(clock)" : clock
    }

    /// These defaults with a pipeline's `resources:` mapping applied; every problem becomes a
    /// diagnostic at its place in the file (unknown key, wrong type, out of range).
    public func overridden(by node: ConfigNode?, stage: String, diagnostics: inout [Diagnostic]) -> StageResources {
        guard let node, !node.isNull else { return self }
        guard let entries = node.entries else {
            diagnostics.append(
                .error(
                    .schema, at: node.location, "stage '\(stage)': `resources:` must be a mapping",
                    hint: "write `resources: {cpus: 4, memory: 8G, time: 2h, gpus: 1, partition: gpu}`"))
            return self
        }
        var result = self
        for entry in entries {
            let location = entry.value.location
            let text = entry.value.scalarText ?? ""
            switch entry.key {
            case "cpus", "gpus":
                let minimum = entry.key == "cpus" ? 1 : 0
                guard case .int(let count) = entry.value.value, count >= minimum, count <= 1024 else {
                    diagnostics.append(
                        .error(
                            .parameterRange, at: location, "\(stage).resources.\(entry.key) must be an integer from \(minimum) to 1024, got '\(text)'",
                            hint: "e.g. `\(entry.key): \(minimum == 1 ? 4 : 1)`"))
                    continue
                }
                if entry.key == "cpus" { result.cpus = count } else { result.gpus = count }
            case "memory":
                guard let mebibytes = Self.parseMemory(text) else {
                    diagnostics.append(
                        .error(
                            .parameterType, at: location, "\(stage).resources.memory must be a size such as 512M, 8G or 1T, got '\(text)'",
                            hint: "a plain integer is MiB, as in sbatch --mem"))
                    continue
                }
                result.memoryMiB = mebibytes
            case "time":
                guard let minutes = Self.parseTime(text) else {
                    diagnostics.append(
                        .error(
                            .parameterType, at: location,
                            "\(stage).resources.time must be a duration such as 90 (minutes), 2h, 1:30:00 or 1-12:00:00, got '\(text)'",
                            hint: "at least one minute; Slurm ends the job when it runs longer"))
                    continue
                }
                result.timeMinutes = minutes
            case "partition":
                guard !entry.value.isNull, !text.isEmpty, entry.value.entries == nil else {
                    diagnostics.append(
                        .error(.parameterType, at: location, "\(stage).resources.partition must be a partition name", hint: "e.g. `partition: gpu`"))
                    continue
                }
                result.partition = text
            default:
                diagnostics.append(
                    .error(
                        .unknownParameter, at: entry.keyLocation, "stage '\(stage)': unknown resource '\(entry.key)'",
                        hint: Suggestions.hint(for: entry.key, in: Self.keys, noun: "resource")))
            }
        }
        return result
    }

    /// `512M`, `8G`, `1T` or an integer (MiB) → MiB; nil when not a positive size.
    static func parseMemory(_ text: String) -> Int? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).uppercased().replacingOccurrences(of: "B", with: "")
        if let mebibytes = Int(trimmed) { return mebibytes > 0 ? mebibytes : nil }
        guard let unit = trimmed.last, let factor = ["K": 1.0 / 1024, "M": 1, "G": 1024, "T": 1_048_576][unit],
            let number = Double(trimmed.dropLast()), number > 0
        else { return nil }
        return max(1, Int((number * factor).rounded(.up)))
    }

    /// `90` (minutes), `45m`, `2h`, `1d`, `MM:SS`, `HH:MM:SS`, `D-HH:MM:SS` → minutes (rounded up); nil otherwise.
    /// Read from the text as written (YAML 1.1 would turn `1:30:00` into a base-60 integer).
    static func parseTime(_ raw: String) -> Int? {
        let text = raw.trimmingCharacters(in: .whitespaces).lowercased()
        if let unit = text.last, let factor = ["m": 1.0, "h": 60, "d": 1440][unit], let number = Double(text.dropLast()), number > 0 {
            return Int((number * factor).rounded(.up))
        }
        var days = 0
        var clock = Substring(text)
        if let dash = text.firstIndex(of: "-") {
            guard let parsed = Int(text[..<dash]), parsed >= 0 else { return nil }
            days = parsed
            clock = text[text.index(after: dash)...]
        }
        let parts = clock.split(separator: ":", omittingEmptySubsequences: false).compactMap { Int($0) }
        guard !parts.isEmpty, parts.count <= 3, parts.count == clock.split(separator: ":", omittingEmptySubsequences: false).count,
            parts.allSatisfy({ $0 >= 0 })
        else { return nil }
        let seconds: Int
        switch parts.count {
        case 1: seconds = parts[0] * 60
        case 2: seconds = parts[0] * 60 + parts[1]
        default: seconds = parts[0] * 3600 + parts[1] * 60 + parts[2]
        }
        let minutes = days * 1440 + (seconds + 59) / 60
        return minutes > 0 ? minutes : nil
    }
}
