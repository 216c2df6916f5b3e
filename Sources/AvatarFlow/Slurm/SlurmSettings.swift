import Foundation

/// Where Slurm jobs go: the `executor: {slurm: {…}}` block of a pipeline or of the user's config
/// file (`$AVATARFLOW_CONFIG`, default `~/.config/avatarflow/config.yaml`). A key set in the
/// pipeline wins over the same key in the config file.
///
/// ```yaml
/// executor:
///   slurm:
///     partition: gpu
///     account: lab-avatars
///     qos: normal
///     sbatch_flags: ["--constraint=a100", "--mail-type=FAIL"]
/// ```
public struct SlurmSettings: Sendable, Codable, Equatable {
    /// `--partition`; the cluster's default partition when nil.
    public var partition: String?
    /// `--account`; the user's default account when nil.
    public var account: String?
    /// `--qos`; the account's default QoS when nil.
    public var qos: String?
    /// Further `sbatch` options added to every job, verbatim.
    public var sbatchFlags: [String]

    /// The keys an `executor: {slurm: …}` block may hold.
    public static let keys = ["partition", "account", "qos", "sbatch_flags"]

    /// Creates settings (all unset: the cluster's defaults).
    public init(partition: String? = nil, account: String? = nil, qos: String? = nil, sbatchFlags: [String] = []) {
        self.partition = partition
        self.account = account
        self.qos = qos
        self.sbatchFlags = sbatchFlags
    }

    /// The `sbatch` options these settings add to every job.
    public var sbatchArguments: [String] {
        var arguments: [String] = []
        if let partition { arguments.append("--partition=\(partition)") }
        if let account { arguments.append("--account=\(account)") }
        if let qos { arguments.append("--qos=\(qos)") }
        return arguments + sbatchFlags
    }

    /// The user config file: `$AVATARFLOW_CONFIG`, else `~/.config/avatarflow/config.yaml`.
    public static var userConfigFile: URL {
        if let path = ProcessInfo.processInfo.environment["AVATARFLOW_CONFIG"] { return URL(fileURLWithPath: path) }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".config/avatarflow/config.yaml")
    }

    /// The settings for running `spec`: the user config file's block (if the file exists) with the
    /// pipeline's block on top. Throws `PipelineValidationError` naming every misplaced key.
    public static func resolve(for spec: PipelineSpec, userConfig: URL = userConfigFile) throws -> SlurmSettings {
        var diagnostics: [Diagnostic] = []
        var settings = SlurmSettings()
        if let data = FileManager.default.contents(atPath: userConfig.path) {
            switch ConfigNode.parse(yaml: String(decoding: data, as: UTF8.self), file: userConfig.path) {
            case .success(let tree):
                for entry in tree.entries ?? [] where entry.key != "executor" {
                    diagnostics.append(
                        .error(
                            .schema, at: entry.keyLocation, "unknown key '\(entry.key)' in the AvatarFlow config file",
                            hint: "the file holds `executor: {slurm: {partition: …, account: …, qos: …, sbatch_flags: […]}}`"))
                }
                settings.apply(tree["executor"], diagnostics: &diagnostics)
            case .failure(let diagnostic): diagnostics.append(diagnostic)
            }
        }
        settings.apply(spec.resolved["executor"], diagnostics: &diagnostics)
        if !diagnostics.isEmpty { throw PipelineValidationError(diagnostics) }
        return settings
    }

    /// Applies an `executor:` block: only its `slurm:` mapping is read; unknown keys are errors.
    mutating func apply(_ executor: ConfigNode?, diagnostics: inout [Diagnostic]) {
        guard let executor, !executor.isNull else { return }
        guard let entries = executor.entries else {
            diagnostics.append(.error(.schema, at: executor.location, "`executor:` must be a mapping", hint: "write `executor: {slurm: {partition: gpu}}`"))
            return
        }
        for entry in entries where entry.key != "slurm" {
            diagnostics.append(
                .error(
                    .schema, at: entry.keyLocation, "unknown executor '\(entry.key)'",
                    hint: "the only configurable executor is `slurm:` (the local executor takes --jobs)"))
        }
        guard let slurm = executor["slurm"], !slurm.isNull else { return }
        guard let fields = slurm.entries else {
            diagnostics.append(.error(.schema, at: slurm.location, "`executor.slurm:` must be a mapping", hint: "write `slurm: {partition: gpu}`"))
            return
        }
        for field in fields {
            switch field.key {
            case "partition", "account", "qos":
                guard let text = field.value.scalarText, !text.isEmpty, !field.value.isNull else {
                    diagnostics.append(
                        .error(.parameterType, at: field.value.location, "executor.slurm.\(field.key) must be a name", hint: "e.g. `\(field.key): normal`"))
                    continue
                }
                switch field.key {
                case "partition": partition = text
                case "account": account = text
                default: qos = text
                }
            case "sbatch_flags":
                guard case .sequence(let items) = field.value.content, items.allSatisfy({ $0.scalarText?.hasPrefix("-") == true }) else {
                    diagnostics.append(
                        .error(
                            .parameterType, at: field.value.location, "executor.slurm.sbatch_flags must be a list of sbatch options",
                            hint: "e.g. `sbatch_flags: [\"--constraint=a100\", \"--exclusive\"]`"))
                    continue
                }
                sbatchFlags = items.compactMap(\.scalarText)
            default:
                diagnostics.append(
                    .error(
                        .schema, at: field.keyLocation, "executor.slurm: unknown key '\(field.key)'",
                        hint: Suggestions.hint(for: field.key, in: Self.keys, noun: "key")))
            }
        }
    }
}
