/// The type of a port: names one on-disk artifact form (see DESIGN.md "Artifacts").
///
/// Types match by name; an output of type T connects only to an input of type T. The formats
/// themselves are defined by the domain libraries (MediaIO defines `FrameSet` and `Capture`, …).
public struct ArtifactType: Sendable, Hashable, Codable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The type name as pipelines and diagnostics print it, e.g. `FrameSet`.
    public var name: String

    /// Creates a type from its name.
    public init(_ name: String) { self.name = name }

    /// Creates a type from a string literal.
    public init(stringLiteral value: String) { self.name = value }

    /// The name.
    public var description: String { name }

    /// A capture directory: per-camera videos or image folders, cameras.json, plates, ground truth.
    public static let capture: ArtifactType = "Capture"
    /// Synchronised multi-camera frames (and optional alpha) with timestamps.
    public static let frameSet: ArtifactType = "FrameSet"
    /// An encoded video file.
    public static let video: ArtifactType = "Video"
    /// Face boxes per frame per camera.
    public static let boxes: ArtifactType = "Boxes"
    /// 2D landmarks per frame per camera.
    public static let landmarks: ArtifactType = "Landmarks"
    /// Per-frame head-model pose and expression with shared identity.
    public static let tracking: ArtifactType = "Tracking"
    /// Part or region masks per frame per camera (MediaIO's `MaskSet`).
    public static let masks: ArtifactType = "Masks"
    /// A population of subject captures indexed by population.json (MediaIO's `Population`).
    public static let population: ArtifactType = "Population"
    /// A neutral mesh with features and deformation networks (mesh guidance).
    public static let guidance: ArtifactType = "Guidance"
    /// GPHM's parametric head model: mean mesh or Gaussians, networks, named identity/expression code tables.
    public static let parametricHead: ArtifactType = "ParametricHeadModel"
    /// A trained avatar that `render.reenact` can drive.
    public static let avatar: ArtifactType = "AvatarModel"
    /// A trained image upsampler that `superres.apply` runs on any FrameSet.
    public static let superResolutionModel: ArtifactType = "SuperResolutionModel"
    /// A triangle mesh in head-model units (`mesh.ply` + `mesh.json`), e.g. EAvatar's prior head.
    public static let mesh: ArtifactType = "Mesh"
    /// Metrics as JSON plus a human-readable table.
    public static let report: ArtifactType = "Report"
}
