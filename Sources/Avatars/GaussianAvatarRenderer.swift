import Foundation
import HeadModel
import Splatting

/// An avatar that turns a driving head-model state into world-space Gaussians and images. Each
/// avatar family (rigged Gaussians of GaussianAvatars, the MLP-deformed Gaussians of GHA, …)
/// implements it, so rendering and evaluation stages drive any family the same way.
public protocol GaussianAvatarRenderer: Sendable {
    /// The family name stored in `avatar.json`.
    static var family: String { get }
    /// The avatar's manifest.
    var manifest: AvatarManifest { get }
    /// The head model that drives the avatar.
    var headModel: HeadModel { get }
    /// World-space Gaussians for one driving state (pose, jaw, expression, translation of a
    /// Tracking frame; the avatar's own identity and scale are used, so another subject's
    /// tracking reenacts this avatar). Their features are the family's appearance (SH colours, or
    /// GHA's feature vectors before super-resolution); use `render` for images.
    func scene(driving frame: HeadTracking.Frame) throws -> GaussianScene
    /// RGBA images of one driving state seen from `cameras`, each at its camera's size: RGB over
    /// `manifest.background`, A the accumulated opacity. Families whose images are not the splatted
    /// colours (GHA's feature image + super-resolution) implement it; scene-based families use the
    /// default, which splats `scene(driving:)`.
    func render(driving frame: HeadTracking.Frame, cameras: [PinholeCamera], rasterizer: GaussianRasterizer) throws -> [AvatarImage]
}

extension GaussianAvatarRenderer {
    /// Splats `scene(driving:)` once per camera over `manifest.background`.
    public func render(driving frame: HeadTracking.Frame, cameras: [PinholeCamera],
                       rasterizer: GaussianRasterizer) throws -> [AvatarImage] {
        let scene = try scene(driving: frame)
        let settings = RasterSettings(background: manifest.background)
        return try cameras.map { camera in
            let output = try rasterizer.render(scene: scene, camera: camera, settings: settings).output
            return AvatarImage(width: output.width, height: output.height, rgb: output.channels == 3 ? output.image
                               : (0..<(output.width * output.height)).flatMap { p in (0..<3).map { output.image[p * output.channels + $0] } },
                               alpha: output.alpha)
        }
    }
}

/// A rendered avatar image: interleaved RGB `[H·W·3]` and alpha `[H·W]`, floats in [0, 1] (RGB
/// may leave the range slightly; writers clamp).
public struct AvatarImage: Sendable, Equatable {
    /// Width in pixels.
    public var width: Int
    /// Height in pixels.
    public var height: Int
    /// Row-major interleaved RGB.
    public var rgb: [Float]
    /// Row-major accumulated opacity.
    public var alpha: [Float]

    /// Creates an image; array sizes must match the dimensions.
    public init(width: Int, height: Int, rgb: [Float], alpha: [Float]) {
        precondition(rgb.count == width * height * 3 && alpha.count == width * height, "avatar image arrays do not match \(width)x\(height)")
        self.width = width
        self.height = height
        self.rgb = rgb
        self.alpha = alpha
    }
}

/// Opens AvatarModel artifacts of every known family.
public enum AvatarLoader {
    /// Reads the avatar in `directory` with the renderer of its family.
    public static func load(from directory: URL) throws -> any GaussianAvatarRenderer {
        let manifest = try AvatarManifest.read(from: directory)
        switch manifest.family {
        case RiggedGaussianAvatar.family:
            return try RiggedGaussianAvatar.read(from: directory)
        case DynamicGaussianAvatar.family:
            return try DynamicGaussianAvatar.read(from: directory)
        default:
            throw AvatarError("\(directory.path): avatar family '\(manifest.family)' is not known to this build (known: \(RiggedGaussianAvatar.family), \(DynamicGaussianAvatar.family)); update AvatarFlow or re-train")
        }
    }

    /// Loads the head model a manifest refers to and checks its name.
    public static func headModel(_ reference: HeadModelReference) throws -> HeadModel {
        let model = reference.path.isEmpty ? ProceduralHeadBuilder.build()
            : try HeadModelFormat.read(from: URL(fileURLWithPath: reference.path))
        guard model.name == reference.name else {
            throw AvatarError("the avatar was trained with head model '\(reference.name)' but '\(reference.path.isEmpty ? "built-in" : reference.path)' holds '\(model.name)'; point the stage at the same model")
        }
        return model
    }
}
