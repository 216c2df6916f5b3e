import AvatarFlow
import FaceAnalysis
import Foundation
import MediaIO

/// A unique temporary directory, removed when the value is deinitialised.
final class TemporaryDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("face-stage-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    deinit { try? FileManager.default.removeItem(at: url) }
}

/// Collects the events a stage emits.
final class RecordingSink: RunEventSink, @unchecked Sendable {
    // @unchecked: `stored` is guarded by `lock`.
    private let lock = NSLock()
    private var stored: [RunEvent] = []

    func receive(_ event: RunEvent) {
        lock.lock()
        stored.append(event)
        lock.unlock()
    }

    var warnings: [String] {
        lock.lock()
        defer { lock.unlock() }
        return stored.filter { $0.kind == .warning }.compactMap(\.message)
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
}

/// Runs a stage the way the engine does: through its descriptor, with defaults merged with
/// `overrides`, the given input directories and fresh output directories.
func runStage<S: Stage>(_ stage: S.Type, in directory: TemporaryDirectory, inputs: [String: URL],
                        with overrides: [String: ConfigValue] = [:], sink: RecordingSink = RecordingSink()) throws -> [String: URL] {
    let descriptor = StageDescriptor(stage)
    let stageRoot = directory.file("stage-\(UUID().uuidString)")
    var outputs: [String: URL] = [:]
    for port in descriptor.outputs {
        outputs[port.name] = stageRoot.appendingPathComponent("out-\(port.name)")
        try FileManager.default.createDirectory(at: outputs[port.name]!, withIntermediateDirectories: true)
    }
    let work = stageRoot.appendingPathComponent("work"), checkpoint = stageRoot.appendingPathComponent("checkpoint")
    try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
    try FileManager.default.createDirectory(at: checkpoint, withIntermediateDirectories: true)
    let context = StageContext(stageName: "under-test", stageID: descriptor.id, runName: "test", inputs: inputs, outputs: outputs,
                               workDirectory: work, checkpointDirectory: checkpoint, pipelineDirectory: directory.url,
                               logFile: nil, sink: sink)
    guard case .object(var parameters) = descriptor.defaultParameters else { throw TestFailure(description: "defaults are not an object") }
    for (key, value) in overrides {
        guard let field = descriptor.field(key), case .success(let checked) = field.check(value) else {
            throw TestFailure(description: "bad parameter \(key)")
        }
        parameters[key] = checked
    }
    try descriptor.run(context, parameters: .object(parameters))
    return outputs
}

enum FaceTestImages {
    /// A real photograph with three faces (dlib's examples/faces, Debian package libdlib19.1,
    /// which libdlib-dev depends on), installing the package when it is missing.
    static let threeFacesPath = "/usr/share/doc/libdlib19.1/examples/faces/2008_001322.jpg"

    static func threeFaces() throws -> Image8 {
        if !FileManager.default.fileExists(atPath: threeFacesPath) {
            print("installing Debian package libdlib19.1 for its example face photographs")
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["apt-get", "install", "-y", "libdlib19.1"]
            process.environment = ProcessInfo.processInfo.environment.merging(["DEBIAN_FRONTEND": "noninteractive"]) { $1 }
            try process.run()
            process.waitUntilExit()
        }
        guard let frame = try VideoReader(url: URL(fileURLWithPath: threeFacesPath)).nextFrame() else {
            throw TestFailure(description: "\(threeFacesPath) has no picture")
        }
        return frame.image
    }

    /// Writes a FrameSet with `frames[f][c]` as camera `c`'s image of frame `f`.
    static func writeFrameSet(_ frames: [[Image8]], to directory: URL) throws -> URL {
        let first = frames[0][0]
        let writer = try FrameSetWriter(directory: directory, cameras: (0..<frames[0].count).map { "cam\($0)" },
                                        size: PixelSize(width: first.width, height: first.height), channels: first.channels,
                                        frameRate: Rational(25, 1))
        for (index, images) in frames.enumerated() { try writer.append(images, timestamp: Double(index) / 25, sourceIndex: index) }
        _ = try writer.finish()
        return directory
    }

    static func grey(_ image: Image8, _ conversion: GreyImage.RGBConversion) -> GreyImage {
        let rgb = image.channels == 3 ? image.samples : (0..<(image.width * image.height)).flatMap { image.samples[($0 * 4)..<($0 * 4 + 3)] }
        return GreyImage(rgb: rgb, width: image.width, height: image.height, conversion: conversion)!
    }
}
