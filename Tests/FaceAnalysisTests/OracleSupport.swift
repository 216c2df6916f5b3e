import FaceAnalysis
import Foundation
import TestSupport
import Testing

/// Reference tools the oracle tests compare against, installed on first use and cached in
/// ~/.cache/avatarflow/face-oracles: a C++ program built against Debian's libdlib-dev, and a
/// Python venv with opencv-python-headless<5 (cv2.CascadeClassifier).
enum FaceOracles {
    struct Unavailable: Error, CustomStringConvertible {
        var description: String
    }

    static let cacheDirectory = FileManager.default.homeDirectoryForCurrentUser
        .appendingPathComponent(".cache/avatarflow/face-oracles")

    /// The dlib oracle executable (built once per source version).
    static let dlibProgram: Result<URL, any Error> = Result {
        try ensureDebianPackage("libdlib-dev", probe: "/usr/include/dlib/image_processing/shape_predictor.h")
        try FileManager.default.createDirectory(at: cacheDirectory, withIntermediateDirectories: true)
        let source = cacheDirectory.appendingPathComponent("dlib_oracle_v\(dlibOracleVersion).cpp")
        let binary = cacheDirectory.appendingPathComponent("dlib_oracle_v\(dlibOracleVersion)")
        if FileManager.default.isExecutableFile(atPath: binary.path) { return binary }
        try dlibOracleSource.write(to: source, atomically: true, encoding: .utf8)
        let flags = try runCommand("/usr/bin/env", ["pkg-config", "--cflags", "--libs", "dlib-1"])
            .split(whereSeparator: \.isWhitespace).map(String.init)
        let partial = binary.path + ".partial-\(UUID().uuidString)"
        try runCommand("/usr/bin/env", ["g++", "-O2", "-std=c++17", "-o", partial, source.path] + flags)
        try FileManager.default.moveItem(atPath: partial, toPath: binary.path)
        return binary
    }

    /// The venv python with cv2 < 5.
    static let openCVPython: Result<URL, any Error> = Result {
        let venv = cacheDirectory.appendingPathComponent("opencv-venv")
        let python = venv.appendingPathComponent("bin/python")
        let probe = try? runCommand(python.path, ["-c", "import cv2; print(cv2.CascadeClassifier)"])
        if probe != nil { return python }
        try FileManager.default.createDirectory(at: cacheDirectory, withIntermediateDirectories: true)
        print("creating a Python venv with opencv-python-headless<5 for the oracle tests")
        try runCommand("/usr/bin/env", ["python3", "-m", "venv", venv.path])
        try runCommand(python.path, ["-m", "pip", "install", "-q", "opencv-python-headless<5", "numpy"])
        return python
    }

    /// Real face photographs shipped by Debian's libdlib19.1 (dlib's examples/faces, PASCAL VOC
    /// and other public images), converted once to binary PPM with ffmpeg so that every
    /// implementation reads identical pixels.
    static let faceImages: Result<[TestImage], any Error> = Result {
        try ensureDebianPackage("libdlib-dev", probe: "/usr/include/dlib/image_processing/shape_predictor.h")
        let folder = URL(fileURLWithPath: "/usr/share/doc/libdlib19.1/examples/faces")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".jpg") }.sorted()
        guard !names.isEmpty else { throw Unavailable(description: "no face images in \(folder.path)") }
        let converted = cacheDirectory.appendingPathComponent("faces-ppm")
        try FileManager.default.createDirectory(at: converted, withIntermediateDirectories: true)
        return try names.map { name in
            let ppm = converted.appendingPathComponent(name.replacingOccurrences(of: ".jpg", with: ".ppm"))
            if !FileManager.default.fileExists(atPath: ppm.path) {
                let partial = ppm.path + ".partial.ppm"
                try runCommand(
                    "/usr/bin/env",
                    [
                        "ffmpeg", "-v", "error", "-y", "-i", folder.appendingPathComponent(name).path,
                        "-pix_fmt", "rgb24", "-f", "image2", "-c:v", "ppm", partial,
                    ])
                try FileManager.default.moveItem(atPath: partial, toPath: ppm.path)
            }
            return try TestImage(ppm: ppm)
        }
    }

    /// Every 4th frame of a real face video, the Carphone clip scripts/setup.sh unpacks (176×144,
    /// 120 frames, one man talking in a car), scaled 2× to 352×288 so that the face exceeds the
    /// CNN detector's 80-pixel window, converted once with ffmpeg to binary PPM.
    static let realVideoFrames: Result<[TestImage], any Error> = Result {
        let folder =
            ProcessInfo.processInfo.environment["AVATARFLOW_REAL_FOOTAGE"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/avatarflow/real-footage")
        let video = folder.appendingPathComponent("carphone.mp4")
        guard FileManager.default.fileExists(atPath: video.path) else {
            throw Unavailable(description: "\(video.path) is missing; run scripts/setup.sh")
        }
        let converted = cacheDirectory.appendingPathComponent("carphone-ppm")
        if !FileManager.default.fileExists(atPath: converted.appendingPathComponent("030.ppm").path) {
            let partial = cacheDirectory.appendingPathComponent("carphone-ppm.partial-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: partial, withIntermediateDirectories: true)
            try runCommand(
                "/usr/bin/env",
                [
                    "ffmpeg", "-v", "error", "-y", "-i", video.path, "-vf", "select='not(mod(n\\,4))',scale=352:288", "-fps_mode", "passthrough",
                    "-pix_fmt", "rgb24", "-c:v", "ppm", partial.appendingPathComponent("%03d.ppm").path,
                ])
            try? FileManager.default.removeItem(at: converted)
            try FileManager.default.moveItem(at: partial, to: converted)
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: converted.path).filter { $0.hasSuffix(".ppm") }.sorted()
        return try names.map { try TestImage(ppm: converted.appendingPathComponent($0)) }
    }

    /// Boxes `cv2.CascadeClassifier(cascade).detectMultiScale(cvtColor(BGR2GRAY))` returns, per image path.
    static func openCVDetections(cascade: String, images: [URL], scaleFactor: Double, minNeighbors: Int) throws -> [String: [FaceRectangle]] {
        let python = try openCVPython.get()
        let script = """
            import sys, json, cv2
            classifier = cv2.CascadeClassifier(sys.argv[1])
            assert not classifier.empty(), 'cannot load ' + sys.argv[1]
            result = {}
            for path in sys.argv[4:]:
                grey = cv2.cvtColor(cv2.imread(path, cv2.IMREAD_COLOR), cv2.COLOR_BGR2GRAY)
                boxes = classifier.detectMultiScale(grey, scaleFactor=float(sys.argv[2]), minNeighbors=int(sys.argv[3]))
                result[path] = [list(map(int, b)) for b in boxes]
            print(json.dumps(result))
            """
        let output = try runCommand(python.path, ["-c", script, cascade, String(scaleFactor), String(minNeighbors)] + images.map(\.path))
        let decoded = try JSONDecoder().decode([String: [[Int]]].self, from: Data(output.utf8))
        return decoded.mapValues { $0.map { FaceRectangle(x: $0[0], y: $0[1], width: $0[2], height: $0[3]) } }
    }

    /// dlib's landmarks for each box: sub-pixel values (dlib's own pieces, before rounding) and
    /// the integer points `shape_predictor` returns.
    static func dlibLandmarks(image: URL, boxes: [FaceRectangle]) throws -> [(subpixel: [SIMD2<Double>], rounded: [SIMD2<Int>])] {
        let program = try dlibProgram.get()
        let boxFile = uniqueTemporaryURL("face-boxes", suffix: ".txt")
        defer { try? FileManager.default.removeItem(at: boxFile) }
        try boxes.map { "\($0.x) \($0.y) \($0.right) \($0.bottom)\n" }.joined().write(to: boxFile, atomically: true, encoding: .utf8)
        let output = try runCommand(program.path, ["landmarks", ShapePredictor.defaultModelPath, image.path, boxFile.path])
        let rows = output.split(separator: "\n").map { $0.split(separator: " ").map { Double($0)! } }
        guard rows.count == 68 * boxes.count else { throw Unavailable(description: "dlib oracle printed \(rows.count) rows for \(boxes.count) boxes") }
        return (0..<boxes.count).map { box in
            let slice = rows[(68 * box)..<(68 * box + 68)]
            return (slice.map { SIMD2($0[0], $0[1]) }, slice.map { SIMD2(Int($0[2]), Int($0[3])) })
        }
    }

    /// Boxes dlib's HOG frontal face detector (`get_frontal_face_detector`) finds; computed once
    /// per image and process, because several tests need them.
    static func dlibDetections(image: URL) throws -> [FaceRectangle] {
        if let known = detectionCache.value(for: image.path) { return known }
        let output = try runCommand(try dlibProgram.get().path, ["detect", image.path])
        let boxes = output.split(separator: "\n").map { line in
            let v = line.split(separator: " ").map { Int($0)! }
            return FaceRectangle(left: v[0], top: v[1], right: v[2], bottom: v[3])
        }
        detectionCache.store(boxes, for: image.path)
        return boxes
    }

    /// dlib's CNN (MMOD) detections on `image` with the model scripts/setup.sh fetched: box and confidence.
    static func dlibCNNDetections(image: URL) throws -> [(rectangle: FaceRectangle, confidence: Double)] {
        let output = try runCommand(try dlibProgram.get().path, ["cnn", try cnnModel().path, image.path])
        return output.split(separator: "\n").map { line in
            let v = line.split(separator: " ")
            return (FaceRectangle(left: Int(v[0])!, top: Int(v[1])!, right: Int(v[2])!, bottom: Int(v[3])!), Double(v[4])!)
        }
    }

    /// Our CNN detector's boxes on `image`, computed once per image and process (two suites need them).
    static func cnnDetections(image: TestImage) throws -> [MMODDetection] {
        if let known = cnnCache.value(for: image.url.path) { return known }
        let detections = try MMODFaceDetector.cached(contentsOf: try cnnModel()).detect(rgb: image.rgb, width: image.width, height: image.height)
        cnnCache.store(detections, for: image.url.path)
        return detections
    }

    static let cnnCache = DetectionCache<[MMODDetection]>()

    /// mmod_human_face_detector.dat as scripts/setup.sh installs it; a missing file is a setup
    /// error (the test fails with the instruction), never a silent skip.
    static func cnnModel() throws -> URL {
        let url = DlibModelFiles.mmodFaceDetector
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw Unavailable(description: "\(url.path) is missing; run scripts/setup.sh")
        }
        return url
    }

    static let detectionCache = DetectionCache<[FaceRectangle]>()

    /// dlib_face_recognition_resnet_model_v1.dat as scripts/setup.sh installs it (missing = setup error).
    static func descriptorModel() throws -> URL {
        let url = DlibModelFiles.resnetFaceDescriptor
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw Unavailable(description: "\(url.path) is missing; run scripts/setup.sh")
        }
        return url
    }

    /// What dlib's C++ computes for one face: the chip rectangle and angle, the chip it cut and
    /// the ResNet descriptor of that chip.
    struct DlibFace {
        var rectangle: [Double]
        var angle: Double
        var chip: TestImage
        var descriptor: [Float]
    }

    /// dlib's chips and descriptors for faces given by integer landmarks (one array per face).
    static func dlibDescriptors(image: URL, faces: [[SIMD2<Int>]]) throws -> [DlibFace] {
        let program = try dlibProgram.get()
        let folder = uniqueTemporaryURL("face-chips", suffix: "")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let list = folder.appendingPathComponent("faces.txt")
        try faces.map { $0.map { "\($0.x) \($0.y)" }.joined(separator: " ") + "\n" }.joined().write(to: list, atomically: true, encoding: .utf8)
        let output = try runCommand(program.path, ["descriptor", try descriptorModel().path, image.path, list.path, folder.path])
        let lines = output.split(separator: "\n")
        guard lines.count == 2 * faces.count else { throw Unavailable(description: "dlib oracle printed \(lines.count) lines for \(faces.count) faces") }
        return try (0..<faces.count).map { index in
            let place = lines[2 * index].split(separator: " ").map { Double($0)! }
            return DlibFace(
                rectangle: Array(place[0..<4]), angle: place[4], chip: try TestImage(ppm: folder.appendingPathComponent("chip\(index).ppm")),
                descriptor: lines[2 * index + 1].split(separator: " ").map { Float($0)! })
        }
    }

    /// Detections by image path, shared by concurrently running tests.
    final class DetectionCache<Value>: @unchecked Sendable {
        // @unchecked: `boxes` is only touched while holding `lock`.
        private let lock = NSLock()
        private var boxes: [String: Value] = [:]

        func value(for path: String) -> Value? {
            lock.lock()
            defer { lock.unlock() }
            return boxes[path]
        }

        func store(_ value: Value, for path: String) {
            lock.lock()
            boxes[path] = value
            lock.unlock()
        }
    }

    /// Bump when `dlibOracleSource` changes so that the cached binary is rebuilt.
    static let dlibOracleVersion = 4
}

/// An RGB8 test image loaded from binary PPM.
struct TestImage: Sendable {
    let url: URL
    let width: Int
    let height: Int
    let rgb: [UInt8]

    init(ppm url: URL) throws {
        self.url = url
        let data = [UInt8](try Data(contentsOf: url))
        var position = 0
        func token() -> String {
            while position < data.count, data[position] == 0x20 || data[position] == 0x0A || data[position] == 0x09 || data[position] == 0x0D { position += 1 }
            let start = position
            while position < data.count, !(data[position] == 0x20 || data[position] == 0x0A || data[position] == 0x09 || data[position] == 0x0D) {
                position += 1
            }
            return String(decoding: data[start..<position], as: UTF8.self)
        }
        guard token() == "P6", let width = Int(token()), let height = Int(token()), token() == "255" else {
            throw FaceOracles.Unavailable(description: "\(url.path) is not an 8-bit binary PPM")
        }
        position += 1
        guard data.count - position >= width * height * 3 else { throw FaceOracles.Unavailable(description: "\(url.path) is truncated") }
        self.width = width
        self.height = height
        self.rgb = Array(data[position..<(position + width * height * 3)])
    }

    var name: String { url.lastPathComponent }
    var openCVGrey: GreyImage { GreyImage(rgb: rgb, width: width, height: height, conversion: .openCVLuma)! }
    var dlibGrey: GreyImage { GreyImage(rgb: rgb, width: width, height: height, conversion: .dlibMean)! }
}
