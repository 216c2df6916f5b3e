import Foundation
import Geometry
import HeadModel

/// The state of the subject in one frame: the head-model coefficients and pose.
public struct PerformanceFrame: Sendable, Equatable {
    /// Expression coefficients (model order).
    public var expression: [Float]
    /// Articulated pose (root, neck, jaw, left eye, right eye).
    public var pose: HeadPose
}

/// Which expressions a sequence draws from: the training sequence and the held-out reenactment
/// sequence use disjoint expression sets (jaw, blinks and head motion appear in both).
public enum PerformanceKind: String, Sendable, CaseIterable {
    /// The training sequence.
    case training
    /// The held-out sequence with other expressions.
    case heldOut

    var expressions: [ExpressionCoefficient] {
        switch self {
        case .training:
            [
                .smileLeft, .smileRight, .browRaiseLeft, .browRaiseRight, .eyesWide, .pucker, .cheekPuffLeft, .cheekPuffRight,
                .lipsPart, .mouthFrownLeft, .mouthFrownRight,
            ]
        case .heldOut:
            [
                .browFrown, .squintLeft, .squintRight, .mouthStretch, .upperLipRaise, .lowerLipDepress, .lipPress,
                .mouthLeft, .mouthRight, .noseWrinkle, .jawForward,
            ]
        }
    }
}

/// What the subject does during a capture (`synthetic.capture`'s `motion`).
public enum SyntheticMotion: String, Sendable, Codable, CaseIterable {
    /// The default talking performance: moderate expressions, jaw, blinks, gaze, head sway with quick turns.
    case talking
    /// Head shakes, nods, tilts and quick turns, each followed by a still hold, with long hair that
    /// swings and settles (HHAvatar's hair-motion captures). Mild expressions.
    case hairSwing = "hair-swing"
    /// Strong expressions held briefly from neutral: wide mouth opening, lip funnel and press, cheek
    /// puff, brow raise, squint, jaw sideways (EAvatar's expressive regions). Mild head motion.
    case expressive
    /// One held expression per frame from `SyntheticPerformance.expressionSet` (the training
    /// sequence takes the first `frames`, the held-out sequence the next ones), head still, no
    /// blinks: the population capture's expressions for GPHM.
    case expressions
}

/// Generates a deterministic facial performance: expression keyframes every ~0.8 s blended with
/// smoothstep, blinks every 2–3 s, talking-like jaw motion, head motion (sums of sinusoids with
/// quick turns that make the hair swing) and gaze shifts.
public enum SyntheticPerformance {
    /// The per-frame states of a sequence of `frameCount` frames at `framesPerSecond` for `motion`.
    /// `trainingFrames` is the training sequence's length (where the `expressions` motion's
    /// held-out sequence starts in `expressionSet`).
    public static func generate(
        motion: SyntheticMotion, kind: PerformanceKind, seed: UInt64, frameCount: Int, framesPerSecond: Float,
        expressionCount: Int, jointCount: Int, trainingFrames: Int = 0
    ) -> [PerformanceFrame] {
        switch motion {
        case .talking:
            generate(kind: kind, seed: seed, frameCount: frameCount, framesPerSecond: framesPerSecond, expressionCount: expressionCount, jointCount: jointCount)
        case .hairSwing:
            hairSwing(
                kind: kind, seed: seed, frameCount: frameCount, framesPerSecond: framesPerSecond, expressionCount: expressionCount, jointCount: jointCount)
        case .expressive:
            expressive(
                kind: kind, seed: seed, frameCount: frameCount, framesPerSecond: framesPerSecond, expressionCount: expressionCount, jointCount: jointCount)
        case .expressions:
            (0..<frameCount).map { f in
                let index = (kind == .training ? f : trainingFrames + f) % expressionSet.count
                return expressionSet[index].frame(expressionCount: expressionCount, jointCount: jointCount)
            }
        }
    }

    /// The talking performance (the default capture's).
    public static func generate(
        kind: PerformanceKind, seed: UInt64, frameCount: Int, framesPerSecond: Float,
        expressionCount: Int, jointCount: Int
    ) -> [PerformanceFrame] {
        var generator = SplitMix64(seed: seed &+ (kind == .training ? 0x51 : 0xA7) &* 0x9E37_79B9)
        let keySpacing = max(4, Int((0.8 * framesPerSecond).rounded()))
        let keyCount = frameCount / keySpacing + 2
        let active = kind.expressions
        var keys: [[Float]] = []
        var jawKeys: [Float] = []
        for k in 0..<keyCount {
            var values = [Float](repeating: 0, count: expressionCount)
            if k > 0 {
                let picks = 1 + Int(generator.next() % 2)
                for _ in 0..<picks {
                    let coefficient = active[Int(generator.next() % UInt64(active.count))]
                    values[coefficient.rawValue] = generator.nextFloat(in: 0.5, 1.0)
                }
            }
            keys.append(values)
            jawKeys.append(k > 0 && generator.nextUniform() < 0.45 ? generator.nextFloat(in: 0.05, 0.28) : 0)
        }
        let phases = (0..<6).map { _ in generator.nextFloat(in: 0, 2 * .pi) }
        let turnFrames = (0..<max(1, frameCount / 40)).map { _ in Int(generator.next() % UInt64(max(1, frameCount))) }
        let turnSigns = turnFrames.map { _ in generator.nextUniform() < 0.5 ? Float(-1) : 1 }
        var blinkFrames: [Int] = []
        var next = Int(generator.nextFloat(in: 0.5, 1.5) * framesPerSecond)
        while next < frameCount {
            blinkFrames.append(next)
            next += Int(generator.nextFloat(in: 2, 3.2) * framesPerSecond)
        }
        let gazeKeys = (0..<keyCount).map { _ in SIMD2(generator.nextFloat(in: -0.2, 0.2), generator.nextFloat(in: -0.1, 0.1)) }
        let blinkLength = max(3, Int((0.24 * framesPerSecond).rounded()))

        return (0..<frameCount).map { f in
            let t = Float(f) / framesPerSecond
            let key = f / keySpacing
            let s = Float(f % keySpacing) / Float(keySpacing)
            let blend = s * s * (3 - 2 * s)
            var expression = (0..<expressionCount).map { keys[key][$0] + (keys[key + 1][$0] - keys[key][$0]) * blend }
            var blink: Float = 0
            for start in blinkFrames where f >= start && f < start + blinkLength {
                blink = sin(Float.pi * Float(f - start) / Float(blinkLength))
            }
            expression[ExpressionCoefficient.blinkLeft.rawValue] = max(expression[ExpressionCoefficient.blinkLeft.rawValue], blink)
            expression[ExpressionCoefficient.blinkRight.rawValue] = max(expression[ExpressionCoefficient.blinkRight.rawValue], blink)
            var pose = HeadPose.rest(jointCount: jointCount)
            var yaw = 0.30 * sin(2 * .pi * t / 4.3 + phases[0]) + 0.08 * sin(2 * .pi * t / 1.7 + phases[1])
            for (frame, sign) in zip(turnFrames, turnSigns) {
                let dt = Float(f - frame) / framesPerSecond
                if dt > 0 { yaw += sign * 0.25 * min(dt / 0.25, 1) * exp(-max(0, dt - 0.25) / 0.8) }
            }
            let pitch = 0.10 * sin(2 * .pi * t / 3.1 + phases[2]) + 0.05 * sin(2 * .pi * t / 1.3 + phases[3])
            let roll = 0.07 * sin(2 * .pi * t / 3.7 + phases[4])
            pose.jointRotations[1] = SIMD3(pitch, yaw, roll)
            let talking = max(0, sin(2 * .pi * t * 3.1 + phases[5])) * 0.06 * (expression[ExpressionCoefficient.lipsPart.rawValue] > 0.3 ? 1 : 0)
            pose.jointRotations[2] = SIMD3(jawKeys[key] + (jawKeys[key + 1] - jawKeys[key]) * blend + talking, 0, 0)
            let gaze = gazeKeys[key] + (gazeKeys[key + 1] - gazeKeys[key]) * blend
            let eye = SIMD3<Float>(-gaze.y, gaze.x, 0)
            if jointCount > 4 {
                pose.jointRotations[3] = eye
                pose.jointRotations[4] = eye
            }
            return PerformanceFrame(expression: expression, pose: pose)
        }
    }
}

extension SyntheticPerformance {
    /// A rigid head move of the hair-swing performance: a quick move of the neck joint to a target
    /// rotation (or an oscillation about the current one) followed by a still hold.
    struct HeadMove {
        /// Neck rotation (pitch, yaw, roll) at the end of the move, radians.
        var target: SIMD3<Float>
        /// Oscillation added during the move (shakes and nods): amplitude per axis, radians.
        var oscillation: SIMD3<Float>
        /// Duration of the move, seconds.
        var duration: Float
        /// Duration of the still hold after the move, seconds.
        var hold: Float
    }

    /// The head moves of the hair-swing performance: turns to alternating sides, shakes, nods and
    /// tilts (training) or larger turns, tilts and diagonal moves (held-out), each move 0.3–0.45 s
    /// followed by a 1.1–1.4 s hold in which the hair settles.
    static func hairSwingMoves(kind: PerformanceKind, seed: UInt64, duration: Float) -> [HeadMove] {
        var generator = SplitMix64(seed: seed &+ (kind == .training ? 0x4857 : 0x4858) &* 0x9E37_79B9)
        var moves: [HeadMove] = []
        var time: Float = 0
        var side: Float = generator.nextUniform() < 0.5 ? -1 : 1
        var step = 0
        while time < duration {
            let pattern = kind == .training ? step % 4 : (step % 3) + 4
            var move = HeadMove(target: .zero, oscillation: .zero, duration: generator.nextFloat(in: 0.3, 0.45), hold: generator.nextFloat(in: 1.1, 1.4))
            switch pattern {
            case 0: move.target = SIMD3(0, side * generator.nextFloat(in: 0.5, 0.7), 0)
            case 1:
                move.target = .zero
                move.oscillation = SIMD3(0, generator.nextFloat(in: 0.3, 0.4), 0)
                move.duration += 0.4
            case 2: move.target = SIMD3(0, -side * generator.nextFloat(in: 0.5, 0.7), 0)
            case 3:
                move.target = .zero
                move.oscillation = SIMD3(generator.nextFloat(in: 0.2, 0.28), 0, 0)
                move.duration += 0.4
            case 4: move.target = SIMD3(0, side * generator.nextFloat(in: 0.6, 0.8), side * 0.15)
            case 5: move.target = SIMD3(generator.nextFloat(in: -0.2, 0.2), -side * generator.nextFloat(in: 0.4, 0.6), -side * 0.2)
            default:
                move.target = .zero
                move.oscillation = SIMD3(0.1, generator.nextFloat(in: 0.35, 0.45), 0)
                move.duration += 0.4
            }
            side = -side
            moves.append(move)
            time += move.duration + move.hold
            step += 1
        }
        return moves
    }

    /// The neck rotation at time `t` of a move list starting from rest: smoothstep towards each
    /// target, plus a two-cycle sine oscillation scaled by a sine envelope for shakes and nods.
    static func neckRotation(at t: Float, moves: [HeadMove]) -> SIMD3<Float> {
        var start = SIMD3<Float>.zero
        var begin: Float = 0
        for move in moves {
            if t < begin + move.duration {
                let s = max(0, (t - begin) / move.duration)
                let blend = s * s * (3 - 2 * s)
                return start + (move.target - start) * blend + move.oscillation * sin(2 * .pi * 2 * s) * sin(.pi * s)
            }
            if t < begin + move.duration + move.hold { return move.target }
            start = move.target
            begin += move.duration + move.hold
        }
        return start
    }

    /// Whether the head is holding still at time `t` (outside every move), and for how long it has.
    static func stillness(at t: Float, moves: [HeadMove]) -> Float? {
        var begin: Float = 0
        for move in moves {
            if t < begin + move.duration { return nil }
            if t < begin + move.duration + move.hold { return t - begin - move.duration }
            begin += move.duration + move.hold
        }
        return t - begin
    }

    /// The hair-swing performance: `hairSwingMoves` on the neck joint, blinks, small gaze shifts
    /// and a little jaw motion; the root joint stays still so shoulders do not move.
    static func hairSwing(
        kind: PerformanceKind, seed: UInt64, frameCount: Int, framesPerSecond: Float, expressionCount: Int, jointCount: Int
    ) -> [PerformanceFrame] {
        let moves = hairSwingMoves(kind: kind, seed: seed, duration: Float(frameCount) / framesPerSecond)
        var generator = SplitMix64(seed: seed &+ 0x5357 &* 0x9E37_79B9)
        let blinkPhase = generator.nextFloat(in: 0, 2)
        let smile = generator.nextFloat(in: 0.1, 0.3)
        return (0..<frameCount).map { f in
            let t = Float(f) / framesPerSecond
            var expression = [Float](repeating: 0, count: expressionCount)
            let cycle = (t + blinkPhase).truncatingRemainder(dividingBy: 2.7)
            let blink: Float = cycle < 0.24 ? sin(.pi * cycle / 0.24) : 0
            expression[ExpressionCoefficient.blinkLeft.rawValue] = blink
            expression[ExpressionCoefficient.blinkRight.rawValue] = blink
            expression[ExpressionCoefficient.smileLeft.rawValue] = smile
            expression[ExpressionCoefficient.smileRight.rawValue] = smile
            var pose = HeadPose.rest(jointCount: jointCount)
            pose.jointRotations[1] = neckRotation(at: t, moves: moves)
            pose.jointRotations[2] = SIMD3(0.04 + 0.03 * sin(2 * .pi * t * 0.7), 0, 0)
            return PerformanceFrame(expression: expression, pose: pose)
        }
    }

    /// One strong expression of the expressive performance: coefficients, jaw opening (pitch) and
    /// jaw sideways (yaw), radians.
    struct ExpressiveTarget {
        var name = ""
        var coefficients: [(ExpressionCoefficient, Float)]
        var jawOpen: Float = 0
        var jawSideways: Float = 0

        /// The target held fully, head at rest.
        func frame(expressionCount: Int, jointCount: Int) -> PerformanceFrame {
            var expression = [Float](repeating: 0, count: expressionCount)
            for (coefficient, value) in coefficients { expression[coefficient.rawValue] = value }
            var pose = HeadPose.rest(jointCount: jointCount)
            pose.jointRotations[2] = SIMD3(jawOpen, jawSideways, 0)
            return PerformanceFrame(expression: expression, pose: pose)
        }
    }

    /// The population's expressions, in order (the first twelve are GPHM's default set: ten for
    /// training, two held out): neutral, smile, mouth open, pucker, lip press, cheek puff, brow
    /// raise, squint, jaw left, frown, surprise, disgust, mouth stretch, lips apart, jaw right,
    /// sneer-smile.
    static let expressionSet: [ExpressiveTarget] = [
        ExpressiveTarget(name: "neutral", coefficients: []),
        ExpressiveTarget(name: "smile", coefficients: [(.smileLeft, 1), (.smileRight, 1), (.squintLeft, 0.3), (.squintRight, 0.3)]),
        ExpressiveTarget(name: "mouth_open", coefficients: [(.lipsPart, 1), (.lowerLipDepress, 0.5)], jawOpen: 0.32),
        ExpressiveTarget(name: "pucker", coefficients: [(.pucker, 1.2)]),
        ExpressiveTarget(name: "lip_press", coefficients: [(.lipPress, 1.2)]),
        ExpressiveTarget(name: "cheek_puff", coefficients: [(.cheekPuffLeft, 1.2), (.cheekPuffRight, 1.2)]),
        ExpressiveTarget(name: "brow_raise", coefficients: [(.browRaiseLeft, 1.2), (.browRaiseRight, 1.2), (.eyesWide, 0.6)]),
        ExpressiveTarget(name: "squint", coefficients: [(.squintLeft, 1.2), (.squintRight, 1.2)]),
        ExpressiveTarget(name: "jaw_left", coefficients: [(.mouthLeft, 1)], jawOpen: 0.06, jawSideways: 0.12),
        ExpressiveTarget(name: "frown", coefficients: [(.browFrown, 1), (.mouthFrownLeft, 1), (.mouthFrownRight, 1)]),
        ExpressiveTarget(
            name: "surprise", coefficients: [(.browRaiseLeft, 1), (.browRaiseRight, 1), (.eyesWide, 1), (.lipsPart, 0.8)], jawOpen: 0.25),
        ExpressiveTarget(name: "disgust", coefficients: [(.noseWrinkle, 1), (.upperLipRaise, 1), (.browFrown, 0.5)]),
        ExpressiveTarget(name: "mouth_stretch", coefficients: [(.mouthStretch, 1.2), (.lipsPart, 0.4)], jawOpen: 0.08),
        ExpressiveTarget(name: "lips_apart", coefficients: [(.lipsPart, 1)], jawOpen: 0.12),
        ExpressiveTarget(name: "jaw_right", coefficients: [(.mouthRight, 1)], jawOpen: 0.06, jawSideways: -0.12),
        ExpressiveTarget(name: "sneer_smile", coefficients: [(.smileLeft, 1.1), (.noseWrinkle, 0.5), (.upperLipRaise, 0.5)]),
    ]

    /// Training targets: one expressive region each. Held-out targets: other combinations and sides
    /// of the same regions, so reenactment meets unseen strong expressions.
    static func expressiveTargets(_ kind: PerformanceKind) -> [ExpressiveTarget] {
        switch kind {
        case .training:
            [
                ExpressiveTarget(coefficients: [(.lipsPart, 1), (.lowerLipDepress, 0.8), (.upperLipRaise, 0.5)], jawOpen: 0.42),
                ExpressiveTarget(coefficients: [(.pucker, 1.4), (.lipsPart, 0.7)], jawOpen: 0.1),
                ExpressiveTarget(coefficients: [(.lipPress, 1.4), (.mouthStretch, 0.4)]),
                ExpressiveTarget(coefficients: [(.cheekPuffLeft, 1.4), (.cheekPuffRight, 1.4), (.lipPress, 0.4)]),
                ExpressiveTarget(coefficients: [(.browRaiseLeft, 1.4), (.browRaiseRight, 1.4), (.eyesWide, 1.2)]),
                ExpressiveTarget(coefficients: [(.squintLeft, 1.4), (.squintRight, 1.4), (.noseWrinkle, 0.6), (.browFrown, 0.5)]),
                ExpressiveTarget(coefficients: [(.mouthLeft, 1.2)], jawOpen: 0.08, jawSideways: 0.14),
            ]
        case .heldOut:
            [
                ExpressiveTarget(
                    coefficients: [(.lipsPart, 1), (.browRaiseLeft, 1.2), (.browRaiseRight, 1.2), (.eyesWide, 1), (.mouthStretch, 0.6)], jawOpen: 0.38),
                ExpressiveTarget(coefficients: [(.pucker, 1.2), (.lipsPart, 0.5), (.squintLeft, 0.9), (.squintRight, 0.9)], jawOpen: 0.06),
                ExpressiveTarget(coefficients: [(.cheekPuffRight, 1.4), (.mouthRight, 0.8)], jawSideways: -0.1),
                ExpressiveTarget(coefficients: [(.lipPress, 1.2), (.browFrown, 1.2), (.noseWrinkle, 0.8)]),
                ExpressiveTarget(
                    coefficients: [(.smileLeft, 1.3), (.smileRight, 1.3), (.squintLeft, 0.8), (.squintRight, 0.8), (.lipsPart, 0.8)], jawOpen: 0.25),
                ExpressiveTarget(coefficients: [(.mouthRight, 1.2), (.lowerLipDepress, 0.6)], jawOpen: 0.12, jawSideways: -0.14),
            ]
        }
    }

    /// The expressive performance: each target (in a seeded order) rises from neutral in 0.3 s,
    /// holds 0.4 s and falls back in 0.3 s, with 0.2 s of neutral between; blinks between targets
    /// and a slow, small head sway.
    static func expressive(
        kind: PerformanceKind, seed: UInt64, frameCount: Int, framesPerSecond: Float, expressionCount: Int, jointCount: Int
    ) -> [PerformanceFrame] {
        var generator = SplitMix64(seed: seed &+ (kind == .training ? 0x4558 : 0x4559) &* 0x9E37_79B9)
        var targets = expressiveTargets(kind)
        for i in stride(from: targets.count - 1, to: 0, by: -1) {
            targets.swapAt(i, Int(generator.next() % UInt64(i + 1)))
        }
        let phases = (0..<3).map { _ in generator.nextFloat(in: 0, 2 * .pi) }
        let period: Float = 1.2
        return (0..<frameCount).map { f in
            let t = Float(f) / framesPerSecond
            let index = Int(t / period)
            let local = t - Float(index) * period
            let target = targets[index % targets.count]
            let weight: Float
            switch local {
            case ..<0.3: weight = local / 0.3
            case ..<0.7: weight = 1
            case ..<1.0: weight = (1 - local) / 0.3
            default: weight = 0
            }
            let w = weight * weight * (3 - 2 * weight)
            var expression = [Float](repeating: 0, count: expressionCount)
            for (coefficient, value) in target.coefficients { expression[coefficient.rawValue] = value * w }
            let blink: Float = local >= 1.0 && local < 1.2 && index % 2 == 1 ? sin(.pi * (local - 1.0) / 0.2) : 0
            expression[ExpressionCoefficient.blinkLeft.rawValue] = blink
            expression[ExpressionCoefficient.blinkRight.rawValue] = blink
            var pose = HeadPose.rest(jointCount: jointCount)
            pose.jointRotations[1] = SIMD3(
                0.05 * sin(2 * .pi * t / 3.1 + phases[0]), 0.12 * sin(2 * .pi * t / 4.3 + phases[1]), 0.04 * sin(2 * .pi * t / 3.7 + phases[2]))
            pose.jointRotations[2] = SIMD3(target.jawOpen * w, target.jawSideways * w, 0)
            return PerformanceFrame(expression: expression, pose: pose)
        }
    }
}
