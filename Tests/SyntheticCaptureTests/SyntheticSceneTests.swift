import Foundation
import Geometry
import HeadModel
import Testing

@testable import SyntheticCapture

/// A small scene shared by the tests (building is deterministic).
let smallConfiguration: SyntheticCaptureConfiguration = {
    var configuration = SyntheticCaptureConfiguration()
    configuration.cameraCount = 5
    configuration.width = 160
    configuration.height = 160
    configuration.frameCount = 24
    configuration.heldOutFrameCount = 6
    return configuration
}()
let sharedHeadModel = ProceduralHeadBuilder.build()
let smallScene = try! SyntheticScene(configuration: smallConfiguration, model: sharedHeadModel)

@Suite struct SyntheticSceneTests {
    let scene = smallScene

    @Test func configurationRejectsOutOfRangeValues() {
        for change in [
            { (c: inout SyntheticCaptureConfiguration) in c.cameraCount = 0 }, { $0.cameraCount = 17 }, { $0.width = 8 },
            { $0.frameCount = 1 }, { $0.supersampling = 5 }, { $0.heldOutCameraCount = 9 },
        ] {
            var configuration = SyntheticCaptureConfiguration()
            change(&configuration)
            #expect(throws: SyntheticCaptureError.self) { try configuration.validate() }
        }
        #expect(throws: Never.self) { try SyntheticCaptureConfiguration().validate() }
    }

    @Test func camerasSpanTheArcAndHeldOutCamerasAreNovel() {
        #expect(scene.cameras.count == 5 && scene.heldOutCameras.count == 2)
        let first = simdNormalize(scene.cameras[0].center), last = simdNormalize(scene.cameras[4].center)
        #expect(
            abs(
                acos(
                    simdDot(
                        SIMD3(first.x, 0, first.z) / simdLength(SIMD3(first.x, 0, first.z)),
                        SIMD3(last.x, 0, last.z) / simdLength(SIMD3(last.x, 0, last.z)))) - 2 * .pi / 3) < 0.01)
        for held in scene.heldOutCameras {
            #expect(scene.cameras.allSatisfy { simdLength($0.center - held.center) > 0.05 })
        }
    }

    @Test func sameSeedRendersIdenticalBytesAndAnotherSeedDiffers() throws {
        let again = try SyntheticScene(configuration: smallConfiguration, model: sharedHeadModel)
        let camera = scene.cameras[1]
        let a = scene.render(.training, frame: 7, camera: camera, plate: scene.backgroundPlate(camera: camera))
        let b = again.render(.training, frame: 7, camera: camera, plate: again.backgroundPlate(camera: camera))
        #expect(a.image.samples == b.image.samples && a.alpha.samples == b.alpha.samples && a.labels == b.labels && a.landmarks == b.landmarks)
        var other = smallConfiguration
        other.seed = 2
        let different = try SyntheticScene(configuration: other, model: sharedHeadModel)
        #expect(different.subject.identity != scene.subject.identity)
        let c = different.render(.training, frame: 7, camera: camera, plate: different.backgroundPlate(camera: camera))
        #expect(c.image.samples != a.image.samples)
    }

    @Test func landmarksReprojectOntoFacialTriangles() {
        let regions = sharedHeadModel.vertexRegions
        var checked = 0, onFace = 0
        for frame in stride(from: 0, to: scene.frameCount(.training), by: 5) {
            for camera in scene.cameras[1...3] {
                let view = scene.render(.training, frame: frame, camera: camera, plate: scene.backgroundPlate(camera: camera))
                let world = scene.landmarks3D(.training, frame: frame)
                for k in 0..<IBUG68.count {
                    let projected = camera.project(world[k])
                    #expect(abs(projected.x - view.landmarks[k].x) < 1e-4 && abs(projected.y - view.landmarks[k].y) < 1e-4)
                    guard view.landmarkVisible[k] else { continue }
                    checked += 1
                    let t = view.landmarkTriangles[k]
                    if t >= 0 {
                        let tri = sharedHeadModel.triangles[Int(t)]
                        let facial: Set<HeadRegion> = [.face, .eyes, .mouthInterior]
                        if [tri.x, tri.y, tri.z].contains(where: { facial.contains(regions[Int($0)]) }) { onFace += 1 }
                    }
                }
            }
        }
        #expect(checked > 300)
        #expect(Double(onFace) >= 0.97 * Double(checked), "\(onFace) of \(checked) visible landmarks hit facial triangles")
    }

    @Test func frontalViewSeesMostLandmarks() {
        let camera = scene.cameras[2]
        let view = scene.render(.training, frame: 0, camera: camera, plate: scene.backgroundPlate(camera: camera))
        #expect(view.landmarkVisible.filter { $0 }.count >= 60)
    }

    @Test func masksPartitionTheAlpha() {
        for camera in [scene.cameras[0], scene.cameras[2], scene.heldOutCameras[0]] {
            let view = scene.render(.training, frame: 10, camera: camera, plate: scene.backgroundPlate(camera: camera))
            for p in 0..<view.labels.count {
                #expect((view.labels[p] != .background) == (view.alpha.samples[p] == 1))
            }
            for label in [SyntheticLabel.head, .hair, .body] {
                #expect(view.mask(label).samples.contains(1), "\(label) is visible from \(camera.id)")
            }
        }
    }

    @Test func supersampledMasksFollowTheMajorityOfCoverage() throws {
        var configuration = smallConfiguration
        configuration.supersampling = 2
        configuration.frameCount = 2
        let supersampled = try SyntheticScene(configuration: configuration, model: sharedHeadModel)
        let camera = supersampled.cameras[2]
        let view = supersampled.render(.training, frame: 1, camera: camera, plate: supersampled.backgroundPlate(camera: camera))
        #expect(view.alpha.samples.contains { $0 > 0 && $0 < 1 }, "edges are antialiased")
        for p in 0..<view.labels.count {
            #expect((view.labels[p] != .background) == (view.alpha.samples[p] >= 0.5))
        }
    }

    @Test func backgroundPixelsEqualThePlate() {
        let camera = scene.cameras[3]
        let plate = scene.backgroundPlate(camera: camera)
        let view = scene.render(.training, frame: 4, camera: camera, plate: plate)
        var background = 0
        for p in 0..<view.labels.count where view.alpha.samples[p] == 0 {
            background += 1
            for c in 0..<3 { #expect(view.image.samples[3 * p + c] == plate.samples[3 * p + c]) }
        }
        #expect(background > view.labels.count / 4)
    }

    @Test func heldOutSequenceUsesOtherExpressions() {
        func used(_ kind: PerformanceKind) -> Set<Int> {
            var set = Set<Int>()
            for frame in scene.performances[kind]! {
                for (k, value) in frame.expression.enumerated() where value > 0.01 { set.insert(k) }
            }
            return set
        }
        let blinks: Set<Int> = [ExpressionCoefficient.blinkLeft.rawValue, ExpressionCoefficient.blinkRight.rawValue]
        let shared = used(.training).intersection(used(.heldOut)).subtracting(blinks)
        #expect(shared.isEmpty)
        #expect(!used(.heldOut).subtracting(blinks).isEmpty)
        #expect(scene.frameCount(.heldOut) == 6)
    }
}

@Suite struct HairSimulationTests {
    @Test func hairLagsBehindAQuickTurnAndSettlesBack() throws {
        let model = sharedHeadModel
        var pose = HeadPose.rest(jointCount: 5)
        func state(_ pose: HeadPose) throws -> (HeadModelInstance, [SIMD3<Float>]) {
            let instance = try model.evaluate(identity: [], expression: [], pose: pose)
            return (instance, TriangleMesh(positions: instance.vertices, triangles: model.triangles).vertexNormals())
        }
        let (rest, restNormals) = try state(pose)
        var hair = HairSimulation(model: model, vertices: rest.vertices, normals: restNormals, hairLength: 0.12, seed: 3)
        let dt: Float = 1 / 25
        for _ in 0..<50 { hair.step(frameDuration: dt, vertices: rest.vertices, normals: restNormals, head: rest.jointTransforms[1]) }
        let tipIndex = hair.segmentCount
        let restTipInHead = rest.jointTransforms[1].inverse.apply(hair.particles[tipIndex])
        pose.jointRotations[1] = SIMD3(0, 0.6, 0)
        let (turned, turnedNormals) = try state(pose)
        hair.step(frameDuration: dt, vertices: turned.vertices, normals: turnedNormals, head: turned.jointTransforms[1])
        let lag = simdLength(turned.jointTransforms[1].inverse.apply(hair.particles[tipIndex]) - restTipInHead)
        #expect(lag > 0.01, "the tip lags \(lag) m behind the head right after the turn")
        for _ in 0..<75 { hair.step(frameDuration: dt, vertices: turned.vertices, normals: turnedNormals, head: turned.jointTransforms[1]) }
        let settled = turned.jointTransforms[1].inverse.apply(hair.particles[tipIndex])
        #expect(simdLength(settled - restTipInHead) < lag, "the swing is damped")
        for card in 0..<hair.rootVertices.count {
            for i in 1...hair.segmentCount {
                let a = hair.particles[card * (hair.segmentCount + 1) + i - 1], b = hair.particles[card * (hair.segmentCount + 1) + i]
                #expect(abs(simdLength(b - a) - hair.segmentLength) < 1e-4, "segments stay inextensible")
            }
        }
    }
}

@Suite struct SyntheticPreviewTests {
    @Test func landmarksAreDrawnInTheirColours() {
        let camera = smallScene.cameras[2]
        let view = smallScene.render(.training, frame: 0, camera: camera, plate: smallScene.backgroundPlate(camera: camera))
        let picture = SyntheticPreview.drawLandmarks(view)
        for (k, point) in view.landmarks.enumerated() {
            let x = Int(point.x.rounded()), y = Int(point.y.rounded())
            #expect(picture[x, y, 1] == (view.landmarkVisible[k] ? 1 : 0.15))
        }
        let sheet = SyntheticPreview.tile([picture, view.image, view.image], columns: 2)
        #expect(sheet.width == 2 * picture.width && sheet.height == 2 * picture.height)
        #expect(sheet[picture.width + 5, 7, 0] == view.image[5, 7, 0])
    }
}
