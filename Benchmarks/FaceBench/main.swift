// FaceBench: Haar detection per 640×480 frame, 68-point landmarks per face and the CNN (MMOD)
// face detector per photograph, the ResNet face descriptor per face, against the reference implementations (OpenCV's
// cv2.CascadeClassifier, dlib's shape_predictor and dlib's DNN `net(image)`/`net(chip)`) when the
// oracle tools built by FaceAnalysisTests exist in ~/.cache/avatarflow/face-oracles.
// Prints one JSON object. Input: a real photograph from Debian's libdlib19.1 examples.
import FaceAnalysis
import Foundation
import Geometry

let oracleDirectory = FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/avatarflow/face-oracles")
let dlibOracle = oracleDirectory.appendingPathComponent("dlib_oracle_v4")
let openCVPython = oracleDirectory.appendingPathComponent("opencv-venv/bin/python")
let photograph = "/usr/share/doc/libdlib19.1/examples/faces/2008_001322.jpg"
let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("facebench-\(UUID().uuidString)")
try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: scratch) }

struct BenchFailure: Error, CustomStringConvertible { var description: String }

@discardableResult
func run(_ executable: String, _ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw BenchFailure(description: "\(executable) failed") }
    return String(decoding: data, as: UTF8.self)
}

/// Reads a binary PGM (P5) or PPM (P6) written by ffmpeg; returns (width, height, channels, bytes).
func readNetpbm(_ url: URL) throws -> (Int, Int, Int, [UInt8]) {
    let data = [UInt8](try Data(contentsOf: url))
    var position = 0
    func token() -> String {
        while position < data.count, data[position] <= 0x20 { position += 1 }
        let start = position
        while position < data.count, data[position] > 0x20 { position += 1 }
        return String(decoding: data[start..<position], as: UTF8.self)
    }
    let magic = token()
    guard let width = Int(token()), let height = Int(token()), token() == "255", magic == "P5" || magic == "P6" else {
        throw BenchFailure(description: "\(url.path) is not an 8-bit PGM/PPM")
    }
    let channels = magic == "P5" ? 1 : 3
    position += 1
    return (width, height, channels, Array(data[position..<(position + width * height * channels)]))
}

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

func rounded(_ value: Double?, _ digits: Double = 1000) -> Double? { value.map { ($0 * digits).rounded() / digits } }

var report: [String: Any] = [:]

// MARK: Haar detection on a 640×480 frame
let framePath = scratch.appendingPathComponent("frame.pgm")
try run(
    "/usr/bin/env",
    ["ffmpeg", "-v", "error", "-y", "-i", photograph, "-vf", "scale=640:480", "-pix_fmt", "gray", "-f", "image2", "-c:v", "pgm", framePath.path])
let (frameWidth, frameHeight, _, frameBytes) = try readNetpbm(framePath)
let frame = GreyImage(width: frameWidth, height: frameHeight, grey: frameBytes)!
var cascade: HaarCascade!
report["haar_cascade_parse_ms"] = rounded(
    try seconds { cascade = try HaarCascade(contentsOf: URL(fileURLWithPath: HaarCascade.defaultFrontalFacePath)) } * 1000)
let detector = HaarCascadeDetector(cascade: cascade)
var faces: [FaceRectangle] = try detector.detect(frame)
let detectionRepeats = 10
let detectionSeconds = try seconds { for _ in 0..<detectionRepeats { faces = try detector.detect(frame) } }
report["haar_faces_found_640x480"] = faces.count
report["haar_ms_per_frame_640x480"] = rounded(detectionSeconds * 1000 / Double(detectionRepeats))
if FileManager.default.isExecutableFile(atPath: openCVPython.path) {
    let script = """
        import sys, time, cv2
        c = cv2.CascadeClassifier(sys.argv[1]); g = cv2.imread(sys.argv[2], cv2.IMREAD_GRAYSCALE)
        c.detectMultiScale(g, 1.1, 3)
        t = time.perf_counter()
        for _ in range(10): faces = c.detectMultiScale(g, 1.1, 3)
        print((time.perf_counter() - t) * 100, len(faces), cv2.getNumThreads())
        """
    let fields = try run(openCVPython.path, ["-c", script, HaarCascade.defaultFrontalFacePath, framePath.path]).split(separator: " ")
    if let openCVMilliseconds = Double(fields[0]) {
        report["opencv_haar_ms_per_frame_640x480"] = rounded(openCVMilliseconds)
        report["opencv_faces_found_640x480"] = Int(fields[1])
        report["opencv_threads"] = Int(fields[2].trimmingCharacters(in: .whitespacesAndNewlines))
        report["haar_time_ratio_to_opencv"] = rounded(detectionSeconds * 1000 / Double(detectionRepeats) / openCVMilliseconds, 100)
    }
} else {
    report["opencv_note"] = "run FaceAnalysisTests first to create \(openCVPython.path)"
}
report["threads"] = ProcessInfo.processInfo.activeProcessorCount

// MARK: 68-point landmarks
let modelURL = URL(fileURLWithPath: ShapePredictor.defaultModelPath)
var model: ShapePredictor!
report["dlib_model_parse_s"] = rounded(try seconds { model = try ShapePredictor(contentsOf: modelURL) })
let photoPath = scratch.appendingPathComponent("photo.ppm")
try run("/usr/bin/env", ["ffmpeg", "-v", "error", "-y", "-i", photograph, "-pix_fmt", "rgb24", "-f", "image2", "-c:v", "ppm", photoPath.path])
let (photoWidth, photoHeight, _, photoBytes) = try readNetpbm(photoPath)
let photo = GreyImage(rgb: photoBytes, width: photoWidth, height: photoHeight, conversion: .dlibMean)!
// The three faces dlib's frontal detector finds in this photograph (inclusive corners).
let boxes = [
    FaceRectangle(left: 342, top: 146, right: 446, bottom: 250), FaceRectangle(left: 221, top: 213, right: 293, bottom: 285),
    FaceRectangle(left: 109, top: 165, right: 181, bottom: 237),
]
let landmarkRepeats = 300
var checksum = 0.0
for box in boxes { checksum += model.landmarks(in: photo, box: box)[30].x }
let landmarkSeconds = seconds { for _ in 0..<landmarkRepeats { for box in boxes { checksum += model.landmarks(in: photo, box: box)[30].x } } }
let ourMilliseconds = landmarkSeconds * 1000 / Double(landmarkRepeats * boxes.count)
report["landmarks_ms_per_face"] = rounded(ourMilliseconds, 10000)
if FileManager.default.isExecutableFile(atPath: dlibOracle.path) {
    let boxFile = scratch.appendingPathComponent("boxes.txt")
    try boxes.map { "\($0.x) \($0.y) \($0.right) \($0.bottom)\n" }.joined().write(to: boxFile, atomically: true, encoding: .utf8)
    let fields = try run(dlibOracle.path, ["time", modelURL.path, photoPath.path, boxFile.path, String(landmarkRepeats)]).split(separator: " ")
    if let dlibMilliseconds = Double(fields[0]) {
        report["dlib_landmarks_ms_per_face"] = rounded(dlibMilliseconds, 10000)
        report["landmarks_time_ratio_to_dlib"] = rounded(ourMilliseconds / dlibMilliseconds, 100)
    }
} else {
    report["dlib_note"] = "run FaceAnalysisTests first to build \(dlibOracle.path)"
}
report["landmarks_checksum"] = checksum.isFinite ? 1 : 0

// MARK: CNN (MMOD) face detector on the whole photograph
if FileManager.default.fileExists(atPath: DlibModelFiles.mmodFaceDetector.path) {
    var cnn: MMODFaceDetector!
    report["cnn_model_parse_ms"] = rounded(try seconds { cnn = try MMODFaceDetector() } * 1000)
    var detections = try cnn.detect(rgb: photoBytes, width: photoWidth, height: photoHeight)
    let cnnRepeats = 5
    let cnnSeconds = try seconds { for _ in 0..<cnnRepeats { detections = try cnn.detect(rgb: photoBytes, width: photoWidth, height: photoHeight) } }
    let cnnMilliseconds = cnnSeconds * 1000 / Double(cnnRepeats)
    report["cnn_image_size"] = "\(photoWidth)x\(photoHeight)"
    report["cnn_faces_found"] = detections.count
    report["cnn_ms_per_image"] = rounded(cnnMilliseconds)
    if FileManager.default.isExecutableFile(atPath: dlibOracle.path) {
        let fields = try run(dlibOracle.path, ["cnn-time", DlibModelFiles.mmodFaceDetector.path, photoPath.path, String(cnnRepeats)]).split(separator: " ")
        if let dlibMilliseconds = Double(fields[0]) {
            report["dlib_cnn_ms_per_image"] = rounded(dlibMilliseconds)
            report["cnn_time_ratio_to_dlib"] = rounded(cnnMilliseconds / dlibMilliseconds, 100)
        }
    }
} else {
    report["cnn_note"] = "run scripts/setup.sh to fetch \(DlibModelFiles.mmodFaceDetector.path)"
}

// MARK: ResNet face descriptor on the largest face (chip extraction + network)
if FileManager.default.fileExists(atPath: DlibModelFiles.resnetFaceDescriptor.path) {
    var descriptor: FaceDescriptor!
    report["descriptor_model_parse_ms"] = rounded(try seconds { descriptor = try FaceDescriptor() } * 1000)
    let rgb = Image8(width: photoWidth, height: photoHeight, channels: 3, samples: photoBytes)
    let landmarks = model.landmarks(in: photo, box: boxes[0])
    var values = try descriptor.describe(image: rgb, landmarks: landmarks)
    let descriptorRepeats = 10
    let descriptorSeconds = try seconds { for _ in 0..<descriptorRepeats { values = try descriptor.describe(image: rgb, landmarks: landmarks) } }
    let descriptorMilliseconds = descriptorSeconds * 1000 / Double(descriptorRepeats)
    report["descriptor_ms_per_face"] = rounded(descriptorMilliseconds)
    report["descriptor_length"] = values.count
    if FileManager.default.isExecutableFile(atPath: dlibOracle.path) {
        let chip = try FaceChipExtraction.extract(rgb, try FaceChipDetails(landmarks: landmarks))
        let chipPath = scratch.appendingPathComponent("chip.ppm")
        try (Data("P6\n150 150\n255\n".utf8) + Data(chip.samples)).write(to: chipPath)
        let fields = try run(dlibOracle.path, ["descriptor-time", DlibModelFiles.resnetFaceDescriptor.path, chipPath.path, String(descriptorRepeats)])
            .split(separator: " ")
        if let dlibMilliseconds = Double(fields[0]) {
            report["dlib_descriptor_network_ms_per_chip"] = rounded(dlibMilliseconds)
            report["descriptor_time_ratio_to_dlib_network"] = rounded(descriptorMilliseconds / dlibMilliseconds, 100)
        }
    }
} else {
    report["descriptor_note"] = "run scripts/setup.sh to fetch \(DlibModelFiles.resnetFaceDescriptor.path)"
}

let json = try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys])
print(String(decoding: json, as: UTF8.self))
