import Foundation
import Geometry
import HeadModel
import Testing

@testable import SyntheticCapture

/// A one-camera 128² scene of `motion` (frontal camera), `frames` training frames.
func presetScene(_ motion: SyntheticMotion, frames: Int, heldOutFrames: Int = 0, seed: UInt64 = 1) throws -> SyntheticScene {
    var configuration = SyntheticCaptureConfiguration()
    configuration.motion = motion
    configuration.seed = seed
    configuration.cameraCount = 1
    configuration.heldOutCameraCount = 0
    configuration.width = 128
    configuration.height = 128
    configuration.frameCount = frames
    configuration.heldOutFrameCount = heldOutFrames
    return try SyntheticScene(configuration: configuration, model: sharedHeadModel)
}

@Suite struct HairSwingPresetTests {
    static let seconds: Float = 4
    let scene = try! presetScene(.hairSwing, frames: Int(seconds * 25))

    /// Median over cards of the image distance (pixels) between each hair tip and where it would be
    /// if it moved rigidly with the head since frame 0.
    func lag(frame: Int) -> Float {
        let camera = scene.cameras[0]
        let start = scene.performances[.training]![0].pose, now = scene.performances[.training]![frame].pose
        let head0 = try! sharedHeadModel.evaluate(identity: scene.subject.identity, expression: [], pose: start).jointTransforms[1]
        let head = try! sharedHeadModel.evaluate(identity: scene.subject.identity, expression: [], pose: now).jointTransforms[1]
        let rest = scene.hairTips(.training, frame: 0), tips = scene.hairTips(.training, frame: frame)
        let distances = zip(rest, tips).map { rest, tip in
            let rigid = camera.project(head.apply(head0.inverse.apply(rest))), actual = camera.project(tip)
            return ((rigid.x - actual.x) * (rigid.x - actual.x) + (rigid.y - actual.y) * (rigid.y - actual.y)).squareRoot()
        }
        return distances.sorted()[distances.count / 2]
    }

    /// Median over cards of a tip's image motion between two consecutive frames, pixels.
    func tipSpeed(frame: Int) -> Float {
        let camera = scene.cameras[0]
        let speeds = zip(scene.hairTips(.training, frame: frame - 1), scene.hairTips(.training, frame: frame)).map { a, b in
            let p = camera.project(a), q = camera.project(b)
            return ((p.x - q.x) * (p.x - q.x) + (p.y - q.y) * (p.y - q.y)).squareRoot()
        }
        return speeds.sorted()[speeds.count / 2]
    }

    @Test func hairReachesTheShoulders() {
        let tips = scene.hairTips(.training, frame: 0)
        #expect(tips.map(\.y).min()! < SyntheticScene.torsoCenter.y + SyntheticScene.torsoRadii.y, "some tips hang below the top of the shoulders")
    }

    @Test func hairTipsLagTheTurningHeadByFivePixelsAndSettleWithinASecond() {
        let moves = SyntheticPerformance.hairSwingMoves(kind: .training, seed: 1, duration: Self.seconds)
        let turn = moves[0]
        #expect(abs(turn.target.y) >= 0.5, "the sequence starts with a turn")
        let turnFrames = 1...Int(turn.duration * 25)
        let largestLag = turnFrames.map(lag).max()!
        #expect(largestLag >= 5, "median tip lag during the turn: \(largestLag) px")
        let oneSecondLater = Int((turn.duration + 1) * 25)
        #expect(SyntheticPerformance.stillness(at: Float(oneSecondLater) / 25, moves: moves) != nil, "the head is still holding")
        #expect(tipSpeed(frame: oneSecondLater) < 0.5, "tips move \(tipSpeed(frame: oneSecondLater)) px/frame a second after the turn")
        #expect(lag(frame: oneSecondLater) < 1.5, "tips are back where the rigid head carries them: \(lag(frame: oneSecondLater)) px")
    }

    @Test func heldOutSequenceMovesTheHeadDifferently() {
        let training = SyntheticPerformance.hairSwingMoves(kind: .training, seed: 1, duration: 4)
        let heldOut = SyntheticPerformance.hairSwingMoves(kind: .heldOut, seed: 1, duration: 4)
        #expect(heldOut.map(\.target) != training.map(\.target))
        #expect(heldOut.contains { $0.target.z != 0 }, "held-out moves tilt the head")
        #expect(!training.contains { $0.target.z != 0 })
    }
}

@Suite struct ExpressivePresetTests {
    /// Largest displacement (metres) of any head vertex from the neutral face over a sequence, with
    /// the head unposed (only expressions and the jaw).
    func expressionRange(_ frames: [PerformanceFrame]) throws -> Float {
        let neutral = try sharedHeadModel.evaluate(identity: [], expression: [], pose: .rest(jointCount: 5)).vertices
        var largest: Float = 0
        for frame in frames {
            var pose = HeadPose.rest(jointCount: 5)
            pose.jointRotations[2] = frame.pose.jointRotations[2]
            let vertices = try sharedHeadModel.evaluate(identity: [], expression: frame.expression, pose: pose).vertices
            for (a, b) in zip(vertices, neutral) { largest = max(largest, simdLength(a - b)) }
        }
        return largest
    }

    func performance(_ motion: SyntheticMotion, _ kind: PerformanceKind, frames: Int = 250) -> [PerformanceFrame] {
        SyntheticPerformance.generate(
            motion: motion, kind: kind, seed: 1, frameCount: frames, framesPerSecond: 25,
            expressionCount: sharedHeadModel.expressionCount, jointCount: 5)
    }

    @Test func expressiveFramesExceedTheTalkingRange() throws {
        let talking = try expressionRange(performance(.talking, .training, frames: 500))
        let expressive = try expressionRange(performance(.expressive, .training, frames: 250))
        let heldOut = try expressionRange(performance(.expressive, .heldOut, frames: 250))
        #expect(expressive > 1.3 * talking, "expressive \(expressive) m vs talking \(talking) m")
        #expect(heldOut > 1.3 * talking, "held-out expressive \(heldOut) m vs talking \(talking) m")
        let strongest = performance(.expressive, .training).flatMap(\.expression).max()!
        let talkingStrongest = performance(.talking, .training, frames: 500).flatMap(\.expression).max()!
        #expect(strongest > talkingStrongest)
    }

    @Test func everyExpressiveRegionIsVisitedAndTheJawMovesSideways() {
        let frames = performance(.expressive, .training)
        for coefficient in [ExpressionCoefficient.pucker, .lipPress, .cheekPuffLeft, .browRaiseLeft, .squintLeft] {
            #expect(frames.contains { $0.expression[coefficient.rawValue] > 1 }, "\(coefficient) is strong somewhere")
        }
        #expect(frames.map { $0.pose.jointRotations[2].x }.max()! > 0.4, "wide mouth opening")
        #expect(frames.contains { abs($0.pose.jointRotations[2].y) > 0.1 }, "jaw sideways")
    }

    @Test func heldOutSequenceCombinesTheRegionsDifferently() {
        func combinations(_ kind: PerformanceKind) -> Set<[Int]> {
            Set(SyntheticPerformance.expressiveTargets(kind).map { $0.coefficients.map(\.0.rawValue).sorted() })
        }
        #expect(combinations(.training).isDisjoint(with: combinations(.heldOut)))
        #expect(combinations(.heldOut).count == SyntheticPerformance.expressiveTargets(.heldOut).count)
    }

    @Test func mouthInteriorAppearsInTheRegionsWhenTheMouthOpensWide() throws {
        let scene = try presetScene(.expressive, frames: 210)
        let frames = scene.performances[.training]!
        let widest = frames.indices.max { frames[$0].pose.jointRotations[2].x < frames[$1].pose.jointRotations[2].x }!
        let camera = scene.cameras[0]
        let view = scene.render(.training, frame: widest, camera: camera, plate: scene.backgroundPlate(camera: camera))
        let present = Set(view.regions)
        for region in SyntheticRegion.allCases {
            #expect(present.contains(region), "\(region) is visible in the frontal view")
        }
    }
}

@Suite struct PresetDeterminismTests {
    @Test(arguments: [SyntheticMotion.hairSwing, .expressive])
    func samePresetAndSeedRenderIdenticalBytes(_ motion: SyntheticMotion) throws {
        let a = try presetScene(motion, frames: 12, heldOutFrames: 4), b = try presetScene(motion, frames: 12, heldOutFrames: 4)
        let camera = a.cameras[0], plate = a.backgroundPlate(camera: camera)
        for kind in PerformanceKind.allCases {
            let x = a.render(kind, frame: 3, camera: camera, plate: plate), y = b.render(kind, frame: 3, camera: camera, plate: plate)
            #expect(x.image.samples == y.image.samples && x.regions == y.regions && x.alpha.samples == y.alpha.samples)
        }
        #expect(a.performances[.training]![3] != a.performances[.heldOut]![3], "the held-out sequence is another performance")
    }
}

@Suite struct SixteenCameraRigTests {
    @Test func twoRowRigOfSixteenCamerasSpansTheArcAtTwoHeightsAndSeesTheFace() throws {
        var configuration = SyntheticCaptureConfiguration()
        (configuration.cameraCount, configuration.cameraRows, configuration.heldOutCameraCount) = (16, 2, 0)
        (configuration.width, configuration.height, configuration.frameCount, configuration.heldOutFrameCount) = (128, 128, 2, 0)
        let scene = try SyntheticScene(configuration: configuration, model: sharedHeadModel)
        #expect(scene.cameras.count == 16)
        let heights = Set(scene.cameras.map { ($0.center.y * 100).rounded() })
        #expect(heights.count == 2, "two rows: \(heights)")
        let azimuths = scene.cameras.map { atan2($0.center.x, $0.center.z) * 180 / .pi }
        #expect(abs(azimuths.max()! - azimuths.min()! - 120) < 1)
        for camera in scene.cameras {
            let view = scene.render(.training, frame: 0, camera: camera, plate: scene.backgroundPlate(camera: camera))
            #expect(view.landmarkVisible.filter { $0 }.count >= 20, "\(camera.id) sees the face")
        }
    }
}
