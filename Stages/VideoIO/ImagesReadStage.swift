import AvatarFlow
import Foundation
import MediaIO

/// `images.read`: an image folder (PNG/JPEG) → a FrameSet. Images directly in the folder form one
/// camera; otherwise every sub-folder holding images is a camera named after it.
public struct ImagesReadStage: Stage {
    /// Parameters of `images.read`.
    public struct Parameters: StageParameters {
        /// Camera id for images directly in the folder.
        public var camera: String
        /// Frame rate assigned to the images.
        public var fps: Double
        /// Longer side of the output frames in pixels (aspect kept); 0 keeps the image size.
        public var size: Int
        /// Keep every N-th image.
        public var everyNth: Int

        enum CodingKeys: String, CodingKey {
            case camera, fps, size
            case everyNth = "every_nth"
        }

        /// The schema.
        public static let fields: [ParameterField] = [
            .string("camera", "cam0", doc: "Camera id given to images lying directly in the folder."),
            .double("fps", 25, range: 0.001...1000, doc: "Frame rate assigned to the image sequence, in frames/s."),
            .int("size", 0, range: 0...8192, doc: "Longer side of the output frames in pixels, aspect ratio kept; 0 keeps the image size."),
            .int("every_nth", 1, range: 1...10_000, doc: "Keep every N-th image (file-name order)."),
        ]
    }

    /// The stage id.
    public static let id = "images.read"
    /// Output-format version.
    public static let version = 1
    /// One line.
    public static let summary = "Read a folder of PNG/JPEG images (one camera, or one sub-folder per camera) into a FrameSet."
    /// The folder.
    public static let inputs: [StagePort] = [StagePort("images", .imageFolder, doc: "Folder of images, or of one image sub-folder per camera.")]
    /// The frames.
    public static let outputs: [StagePort] = [StagePort("frames", .frameSet, doc: "The images as RGB frames, in file-name order.")]

    /// Creates the stage.
    public init() {}

    /// Reads every image into the output FrameSet.
    public func run(_ context: StageContext, _ parameters: Parameters) throws {
        let folder = try context.input("images")
        let cameras = try Self.cameraFolders(in: folder, singleCamera: parameters.camera)
        let first = try FrameSetConversion.imageFiles(in: cameras[0].folder)[0]
        let sourceSize = try PNGOrOtherImage.size(of: first)
        let options = try DecodeParameterSupport.options(
            stage: Self.id, size: parameters.size, crop: [], firstFrame: 0, frameCount: 0,
            everyNth: parameters.everyNth, fps: 0, colour: "ffmpeg", sourceSize: sourceSize)
        let frameSet = try FrameSetConversion.importImages(
            cameras: cameras, frameRate: Rational(approximating: parameters.fps),
            options: options, into: try context.output("frames"))
        context.reportProgress(completed: frameSet.manifest.frameCount, total: frameSet.manifest.frameCount, unit: "frames")
        context.log("read \(frameSet.manifest.frameCount) frames of \(cameras.count) camera(s)")
    }

    /// The camera folders: the folder itself when it holds images, else its sub-folders that do.
    static func cameraFolders(in folder: URL, singleCamera: String) throws -> [(id: String, folder: URL)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        if names.contains(where: { Capture.imageExtensions.contains(($0 as NSString).pathExtension.lowercased()) }) {
            return [(singleCamera, folder)]
        }
        let subfolders = names.sorted().filter { name in
            let candidate = folder.appendingPathComponent(name)
            let inside = (try? FileManager.default.contentsOfDirectory(atPath: candidate.path)) ?? []
            return inside.contains { Capture.imageExtensions.contains(($0 as NSString).pathExtension.lowercased()) }
        }
        guard !subfolders.isEmpty else {
            throw VideoIOStageError(stage: id, "\(folder.path) holds no .png/.jpg images and no sub-folders of images; point the input at an image folder")
        }
        return subfolders.map { ($0, folder.appendingPathComponent($0)) }
    }
}

/// Reads just enough of an image to know its size.
enum PNGOrOtherImage {
    static func size(of url: URL) throws -> PixelSize {
        if url.pathExtension.lowercased() == "png" {
            let image = try PNGFile.read8(url)
            return PixelSize(width: image.width, height: image.height)
        }
        let reader = try VideoReader(url: url)
        return PixelSize(width: reader.info.width, height: reader.info.height)
    }
}
