import Foundation
import HeadModel
import MediaIO
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
    /// `manifest.background` (may leave [0, 1] slightly; `Image8(rounding:)` clamps), A the accumulated opacity. Families whose images are not the splatted
    /// colours (GHA's feature image + super-resolution) implement it; scene-based families use the
    /// default, which splats `scene(driving:)`.
    func render(driving frame: HeadTracking.Frame, cameras: [PinholeCamera], rasterizer: GaussianRasterizer) throws -> [FloatImage]
}

extension GaussianAvatarRenderer {
    /// Splats `scene(driving:)` once per camera over `manifest.background`.
    public func render(
        driving frame: HeadTracking.Frame, cameras: [PinholeCamera],
        rasterizer: GaussianRasterizer
    ) throws -> [FloatImage] {
        let scene = try scene(driving: frame)
        let settings = RasterSettings(background: manifest.background)
        return try cameras.map { camera in
            let output = try rasterizer.render(scene: scene, camera: camera, settings: settings).output
            var rgba = [Float](repeating: 0, count: output.width * output.height * 4)
            for p in 0..<(output.width * output.height) {
                for c in 0..<3 { rgba[4 * p + c] = output.image[p * output.channels + c] }
                rgba[4 * p + 3] = output.alpha[p]
            }
            return FloatImage(width: output.width, height: output.height, channels: 4, samples: rgba)
        }
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
        case HeadHairAvatar.family:
            return try HeadHairAvatar.read(from: directory)
        case ParametricHeadAvatar.family:
            return try ParametricHeadAvatar.read(from: directory)
        default:
            throw AvatarError(
                "\(directory.path): avatar family '\(manifest.family)' is not known to this build (known: \(RiggedGaussianAvatar.family), \(DynamicGaussianAvatar.family), \(HeadHairAvatar.family), \(ParametricHeadAvatar.family)); update AvatarFlow or re-train"
            )
        }
    }

    /// Loads the head model a manifest refers to and checks its name.
    public static func headModel(_ reference: HeadModelReference) throws -> HeadModel {
        let model =
            reference.path.isEmpty
            ? ProceduralHeadBuilder.build()
            : try HeadModelFormat.read(from: URL(fileURLWithPath: reference.path))
        guard model.name == reference.name else {
            throw AvatarError(
                "the avatar was trained with head model '\(reference.name)' but '\(reference.path.isEmpty ? "built-in" : reference.path)' holds '\(model.name)'; point the stage at the same model"
            )
        }
        return model
    }
}
