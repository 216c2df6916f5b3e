import Foundation
import Testing

@testable import MediaIO

@Suite struct NeRSembleImportTests {
    /// Writes a GHA-style NeRSemble folder with numpy (np.savez) and ffmpeg (JPEG), 2 cameras × 3 frames.
    private func makeSource(_ root: URL, movingCamera: Bool = false) throws {
        let script = """
            import numpy as np, os, sys
            root = sys.argv[1]
            for f in range(3):
                for c, cam in enumerate(["220700191", "221501007"]):
                    os.makedirs(f"{root}/cameras/{f:04d}", exist_ok=True)
                    K = np.array([[500.0 + c, 0, 15.5], [0, 501.0 + c, 11.5], [0, 0, 1]])
                    E = np.array([[1.0, 0, 0, 0.1 * c], [0, 1, 0, 0.2], [0, 0, 1, 1.5 + (0.01 * f if \(movingCamera ? "True" : "False") else 0)]])
                    np.savez(f"{root}/cameras/{f:04d}/camera_{cam}.npz", extrinsic=E, intrinsic=K)
            """
        try run("python3", ["-c", script, root.path])
        for frame in 0..<3 {
            let folder = root.appendingPathComponent(String(format: "images/%04d", frame))
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            for cam in ["220700191", "221501007"] {
                try ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=32x24", "-frames:v", "1", folder.appendingPathComponent("image_\(cam).jpg").path])
            }
        }
        let background = root.appendingPathComponent("background")
        try FileManager.default.createDirectory(at: background, withIntermediateDirectories: true)
        try ffmpeg(["-f", "lavfi", "-i", "color=c=gray:size=32x24", "-frames:v", "1", background.appendingPathComponent("image_220700191.jpg").path])
    }

    @Test func npzArraysReadExactlyAsNumPyWroteThem() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("a.npz")
        try run(
            "python3",
            [
                "-c",
                "import numpy as np, sys; np.savez(sys.argv[1], a=np.arange(12, dtype=np.float64).reshape(3, 4) / 7, b=np.array([1, -2, 3], dtype=np.int32), c=np.float32([0.1]))",
                url.path,
            ])
        let arrays = try NumPyArchive.readArchive(url)
        #expect(arrays["a"] == NumPyArray(shape: [3, 4], values: (0..<12).map { Double($0) / 7 }))
        #expect(arrays["b"] == NumPyArray(shape: [3], values: [1, -2, 3]))
        #expect(arrays["c"]?.values == [Double(Float(0.1))])
    }

    @Test func compressedNpzIsRejectedWithAFix() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("z.npz")
        try run("python3", ["-c", "import numpy as np, sys; np.savez_compressed(sys.argv[1], a=np.zeros(100))", url.path])
        #expect { _ = try NumPyArchive.readArchive(url) } throws: { ($0 as? MediaIOError)?.message.contains("np.savez") == true }
    }

    @Test func ghaLayoutImportsAsAValidCapture() throws {
        let directory = try TemporaryDirectory()
        try makeSource(directory.file("source"))
        let capture = try NeRSembleImporter.importCapture(from: directory.file("source"), to: directory.file("capture"), fps: 25)
        #expect(capture.cameras.map(\.calibration.id) == ["220700191", "221501007"])
        #expect(capture.frameCount == 3)
        #expect(capture.size == PixelSize(width: 32, height: 24))
        let second = capture.cameras[1].calibration
        #expect(second.fx == 501 && second.fy == 502 && second.cx == 15.5 && second.cy == 11.5)
        #expect(second.worldToCamera == [1, 0, 0, 0.1, 0, 1, 0, 0.2, 0, 0, 1, 1.5, 0, 0, 0, 1])
        #expect(capture.cameras[0].backgroundPlate != nil && capture.cameras[1].backgroundPlate == nil)
        let reader = try capture.reader(camera: "220700191")
        var frames = 0
        while try reader.nextFrame() != nil { frames += 1 }
        #expect(frames == 3)
    }

    @Test func movingCamerasAreRejected() throws {
        let directory = try TemporaryDirectory()
        try makeSource(directory.file("source"), movingCamera: true)
        #expect(throws: MediaIOError.self) {
            _ = try NeRSembleImporter.importCapture(from: directory.file("source"), to: directory.file("capture"))
        }
    }
}
