import AvatarFlow
import Avatars
import DifferentiableMesh
import Foundation
import Geometry
import HeadModel
import MediaIO

/// A Mesh artifact: `mesh.ply` (head-model units) and `mesh.json` saying where it came from.
/// EAvatar's prior head (§3.3) travels as one, so it is cached and swappable like any stage output.
struct PriorMeshArtifact: Codable {
    /// Always "avatarflow.mesh".
    var format = "avatarflow.mesh"
    /// Units of the positions; always "head-model".
    var units = "head-model"
    /// The stage that made it, e.g. "mesh.visual-hull".
    var source: String
    var vertexCount: Int
    var triangleCount: Int

    enum CodingKeys: String, CodingKey {
        case format, units, source
        case vertexCount = "vertex_count"
        case triangleCount = "triangle_count"
    }

    /// Writes `mesh` with its description into `directory`.
    static func write(_ mesh: TriangleMesh, source: String, to directory: URL) throws {
        try PLYFormat.write(mesh, to: directory.appendingPathComponent("mesh.ply"))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let record = PriorMeshArtifact(source: source, vertexCount: mesh.vertexCount, triangleCount: mesh.triangles.count)
        try encoder.encode(record).write(to: directory.appendingPathComponent("mesh.json"), options: .atomic)
    }

    /// Reads the mesh of a Mesh artifact directory.
    /// - Throws: `MeshGuidanceError` naming the file when it is missing or unreadable.
    static func read(from directory: URL) throws -> TriangleMesh {
        let url = directory.appendingPathComponent("mesh.ply")
        do {
            return try PLYFormat.read(from: url)
        } catch let error as GeometryError {
            throw MeshGuidanceError("\(url.path): \(error.description); re-run the stage that made this Mesh (mesh.visual-hull or mesh.load)")
        }
    }
}

/// `mesh.load`: a user's head mesh (OBJ or PLY in head-model units, e.g. made by an image-to-3D tool
/// and registered to the head model) as a Mesh artifact — EAvatar's prior (§3.3) when a generated one exists.
public struct LoadMeshStage: Stage {
    /// Parameters.
    public struct Parameters: StageParameters {
        @Param(path: "The mesh file, .obj or .ply, in head-model units.")
        public var path: String = ""
        /// Every parameter at its default.
        public init() {}
    }

    public static let id = "mesh.load"
    public static let version = 1
    public static let summary = "Reads an OBJ or PLY head mesh (head-model units) into a Mesh artifact, e.g. EAvatar's prior."
    public static let inputs: [StagePort] = []
    public static let outputs = [StagePort("mesh", .mesh, doc: "mesh.ply (head-model units) + mesh.json.")]

    public init() {}

    /// Reads and re-writes the mesh.
    public func run(_ context: StageContext, _ parameters: Parameters) throws {
        guard !parameters.path.isEmpty else { throw MeshGuidanceError("mesh.load needs `path`, an .obj or .ply file in head-model units") }
        let url = context.resolvePath(parameters.path)
        let mesh: TriangleMesh
        do {
            mesh = try SDFGuidanceStage.readPriorMesh(url)
        } catch let error as GeometryError {
            throw MeshGuidanceError("path \(url.path): \(error.description)")
        }
        guard !mesh.triangles.isEmpty else { throw MeshGuidanceError("path \(url.path): the mesh has no triangles; give a closed head surface") }
        try PriorMeshArtifact.write(mesh, source: Self.id, to: try context.output("mesh"))
        context.log("\(mesh.vertexCount) vertices, \(mesh.triangles.count) triangles from \(url.lastPathComponent)")
    }
}

/// `mesh.visual-hull`: EAvatar's prior head (§3.3) carved from the multi-view masks of chosen
/// frames — the full head with hair and back of the head, as a generated mesh would be — in place of
/// the image-to-3D model we cannot ship. Each frame's masks are mapped into the head's canonical
/// space with its tracked pose, so several frames carve one pose-free hull.
public struct VisualHullStage: Stage {
    /// Parameters.
    public struct Parameters: StageParameters {
        @Param("Frames whose masks carve the hull (every camera of each).", range: 0...1_000_000)
        public var frames: [Int] = [0]
        @Param("Cameras used; empty = all.")
        public var cameras: [String] = []
        @Param("Tetrahedral grid cells per axis.", range: 8...256)
        public var resolution: Int = 64
        @Param("Half side of the carved cube around the head's centre, canonical units (head length ≈ 1).", range: 0.1...4)
        public var halfExtent: Double = 0.8
        @Param("Alpha level of the silhouette.", range: 0.01...0.99)
        public var threshold: Double = 0.5
        @Param(path: "Head model directory (docs/head-model-format.md); empty = built-in procedural model.")
        public var model: String = ""
        /// Every parameter at its default.
        public init() {}
    }

    public static let id = "mesh.visual-hull"
    public static let version = 1
    public static let summary = "Carves a head mesh (head-model units) from the multi-view masks of chosen frames: EAvatar's prior stand-in."
    public static let inputs = [
        StagePort("frames", .frameSet, doc: "Matted RGBA frames with calibrations (the alpha is the mask), e.g. the head without the body."),
        StagePort("tracking", .tracking, doc: "The head-model fit of the same frames (maps each frame's masks to the head's space)."),
    ]
    public static let outputs = [StagePort("mesh", .mesh, doc: "mesh.ply (head-model units) + mesh.json.")]

    public init() {}

    /// Carves and writes the hull.
    public func run(_ context: StageContext, _ parameters: Parameters) throws {
        let frameSet = try FrameSet.open(try context.input("frames"))
        let tracking = try HeadTracking.read(from: try context.input("tracking"))
        let modelPath = parameters.model.isEmpty ? "" : context.resolvePath(parameters.model).path
        let headModel = try AvatarLoader.headModel(HeadModelReference(name: tracking.model, path: modelPath))
        let split: CalibratedViews
        do {
            split = try CalibratedViews.open(
                frameSet: frameSet, tracking: tracking, heldOutCameras: [], heldOutFrames: 0, consumer: Self.id, requiresAlpha: true)
        } catch let error as AvatarError {
            throw MeshGuidanceError(error.description)
        }
        for frame in parameters.frames where frame >= frameSet.manifest.frameCount {
            throw MeshGuidanceError("frames names frame \(frame), but the frames have \(frameSet.manifest.frameCount); pick frames below that")
        }
        for camera in parameters.cameras where !frameSet.manifest.cameras.contains(camera) {
            throw MeshGuidanceError("cameras names '\(camera)', which the frames do not have (\(frameSet.manifest.cameras.joined(separator: ", ")))")
        }
        let space = try CanonicalHeadSpace.of(tracking: tracking, model: headModel)
        var views: [VisualHull.View] = []
        for view in split.views(frames: parameters.frames).training where parameters.cameras.isEmpty || parameters.cameras.contains(view.cameraID) {
            let image = try frameSet.floatImage(frame: view.frame, camera: view.cameraID)
            let alpha = (0..<(image.width * image.height)).map { image.samples[$0 * image.channels + 3] }
            let transform = space.worldTransform(of: tracking.frames[view.frame], scale: tracking.scale)
            views.append(VisualHull.View(camera: view.camera, alpha: alpha, worldFromGrid: transform.apply))
        }
        let grid = try TetrahedralGrid(resolution: parameters.resolution, halfExtent: Float(parameters.halfExtent))
        let canonical: TriangleMesh
        do {
            canonical = try VisualHull.carve(grid: grid, views: views, threshold: Float(parameters.threshold))
        } catch let error as DifferentiableMeshError {
            throw MeshGuidanceError("\(error.description) (frames \(parameters.frames), half_extent \(parameters.halfExtent))")
        }
        let mesh = TriangleMesh(positions: canonical.positions.map(space.model(fromCanonical:)), triangles: canonical.triangles)
        try PriorMeshArtifact.write(mesh, source: Self.id, to: try context.output("mesh"))
        context.log(
            "carved from \(views.count) masks (frames \(parameters.frames)) on a \(parameters.resolution)³ grid: \(mesh.vertexCount) vertices, \(mesh.triangles.count) triangles"
        )
    }
}
