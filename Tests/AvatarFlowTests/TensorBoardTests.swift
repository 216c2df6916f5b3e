import EngineTestStages
import Foundation
import TestSupport
import Testing

@testable import AvatarFlow

/// The `tensorboard` PyPI package, in a venv under ~/.cache/avatarflow (created on first use with
/// `pip install tensorboard`), or `$AVATARFLOW_TENSORBOARD_PYTHON`.
func tensorBoardPython() throws -> String {
    if let python = ProcessInfo.processInfo.environment["AVATARFLOW_TENSORBOARD_PYTHON"] { return python }
    let venv = FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/avatarflow/tensorboard-venv")
    let python = venv.appendingPathComponent("bin/python").path
    if (try? runCommand(python, ["-c", "import tensorboard"])) != nil { return python }
    try runCommand("python3", ["-m", "venv", venv.path])
    try runCommand(python, ["-m", "pip", "install", "-q", "tensorboard"])
    return python
}

/// Reads an event file with TensorBoard's own loaders and prints the file versions, every scalar
/// as `[tag, step, value, wall_time]`, every image as `[tag, width, height, colorspace, base64 PNG]`
/// and the number of records whose CRCs check, as JSON.
let tensorBoardReader = """
    import base64, json, sys
    from tensorboard.backend.event_processing import event_file_loader
    rows = []
    images = []
    versions = []
    for event in event_file_loader.LegacyEventFileLoader(sys.argv[1]).Load():
        if event.HasField("file_version"):
            versions.append(event.file_version)
        for value in event.summary.value:
            if value.HasField("image"):
                image = value.image
                images.append([value.tag, image.width, image.height, image.colorspace,
                               base64.b64encode(image.encoded_image_string).decode()])
            else:
                rows.append([value.tag, event.step, value.simple_value, event.wall_time])
    # The stub reader checks both masked CRC-32Cs of every record (DataLossError otherwise).
    from tensorboard.compat.tensorflow_stub import errors, pywrap_tensorflow
    reader = pywrap_tensorflow.PyRecordReader_New(sys.argv[1])
    records = 0
    while True:
        try:
            reader.GetNext()
        except errors.OutOfRangeError:
            break
        records += 1
    print(json.dumps({"versions": versions, "rows": rows, "images": images, "records": records}))
    """

@Suite struct TensorBoardTests {
    @Test func crc32cMatchesTheStandardCheckValue() {
        #expect(TensorBoardExport.crc32c(Data("123456789".utf8)) == 0xE306_9283)
        #expect(TensorBoardExport.crc32c(Data(repeating: 0, count: 32)) == 0x8A91_36AA)
    }

    @Test func tensorBoardReadsTheExportedScalars() async throws {
        let workspace = try Workspace()
        try workspace.write("p.yaml", trainingPipeline)
        let result = try await workspace.run("p.yaml")
        let run = try RunContents(directory: result.runDirectory)
        let files = try TensorBoardExport.write(run, to: workspace.root.appendingPathComponent("tb"))
        #expect(files.count == 1)
        let file = try #require(files.first)
        #expect(file.deletingLastPathComponent().lastPathComponent == "train")
        #expect(file.lastPathComponent.hasPrefix("events.out.tfevents."))

        let script = try workspace.write("read.py", tensorBoardReader)
        let output = try runCommand(try tensorBoardPython(), [script.path, file.path])
        let decoded = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        #expect(decoded["versions"] as? [String] == ["brain.Event:2"])
        #expect(decoded["records"] as? Int == 5)
        let rows = try #require(decoded["rows"] as? [[Any]])
        let events = run.events.filter { $0.kind == .progress && $0.metrics != nil }
        var expected: [String] = [], times: [Double] = []
        for event in events {
            for (tag, value) in event.metrics!.sorted(by: { $0.key < $1.key }) {
                expected.append("\(tag) \(event.completed!) \(Float(value))")
                times.append(event.time)
            }
        }
        #expect(rows.map { "\($0[0] as! String) \($0[1] as! Int) \(Float($0[2] as! Double))" } == expected)
        // Wall times to the microsecond (Python prints doubles through its own shortest form).
        #expect(zip(rows.map { $0[3] as! Double }, times).allSatisfy { abs($0 - $1) < 1e-5 })
        #expect(rows.count == times.count)
    }

    @Test func tensorBoardReadsTheOutputsPicturesAsImages() async throws {
        let workspace = try Workspace()
        try workspace.write("p.yaml", trainingPipeline)
        let result = try await workspace.run("p.yaml")
        var run = try RunContents(directory: result.runDirectory)
        let folder = workspace.root.appendingPathComponent("grids")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try tinyPNG.write(to: folder.appendingPathComponent("score.png"))
        run.outputs.append(RunContents.Output(name: "metrics", url: folder, manifest: nil))

        let files = try TensorBoardExport.write(run, to: workspace.root.appendingPathComponent("tb"))
        #expect(files.map { $0.deletingLastPathComponent().lastPathComponent } == ["train", "outputs"])
        let script = try workspace.write("read.py", tensorBoardReader)
        let output = try runCommand(try tensorBoardPython(), [script.path, files[1].path])
        let decoded = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        #expect(decoded["records"] as? Int == 2)
        let images = try #require(decoded["images"] as? [[Any]])
        #expect(images.count == 1)
        #expect(images.first?[0] as? String == "metrics/score.png")
        #expect(images.first?[1] as? Int == 3 && images.first?[2] as? Int == 3 && images.first?[3] as? Int == 3)
        #expect(images.first?[4] as? String == tinyPNG.base64EncodedString(), "the PNG bytes, unchanged")
    }
}
