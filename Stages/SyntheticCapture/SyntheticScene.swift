import Foundation
import Geometry
import HeadModel

/// The synthetic capture scene: a textured procedural head with simulated hair cards and
/// shoulders, in front of a textured backdrop, seen by a camera arc, performing a training
/// sequence and a held-out sequence. Everything is deterministic in the configuration.
///
/// World space is the head model's space (metres, y up, the face looking along +z).
public struct SyntheticScene: Sendable {
    /// The configuration it was built from.
    public let configuration: SyntheticCaptureConfiguration
    /// The head model (the procedural model unless another is given).
    public let model: HeadModel
    /// The subject's identity and appearance.
    public let subject: SyntheticSubject
    /// Training cameras, ordered along the arc ("cam00" …).
    public let cameras: [PinholeCamera]
    /// Held-out cameras for novel-view evaluation ("held00" …).
    public let heldOutCameras: [PinholeCamera]
    /// Per-frame states of the training and held-out sequences.
    public let performances: [PerformanceKind: [PerformanceFrame]]
    /// Per-frame geometry (posed head, hair ribbons, landmarks) of each sequence.
    let geometry: [PerformanceKind: [FrameGeometry]]
    let texture: Texture
    let torso: TriangleMesh
    let backdrop: TriangleMesh
    let triangles: [SIMD3<Int32>]
    let headTriangleCount: Int
    let hairTriangleCount: Int
    let triangleRegions: [HeadRegion]
    let cardShades: [Float]
    /// The point every camera looks at, world metres.
    static let cameraTarget = SIMD3<Float>(0, -0.035, 0)
    /// Horizontal field of view of every camera, radians.
    static let fieldOfView: Float = 26 * .pi / 180

    /// The animated geometry of one frame.
    struct FrameGeometry: Sendable {
        var positions: [SIMD3<Float>]
        var normals: [SIMD3<Float>]
        var hairAttributes: [SIMD3<Float>]
        var landmarks: [SIMD3<Float>]
    }

    /// Builds the scene: subject, texture, cameras, performances and the hair simulation.
    public init(configuration: SyntheticCaptureConfiguration, model: HeadModel = ProceduralHeadBuilder.build()) throws {
        try configuration.validate()
        try model.validate()
        guard model.jointCount == 5, !model.uv.isEmpty else {
            throw SyntheticCaptureError(
                "the synthetic capture needs a head model with UVs and the joints root, neck, jaw, left_eye, right_eye; '\(model.name)' has \(model.jointCount) joints"
            )
        }
        self.configuration = configuration
        self.model = model
        subject = SyntheticSubject(seed: configuration.seed, identityCount: model.identityCount, varied: configuration.identityVariety)
        texture = SkinTextureSynthesizer.paint(model: model, subject: subject, size: 512)
        let target = SyntheticScene.cameraTarget
        let fieldOfView = SyntheticScene.fieldOfView
        let arc = try CameraRig.arc(
            count: configuration.cameraCount, arcDegrees: configuration.arcDegrees, radius: 0.95, elevation: 0.03,
            target: target, width: configuration.width, height: configuration.height, horizontalFieldOfView: fieldOfView)
        cameras =
            configuration.cameraRows == 1
            ? arc
            : arc.enumerated().map { index, camera in
                PinholeCamera(
                    id: camera.id, width: camera.width, height: camera.height, horizontalFieldOfView: fieldOfView,
                    eye: camera.center + SIMD3(0, index % 2 == 0 ? 0.10 : -0.06, 0), target: target)
            }
        heldOutCameras = (0..<configuration.heldOutCameraCount).map { k in
            let fraction = (Float(k) + 0.5) / Float(configuration.heldOutCameraCount)
            let azimuth = (fraction - 0.5) * configuration.arcDegrees * 0.8 * .pi / 180
            let eye = target + SIMD3(0.95 * sin(azimuth), 0.16, 0.95 * cos(azimuth))
            return PinholeCamera(
                id: String(format: "held%02d", k), width: configuration.width, height: configuration.height,
                horizontalFieldOfView: fieldOfView, eye: eye, target: target)
        }
        var generator = SplitMix64(seed: subject.noiseSeed ^ 0x5348_4144)
        cardShades = (0..<16).map { _ in generator.nextFloat(in: 0.75, 1.2) }
        let unitTorso = TriangleMesh.uvSphere(radius: 1, rings: 16, segments: 32)
            .transformed(by: RigidTransform(rotation: Matrix3x3(rotationVector: SIMD3(-.pi / 2, 0, 0))))
        var scaledTorso = unitTorso
        scaledTorso.positions = unitTorso.positions.map { SyntheticScene.torsoCenter + $0 * SyntheticScene.torsoRadii }
        scaledTorso.attributes["normal"] = VertexAttribute(vectors: scaledTorso.vertexNormals())
        backdrop = SyntheticScene.makeBackdrop()

        var performances: [PerformanceKind: [PerformanceFrame]] = [:]
        var geometry: [PerformanceKind: [FrameGeometry]] = [:]
        var hairTriangles: [SIMD3<Int32>] = []
        for kind in PerformanceKind.allCases {
            let count = kind == .training ? configuration.frameCount : configuration.heldOutFrameCount
            var frames = SyntheticPerformance.generate(
                motion: configuration.motion, kind: kind, seed: configuration.seed, frameCount: count,
                framesPerSecond: configuration.framesPerSecond,
                expressionCount: model.expressionCount, jointCount: model.jointCount, trainingFrames: configuration.frameCount)
            if configuration.sway > 0 {
                for index in frames.indices {
                    let time = Float(index) / configuration.framesPerSecond
                    frames[index].pose.translation.x += configuration.sway * sin(2 * .pi * time / 4)
                }
            }
            performances[kind] = frames
            geometry[kind] = try SyntheticScene.simulate(
                model: model, subject: subject, frames: frames, torso: scaledTorso,
                framesPerSecond: configuration.framesPerSecond, hair: HairStyle(subject: subject, motion: configuration.motion), cardShades: cardShades,
                hairTriangles: &hairTriangles)
        }
        self.performances = performances
        self.geometry = geometry
        self.torso = scaledTorso
        let headVertexCount = model.vertexCount
        let hairVertexCount = geometry[.training]![0].positions.count - headVertexCount - scaledTorso.vertexCount
        triangles =
            model.triangles + hairTriangles.map { $0 &+ SIMD3(repeating: Int32(headVertexCount)) }
            + scaledTorso.triangles.map { $0 &+ SIMD3(repeating: Int32(headVertexCount + hairVertexCount)) }
        headTriangleCount = model.triangles.count
        hairTriangleCount = hairTriangles.count
        triangleRegions = model.triangles.map { model.vertexRegions[Int($0.x)] }
    }

    /// Centre of the shoulders ellipsoid at rest, metres.
    static let torsoCenter = SIMD3<Float>(0, -0.30, -0.025)
    /// Radii of the shoulders ellipsoid, metres.
    static let torsoRadii = SIMD3<Float>(0.2, 0.13, 0.13)

    /// Runs the hair simulation through a sequence (after a one-second settling phase in the first
    /// frame's pose) and assembles each frame's geometry.
    static func simulate(
        model: HeadModel, subject: SyntheticSubject, frames: [PerformanceFrame], torso: TriangleMesh,
        framesPerSecond: Float, hair style: HairStyle, cardShades: [Float], hairTriangles: inout [SIMD3<Int32>]
    ) throws -> [FrameGeometry] {
        guard let first = frames.first else { return [] }
        func posed(_ frame: PerformanceFrame) throws -> (HeadModelInstance, [SIMD3<Float>]) {
            let instance = try model.evaluate(identity: subject.identity, expression: frame.expression, pose: frame.pose)
            let normals = TriangleMesh(positions: instance.vertices, triangles: model.triangles).vertexNormals()
            return (instance, normals)
        }
        let (initial, initialNormals) = try posed(first)
        var hair = HairSimulation(
            model: model, vertices: initial.vertices, normals: initialNormals,
            hairLength: style.length, seed: subject.noiseSeed, spacing: 0.012 / style.volume.squareRoot(), parting: style.parting)
        hair.stabilised = style.stabilised
        hair.width = 0.028 * style.volume
        hair.lift = 0.0015 * style.volume
        if style.collidesWithShoulders {
            hair.shoulders = (center: SyntheticScene.torsoCenter, radii: SyntheticScene.torsoRadii)
        }
        for _ in 0..<Int(framesPerSecond * style.settlingSeconds) {
            hair.step(
                frameDuration: 1 / framesPerSecond, vertices: initial.vertices, normals: initialNormals, head: initial.jointTransforms[1],
                bodyOffset: first.pose.translation)
        }
        var result: [FrameGeometry] = []
        for (index, frame) in frames.enumerated() {
            let (instance, normals) = index == 0 ? (initial, initialNormals) : try posed(frame)
            if index > 0 {
                hair.step(
                    frameDuration: 1 / framesPerSecond, vertices: instance.vertices, normals: normals, head: instance.jointTransforms[1],
                    bodyOffset: frame.pose.translation)
            }
            let headCenter = instance.jointTransforms[1].apply(SIMD3(0, 0.012, -0.008))
            let ribbons = hair.ribbons(headCenter: headCenter, cardShades: cardShades)
            if hairTriangles.isEmpty { hairTriangles = ribbons.triangles }
            let torsoNormals = torso.attributes["normal"]!
            result.append(
                FrameGeometry(
                    positions: instance.vertices + ribbons.positions + torso.positions.map { $0 + frame.pose.translation },
                    normals: normals + ribbons.normals + (0..<torso.vertexCount).map { torsoNormals.vector3($0) },
                    hairAttributes: ribbons.attributes,
                    landmarks: instance.landmarks))
        }
        return result
    }

    /// The hair tips (last particle's ribbon midpoint of each card) of a frame, world metres.
    func hairTips(_ kind: PerformanceKind, frame: Int) -> [SIMD3<Float>] {
        let positions = geometry[kind]![frame].positions
        let hairVertices = positions.count - model.vertexCount - torso.vertexCount
        let cards = hairTriangleCount / (2 * HairSimulation.segments)
        let perCard = hairVertices / max(1, cards)
        return (0..<cards).map { card in
            let last = model.vertexCount + card * perCard + perCard - 2
            return (positions[last] + positions[last + 1]) / 2
        }
    }

    /// A cylinder of radius 1.6 m around the scene, seen from inside, carrying the wall pattern.
    static func makeBackdrop() -> TriangleMesh {
        var mesh = TriangleMesh.grid(width: 1, height: 1, columns: 72, rows: 6)
        let uv = mesh.attributes["uv"]!
        mesh.positions = (0..<mesh.vertexCount).map { v in
            let u = uv.values[2 * v], t = uv.values[2 * v + 1]
            let angle = (u - 0.5) * 2 * .pi
            return SIMD3(1.6 * sin(angle + .pi), 1.4 - 2.8 * t, 1.6 * cos(angle + .pi))
        }
        return mesh
    }

    /// Whether the training cameras move per frame (`handheld` > 0).
    public var isHandheld: Bool { configuration.handheld > 0 }

    /// Camera `camera` at `frame` of sequence `kind`: itself on a tripod (held-out cameras, or
    /// `handheld` = 0), else displaced by a slow smooth hand-held motion — eye offsets of two
    /// sinusoids per axis (0.1–0.35 Hz, amplitude `handheld`) and a third of that on the look-at point.
    public func camera(_ camera: PinholeCamera, frame: Int, kind: PerformanceKind) -> PinholeCamera {
        guard isHandheld, cameras.contains(camera) else { return camera }
        var generator = SplitMix64(seed: subject.noiseSeed ^ 0x4841_4E44 ^ UInt64(kind == .training ? 0 : 1))
        let t = Float(frame) / configuration.framesPerSecond
        func wobble() -> SIMD3<Float> {
            SIMD3<Float>(
                (0..<3).map { _ -> Float in
                    let f1 = generator.nextFloat(in: 0.1, 0.2), f2 = generator.nextFloat(in: 0.2, 0.35)
                    let p1 = generator.nextFloat(in: 0, 2 * .pi), p2 = generator.nextFloat(in: 0, 2 * .pi)
                    return 0.7 * sin(2 * .pi * f1 * t + p1) + 0.3 * sin(2 * .pi * f2 * t + p2)
                })
        }
        let eye = camera.center + configuration.handheld * wobble()
        let target = SyntheticScene.cameraTarget + configuration.handheld / 3 * wobble()
        return PinholeCamera(
            id: camera.id, width: camera.width, height: camera.height, horizontalFieldOfView: SyntheticScene.fieldOfView, eye: eye, target: target)
    }

    /// Number of frames of a sequence.
    public func frameCount(_ kind: PerformanceKind) -> Int {
        geometry[kind]?.count ?? 0
    }

    /// World-space 3D landmarks of a frame.
    public func landmarks3D(_ kind: PerformanceKind, frame: Int) -> [SIMD3<Float>] {
        geometry[kind]![frame].landmarks
    }

    /// The static background plate seen by `camera` (sRGB RGB in [0, 1]): the backdrop wall alone.
    public func backgroundPlate(camera: PinholeCamera) -> FloatImage {
        let fragments = MeshRasterizer().rasterize(positions: backdrop.positions, triangles: backdrop.triangles, camera: camera)
        let uv = fragments.interpolate(backdrop.attributes["uv"]!, triangles: backdrop.triangles)
        let noise = ValueNoise(seed: subject.noiseSeed ^ 0x4241_434B)
        let palette = wallPalette()
        var plate = FloatImage(width: camera.width, height: camera.height, channels: 3)
        for p in 0..<(camera.width * camera.height) {
            let u = uv.samples[2 * p], v = uv.samples[2 * p + 1]
            var colour = palette.wall * (1 - 0.25 * v) + palette.accent * 0.08 * v
            colour *= 1 + 0.05 * noise.fractal(SIMD3(u * 90, v * 22, 0)) + 0.02 * noise.value(SIMD3(u * 900, v * 220, 1))
            let panel = (u * 24).truncatingRemainder(dividingBy: 1)
            if panel < 0.035 { colour *= 0.8 }
            for frame in palette.frames where abs(u - frame.x) < frame.z && abs(v - frame.y) < frame.w {
                let inner = abs(u - frame.x) < frame.z * 0.85 && abs(v - frame.y) < frame.w * 0.88
                colour = inner ? palette.accent * (0.8 + 0.2 * noise.value(SIMD3(u * 60, v * 16, 5))) : SIMD3(0.2, 0.17, 0.14)
            }
            if v > 0.78 { colour = palette.floor * (1 + 0.08 * noise.value(SIMD3(u * 400, v * 30, 9))) }
            for c in 0..<3 { plate.samples[3 * p + c] = SyntheticScene.encodeSRGB(colour[c]) }
        }
        return plate
    }

    struct WallPalette {
        var wall: SIMD3<Float>
        var accent: SIMD3<Float>
        var floor: SIMD3<Float>
        var frames: [SIMD4<Float>]
    }

    func wallPalette() -> WallPalette {
        var generator = SplitMix64(seed: subject.noiseSeed ^ 0x5741_4C4C)
        let wall = SIMD3(generator.nextFloat(in: 0.45, 0.75), generator.nextFloat(in: 0.45, 0.72), generator.nextFloat(in: 0.4, 0.7))
        let accent = SIMD3(generator.nextFloat(in: 0.1, 0.8), generator.nextFloat(in: 0.1, 0.8), generator.nextFloat(in: 0.1, 0.8))
        let floor = SIMD3(generator.nextFloat(in: 0.25, 0.4), generator.nextFloat(in: 0.2, 0.3), generator.nextFloat(in: 0.15, 0.25))
        let frames = (0..<6).map { _ in
            SIMD4(
                generator.nextFloat(in: 0.25, 0.75), generator.nextFloat(in: 0.25, 0.6), generator.nextFloat(in: 0.015, 0.04),
                generator.nextFloat(in: 0.05, 0.12))
        }
        return WallPalette(wall: wall, accent: accent, floor: floor, frames: frames)
    }

    /// Linear to sRGB transfer (IEC 61966-2-1), clamped to [0, 1].
    @inline(__always) static func encodeSRGB(_ linear: Float) -> Float {
        let x = min(max(linear, 0), 1)
        return x <= 0.0031308 ? 12.92 * x : 1.055 * powf(x, 1 / 2.4) - 0.055
    }
}
