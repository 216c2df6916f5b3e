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

/// Generates a deterministic facial performance: expression keyframes every ~0.8 s blended with
/// smoothstep, blinks every 2–3 s, talking-like jaw motion, head motion (sums of sinusoids with
/// quick turns that make the hair swing) and gaze shifts.
public enum SyntheticPerformance {
    /// The per-frame states of a sequence of `frameCount` frames at `framesPerSecond`.
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
