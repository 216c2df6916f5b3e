import ArgumentParser
import AvatarFlow
import Foundation

/// `avatarflow report RUN_DIR [-o FILE]`.
struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a run's self-contained HTML report (status, outputs, curves, stages, timeline).",
        discussion: "Reads a run directory (runs/<pipeline>-<timestamp>/) and writes one HTML file that needs no network and no scripts.")

    @Argument(help: "The run directory, as printed by `avatarflow run`.", completion: .directory) var runDirectory: String
    @Option(name: .shortAndLong, help: "The HTML file to write (default: RUN_DIR/report.html).") var output: String?
    @Option(help: "Also write the training metrics as TensorBoard event files under this directory (DIR/<run>/<stage>/).")
    var tensorboard: String?

    func run() throws {
        do {
            let start = Date()
            let file = try RunReport.write(
                runDirectory: URL(fileURLWithPath: runDirectory), to: output.map { URL(fileURLWithPath: $0) }, context: CLIRegistry.reportContext)
            let size = (try? FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int) ?? 0
            print("report: \(file.path) (\(Markup.bytes(size)), \(String(format: "%.2f", Date().timeIntervalSince(start))) s)")
            if let tensorboard {
                let files = try TensorBoardExport.write(
                    try RunContents(directory: URL(fileURLWithPath: runDirectory)), to: URL(fileURLWithPath: tensorboard),
                    context: CLIRegistry.reportContext)
                print(
                    "tensorboard: \(files.count) event file\(files.count == 1 ? "" : "s") under \(tensorboard)\(files.isEmpty ? " (no stage reported metrics and no output has pictures)" : "")"
                )
                for file in files { print("  \(file.path)") }
            }
        } catch {
            throw fail(error)
        }
    }
}

/// `avatarflow compare RUN_DIR... [--metric NAME...]`.
struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare runs: one row per run, the settings that differ, and metrics (Markdown or HTML).",
        discussion: """
            Metric names: <output>.<key>… for numbers in an output's metrics.json / training.json \
            (metrics.overall.psnr_db, avatar.gaussian_count), <stage>/<metric> for the last value a training \
            stage reported (train/loss), <stage>/seconds and run/seconds for wall times.
            """)

    /// Output formats.
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case markdown, html
    }

    @Argument(help: "Run directories.", completion: .directory) var runDirectories: [String]
    @Option(name: .customLong("metric"), help: ArgumentHelp("A metric column (repeatable; default: the runs' summary figures).", valueName: "name"))
    var metrics: [String] = []
    @Option(help: "markdown or html (default: html when -o ends in .html, else markdown).") var format: Format?
    @Option(name: .shortAndLong, help: "Write to this file instead of standard output.") var output: String?

    func validate() throws {
        if runDirectories.isEmpty { throw ValidationError("give at least one run directory (runs/<pipeline>-<timestamp>/)") }
    }

    func run() throws {
        do {
            let comparison = try RunComparison(
                directories: runDirectories.map { URL(fileURLWithPath: $0) }, metrics: metrics.isEmpty ? nil : metrics)
            let chosen = format ?? (output.map { $0.hasSuffix(".html") || $0.hasSuffix(".htm") } == true ? .html : .markdown)
            let text = chosen == .html ? comparison.html() : comparison.markdown()
            if let output {
                do {
                    try Data(text.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
                } catch {
                    throw CLIFailure("\(output): cannot write the comparison: \(error.localizedDescription); choose a writable file with -o FILE")
                }
                print("comparison: \(output)")
            } else {
                print(text, terminator: "")
            }
        } catch {
            throw fail(error)
        }
    }
}
