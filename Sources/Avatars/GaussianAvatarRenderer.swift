import Foundation
import HeadModel
import Splatting

/// An avatar that turns a driving head-model state into world-space Gaussians. Each avatar family
/// (rigged Gaussians of GaussianAvatars, the MLP-deformed Gaussians of GHA, …) implements it, so
/// rendering and evaluation stages drive any family the same way.
public protocol GaussianAvatarRenderer: Sendable {
    /// The family name stored in `avatar.json`.
    static var family: String { get }
    /// The avatar's manifest.
    var manifest: AvatarManifest { get }
    /// The head model that drives the avatar.
    var headModel: HeadModel { get }
    /// World-space Gaussians for one driving state (pose, jaw, expression, translation of a
    /// Tracking frame; the avatar's own identity and scale are used, so another subject's
    /// tracking reenacts this avatar).
    func scene(driving frame: HeadTracking.Frame) throws -> GaussianScene
}

/// Opens AvatarModel artifacts of every known family.
public enum AvatarLoader {
    /// Reads the avatar in `directory` with the renderer of its family.
    public static func load(from directory: URL) throws -> any GaussianAvatarRenderer {
        let manifest = try AvatarManifest.read(from: directory)
        switch manifest.family {
        case RiggedGaussianAvatar.family:
            return try RiggedGaussianAvatar.read(from: directory)
        default:
            throw AvatarError("\(directory.path): avatar family '\(manifest.family)' is not known to this build (known: \(RiggedGaussianAvatar.family)); update AvatarFlow or re-train")
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
