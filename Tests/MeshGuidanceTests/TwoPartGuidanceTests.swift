import AvatarFlow
import Avatars
import DifferentiableMesh
import Foundation
import Geometry
import HeadModel
import MediaIO
import Tensors
import TestSupport
import Testing

@testable import MeshGuidance

/// HHAvatar's two-part guidance (§3.3, eq. 14–22): a head and a hair SDF merged into one labelled
/// mesh, and the occlusion-aware mask loss of eq. 20–21.
struct TwoPartGuidanceTests {
    static let shell: Float = 0.06

    /// A trainer with the hair part on a tiny capture of the procedural head (scalp from its regions).
    static func trainer(
        _ capture: GuidanceCapture, pretrainIterations: Int = 0, editing edit: (inout GuidanceData) -> Void = { _ in }
    ) throws -> SDFGuidanceTrainer {
        let model = GuidanceCapture.model
        var data = try GuidanceData.load(
            frameSet: try FrameSet.open(capture.frames), tracking: capture.truth, model: model, renderSize: 32, heldOutCameras: [])
        let mesh = try HeadHairParts.canonicalMesh(model: model, identity: capture.truth.identity, space: data.canonicalSpace)
        var settings = SDFGuidanceSettings(
            iterations: 10, pretrainIterations: pretrainIterations, gridResolution: 24, gridHalfExtent: 0.7, sphereRadius: 0.45,
            viewsPerStep: 2, fullEvaluationInterval: 1, bandRings: 4, geometryHidden: [32, 32],
            networks: .uniform(width: 16, featureWidth: 4, colorChannels: 4, expressionWidth: model.expressionCount + 3),
            blend: ExpressionBlend(), learningRate: 1e-3, landmarkLearningRate: 1e-4, rgbWeight: 1, silhouetteWeight: 0.1,
            deformationWeight: 1, offsetWeight: 0.01, landmarkSDFWeight: 0.1, laplacianWeight: 100 * 0.035, seed: 5,
            priorMesh: nil, priorWeight: 1)
        settings.hair = HairGeometrySettings(
            scalp: zip(mesh.vertices, mesh.regions).filter { $0.1 == .scalp }.map(\.0), shellThickness: shell, maskWeight: 0.1)
        edit(&data)
        return try SDFGuidanceTrainer(settings: settings, data: data)
    }

    /// Two unit squares facing a camera on its axis: the head one at depth 0, the hair one in front
    /// of its left half at depth 0.5 (vertices 0–3 head, 4–7 hair).
    static func overlappingSquares() -> (vertices: Tensor, triangles: [SIMD3<Int32>], parts: [Int32], camera: PinholeCamera) {
        let camera = PinholeCamera(
            width: 8, height: 8, fx: 12, fy: 12, cx: 3.5, cy: 3.5,
            worldToCamera: PinholeCamera.lookAt(eye: SIMD3(0, 0, 3), target: .zero, up: SIMD3(0, -1, 0)))
        let head: [Float] = [-1, -1, 0, 1, -1, 0, 1, 1, 0, -1, 1, 0]
        let hair: [Float] = [-1.2, -1.2, 0.5, -0.1, -1.2, 0.5, -0.1, 1.2, 0.5, -1.2, 1.2, 0.5]
        let quad: [SIMD3<Int32>] = [SIMD3(0, 1, 2), SIMD3(0, 2, 3)]
        return (
            Tensor(shape: [8, 3], scalars: head + hair), quad + quad.map { $0 &+ 4 }, [0, 0, 0, 0, 1, 1, 1, 1], camera
        )
    }

    @Test func aFitWhoseHairCoversTheHeadOrVanishedIsFlaggedAndAHealthyOneIsNot() throws {
        let swallowed = try #require(SDFGuidanceStage.degeneratePartsWarning(headIoU: 0.0, hairIoU: 0.468))
        #expect(swallowed.contains("the hair covers the head") && swallowed.contains("guide.seed"))
        let vanished = try #require(SDFGuidanceStage.degeneratePartsWarning(headIoU: 0.469, hairIoU: 0.002))
        #expect(vanished.contains("vanished") && vanished.contains("hair_sdf: false"))
        #expect(SDFGuidanceStage.degeneratePartsWarning(headIoU: 0.828, hairIoU: 0.729) == nil)
    }

    @Test func theHairSDFStartsAsAShellAroundTheScalp() throws {
        let capture = try GuidanceCapture(size: 32, frameCount: 1, ringCameras: 2, heldOut: 0)
        defer { capture.remove() }
        let trainer = try Self.trainer(capture, pretrainIterations: 300)
        trainer.pretrain()
        let mesh = try trainer.extractNeutral()
        let scalp = KDTree(points: try #require(trainer.settings.hair).scalp)
        let hair = mesh.parts.indices.filter { mesh.parts[$0] == 1 }
        #expect(hair.count > 100, "the hair surface exists: \(hair.count) vertices")
        #expect(mesh.parts.contains(0), "so does the head")
        // Distance of each hair vertex to the scalp: the shell's surface lies `shell` from it, up to
        // the pretraining error and DMTet's linear crossing on a grid of 1.4/24 ≈ 0.06 cells.
        let distances = hair.map { v in
            scalp.nearest(to: SIMD3(mesh.vertices[flat: 3 * v], mesh.vertices[flat: 3 * v + 1], mesh.vertices[flat: 3 * v + 2]), k: 1)[0]
                .squaredDistance.squareRoot()
        }.sorted()
        let median = distances[distances.count / 2]
        #expect(abs(median - Self.shell) < 0.03, "median distance of the hair surface to the scalp \(median), shell \(Self.shell)")
    }

    @Test func thePartChannelsShowTheNearerPart() throws {
        let capture = try GuidanceCapture(size: 32, frameCount: 1, ringCameras: 2, heldOut: 0)
        defer { capture.remove() }
        let trainer = try Self.trainer(capture)
        let squares = Self.overlappingSquares()
        let colors = Variable(Tensor(zeros: [8, 4]))
        let rendered = try trainer.render(
            world: Variable(squares.vertices), colors: colors, triangles: squares.triangles,
            adjacency: TriangleAdjacency(triangles: squares.triangles), camera: squares.camera, parts: squares.parts)
        let parts = try #require(rendered.parts).value
        func pixel(_ x: Int, _ y: Int) -> [Float] { [parts[flat: 2 * (y * 8 + x)], parts[flat: 2 * (y * 8 + x) + 1]] }
        // The camera looks down −z with y down, so world −x (the hair's side) is the image's right half.
        #expect(pixel(6, 4) == [0, 1], "the hair in front hides the head: \(pixel(6, 4))")
        #expect(pixel(1, 4) == [1, 0], "the head where no hair covers it: \(pixel(1, 4))")
    }

    @Test func theMaskLossGradientsMatchFiniteDifferences() throws {
        // The pretrained two-part mesh (closed head sphere, hair shell over the scalp) in a training view.
        let capture = try GuidanceCapture(size: 32, frameCount: 1, ringCameras: 2, heldOut: 0)
        defer { capture.remove() }
        let trainer = try Self.trainer(capture, pretrainIterations: 150)
        trainer.pretrain()
        let mesh = try trainer.extractNeutral()
        #expect(mesh.parts.contains(0) && mesh.parts.contains(1))
        let view = try #require(trainer.data.trainingByFrame[0].first)
        let transform = trainer.data.frames[0].transform
        let adjacency = TriangleAdjacency(triangles: mesh.faces)
        let colors = Variable(Tensor(zeros: [mesh.parts.count, 4]))
        let target = randomTensor([32, 32, 2], seed: 21, low: 0, high: 1)
        func loss(_ vertices: Variable) -> Variable {
            let rendered = try! trainer.render(
                world: transform.applyToPoints(vertices), colors: colors, triangles: mesh.faces, adjacency: adjacency, camera: view.camera,
                parts: mesh.parts)
            return SDFGuidanceTrainer.maskLoss(rendered: rendered.parts!, target: target)
        }
        let tape = Tape()
        let vertices = tape.variable(mesh.vertices)
        let gradient = try #require(tape.backward(from: loss(vertices))[vertices])
        #expect(gradient.scalars.filter { abs($0) > 1e-3 }.count > 20, "the silhouettes of both parts move vertices")
        checkGradients([mesh.vertices], step: 2e-4, absolute: 3e-3, relative: 5e-2) { loss($0[0]) }
    }

    @Test func aTwoPartStepTrainsBothSDFsWithTheMaskLoss() throws {
        let capture = try GuidanceCapture(size: 32, frameCount: 1, ringCameras: 2, heldOut: 0)
        defer { capture.remove() }
        // Every view gets a target: hair in the top half of the silhouette, head below.
        let trainer = try Self.trainer(capture, pretrainIterations: 100) { data in
            for f in data.trainingByFrame.indices {
                for v in data.trainingByFrame[f].indices {
                    let alpha = data.trainingByFrame[f][v].alpha
                    let (h, w) = (alpha.shape[0], alpha.shape[1])
                    let values = (0..<(h * w)).flatMap { p -> [Float] in p / w < h / 2 ? [0, alpha.scalars[p]] : [alpha.scalars[p], 0] }
                    data.trainingByFrame[f][v].parts = Tensor(shape: [h, w, 2], scalars: values)
                }
            }
        }
        trainer.pretrain()
        let hairBefore = trainer.surfaces[1].geometry.parameters.map(\.value.scalars)
        let report = try trainer.step()
        #expect(report.mask > 0 && report.mask.isFinite, "eq. 20's loss is part of the step: \(report.mask)")
        #expect(trainer.surfaces[1].geometry.parameters.map(\.value.scalars) != hairBefore, "the hair SDF is optimised")
        #expect(trainer.namedParameters.contains { $0.name.hasPrefix("hair_sdf.") }, "and checkpointed")
    }
}
