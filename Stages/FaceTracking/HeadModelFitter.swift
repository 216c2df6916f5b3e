import AvatarFlow
import Foundation
import Geometry
import HeadModel
import LinearAlgebra

/// 68 landmarks seen by one camera in one frame: pixel positions and per-point confidence in [0, 1]
/// (0 for a landmark that was not found).
struct LandmarkView: Sendable {
    /// Pixel coordinates, 68 entries.
    var points: [SIMD2<Double>]
    /// Weights, 68 entries.
    var confidence: [Double]
}

/// Multi-view, multi-frame fit of the head model to 2D landmarks with known cameras
/// (Levenberg–Marquardt on robust, Huber-weighted reprojection errors).
///
/// Unknowns: identity β and scale s shared by every frame; per frame the jaw rotation (3) and
/// expression ψ, and the head pose, whose parametrisation `Settings.headMotion` chooses:
///
/// * `.neck` (default): the root rotation and translation (the torso) are shared by every frame and
///   the head turns per frame at the neck joint (3). Landmarks see only the face, which the neck
///   carries, so they cannot tell a root turn from a neck turn frame by frame; holding the root
///   still over the sequence makes the split well posed up to one shared rotation (R_root·Q,
///   Qᵀ·R_neck). The neck and root priors settle it: with the neck prior alone the root takes the
///   head's mean orientation (the neck is at rest on average); a root prior much larger than the
///   neck prior keeps the root at the world axes instead, right when the world frame is the torso's
///   (the synthetic capture). The face still pins the neck pivot, since a still root makes the head
///   move on a sphere about it.
/// * `.root`: the root rotation (3) and translation (3) per frame, neck at rest (the head and neck
///   turn as one; for subjects that move their whole upper body).
///
/// Eye rotations are not fitted: the 68 landmarks lie on the eyelids and have no iris or pupil
/// point, so gaze does not move them.
///
/// Costs: Huber reprojection error (pixels), Gaussian priors on ψ, β, the jaw and the neck, and
/// temporal smoothness between neighbouring frames. The solver alternates per-frame LM (frames in
/// parallel, neighbours held fixed) with an LM step on the shared unknowns (β, log s and, with
/// `.neck`, the root pose) over all frames, both with LinearAlgebra's `LevenbergMarquardt` and
/// forward-difference Jacobians. The first round fits a rigid head pose per frame at the root;
/// with `.neck` it is then split into the mean root pose and per-frame neck rotations about the
/// neck joint.
struct HeadModelFitter: Sendable {
    /// Tuning.
    struct Settings: Sendable {
        /// Where the head turns from frame to frame.
        enum HeadMotion: Sendable {
            /// Root pose shared by all frames, neck rotation per frame.
            case neck
            /// Root pose per frame, neck at rest.
            case root
        }
        /// Where the head turns from frame to frame.
        var headMotion = HeadMotion.neck
        /// Prior on the neck rotation: pixels per radian (with `.neck`; fixes the shared root to the
        /// head's mean orientation).
        var neckPrior = 1.0
        /// Prior on the shared root rotation: pixels per radian away from the world axes, per frame
        /// (with `.neck`; 0 leaves the root to the neck prior).
        var rootPrior = 0.0
        /// Alternation rounds (per-frame solve, then identity solve).
        var rounds = 5
        /// LM iterations per per-frame solve.
        var frameIterations = 8
        /// LM iterations per identity solve.
        var identityIterations = 6
        /// Huber threshold in pixels (residuals beyond it count linearly).
        var huberPixels = 3.0
        /// Prior on expression coefficients: pixels of cost per unit coefficient. Landmarks alone cannot
        /// tell some identity and expression blendshapes apart; a firm expression prior (measured best
        /// at ~10 px/unit on synthetic performances) pushes constant offsets into the shared identity.
        var expressionPrior = 10.0
        /// Prior on identity coefficients: pixels of cost per unit coefficient, per frame.
        var identityPrior = 0.05
        /// Prior on the jaw rotation: pixels per radian.
        var jawPrior = 20.0
        /// Temporal smoothness: pixels per unit change of expression/rotation (radians; root, neck and jaw)
        /// between neighbouring frames.
        var temporalSmoothness = 2.0
        /// Fit the identity coefficients (false keeps β = 0).
        var fitIdentity = true
        /// Fit a global scale too. Off by default: the model and the capture are both in metres and the
        /// identity blendshapes already change head size; turn on for captures in other units.
        var fitScale = false
        /// Bounds of the expression coefficients (nil: unbounded). The procedural model's
        /// coefficients run from 0 (neutral) to 1 (full expression); signed PCA models (FLAME) need nil.
        var expressionBounds: ClosedRange<Double>? = 0...1.5
    }

    /// The fitted state.
    struct Result: Sendable {
        var identity: [Double]
        var scale: Double
        var frames: [FrameState]
        var meanResiduals: [Double?]
    }

    /// One frame's unknowns. As a vector: root rotation 0..<3, translation 3..<6, jaw 6..<9,
    /// neck 9..<12, expression from `expressionStart`.
    struct FrameState: Sendable {
        var rotation: SIMD3<Double>
        var translation: SIMD3<Double>
        var jaw: SIMD3<Double>
        var neck: SIMD3<Double>
        var expression: [Double]

        /// Index of the first expression coefficient in `vector`.
        static let expressionStart = 12

        var vector: [Double] {
            [rotation.x, rotation.y, rotation.z, translation.x, translation.y, translation.z, jaw.x, jaw.y, jaw.z, neck.x, neck.y, neck.z]
                + expression
        }

        init(rotation: SIMD3<Double>, translation: SIMD3<Double>, jaw: SIMD3<Double>, neck: SIMD3<Double> = .zero, expression: [Double]) {
            self.rotation = rotation
            self.translation = translation
            self.jaw = jaw
            self.neck = neck
            self.expression = expression
        }

        init(vector v: [Double]) {
            rotation = SIMD3(v[0], v[1], v[2])
            translation = SIMD3(v[3], v[4], v[5])
            jaw = SIMD3(v[6], v[7], v[8])
            neck = SIMD3(v[9], v[10], v[11])
            expression = Array(v[Self.expressionStart...])
        }
    }

    let evaluator: LandmarkEvaluator
    let model: HeadModel
    let identityCount: Int
    let expressionCount: Int
    let jointCount: Int
    let rootIndex: Int
    let jawIndex: Int?
    let neckIndex: Int?
    let settings: Settings

    /// Prepares a fitter for `model`.
    init(model: HeadModel, settings: Settings) throws {
        guard let root = model.jointIndex("root") else {
            throw HeadModelError("head model '\(model.name)' has no joint named 'root'; the fitter needs the root joint to pose the head")
        }
        if settings.headMotion == .neck && model.jointIndex("neck") == nil {
            throw HeadModelError(
                "head model '\(model.name)' has no joint named 'neck', so the head cannot turn at the neck; set face.fit-head-model's head_motion to root"
            )
        }
        evaluator = LandmarkEvaluator(model: model)
        self.model = model
        identityCount = model.identityCount
        expressionCount = model.expressionCount
        jointCount = model.jointCount
        rootIndex = root
        jawIndex = model.jointIndex("jaw")
        neckIndex = model.jointIndex("neck")
        self.settings = settings
    }

    func landmarks(_ state: FrameState, identity: [Double], scale: Double) -> [SIMD3<Double>] {
        var rotations = [SIMD3<Double>](repeating: .zero, count: jointCount)
        rotations[rootIndex] = state.rotation
        if let jawIndex { rotations[jawIndex] = state.jaw }
        if let neckIndex { rotations[neckIndex] = state.neck }
        return evaluator.landmarks(
            identity: identity, expression: state.expression, jointRotations: rotations,
            scale: scale, translation: state.translation)
    }

    // MARK: Residuals

    /// Reprojection residuals (2 per observed landmark, Huber- and confidence-weighted with `weights`).
    func reprojection(
        _ state: FrameState, identity: [Double], scale: Double, views: [LandmarkView?],
        cameras: [PinholeCamera], weights: [Double]?, into residuals: inout [Double]
    ) {
        let points = landmarks(state, identity: identity, scale: scale)
        var index = 0
        for (camera, view) in zip(cameras, views) {
            guard let view else { continue }
            for k in 0..<points.count where view.confidence[k] > 0 {
                let weight = (weights?[index] ?? 1) * view.confidence[k]
                let root = weight.squareRoot()
                if let pixel = camera.project(points[k]) {
                    residuals.append(root * (pixel.x - view.points[k].x))
                    residuals.append(root * (pixel.y - view.points[k].y))
                } else {
                    residuals.append(root * 1e3)
                    residuals.append(root * 1e3)
                }
                index += 1
            }
        }
    }

    /// Huber IRLS weights from the current residuals (one per observed landmark).
    func huberWeights(_ state: FrameState, identity: [Double], scale: Double, views: [LandmarkView?], cameras: [PinholeCamera]) -> [Double] {
        var raw: [Double] = []
        reprojection(state, identity: identity, scale: scale, views: views, cameras: cameras, weights: nil, into: &raw)
        var weights: [Double] = []
        var index = 0
        for view in views {
            guard let view else { continue }
            for k in 0..<view.confidence.count where view.confidence[k] > 0 {
                let distance = (raw[2 * index] * raw[2 * index] + raw[2 * index + 1] * raw[2 * index + 1]).squareRoot() / view.confidence[k].squareRoot()
                weights.append(distance <= settings.huberPixels ? 1 : settings.huberPixels / distance)
                index += 1
            }
        }
        return weights
    }

    /// All residuals of one frame: reprojection, priors and smoothness towards the neighbours.
    func frameResiduals(
        _ vector: [Double], identity: [Double], scale: Double, views: [LandmarkView?], cameras: [PinholeCamera],
        weights: [Double], neighbours: [[Double]]
    ) -> [Double] {
        let state = FrameState(vector: vector)
        var residuals: [Double] = []
        reprojection(state, identity: identity, scale: scale, views: views, cameras: cameras, weights: weights, into: &residuals)
        for coefficient in state.expression { residuals.append(settings.expressionPrior * coefficient) }
        for component in [state.jaw.x, state.jaw.y, state.jaw.z] { residuals.append(settings.jawPrior * component) }
        if settings.headMotion == .neck {
            for component in [state.neck.x, state.neck.y, state.neck.z] { residuals.append(settings.neckPrior * component) }
        }
        let smooth = settings.temporalSmoothness
        for neighbour in neighbours {
            for i in 0..<3 { residuals.append(smooth * (vector[i] - neighbour[i])) }
            for i in 6..<vector.count { residuals.append(smooth * (vector[i] - neighbour[i])) }
        }
        return residuals
    }

    // MARK: The fit

    /// Fits every frame. `views[f][c]` is camera c's landmarks in frame f (nil when not seen).
    func fit(views: [[LandmarkView?]], cameras: [PinholeCamera], progress: (Int, Int) -> Void) throws -> Result {
        let frameCount = views.count
        let neutral = evaluator.landmarks(identity: [], expression: [], jointRotations: [], scale: 1, translation: .zero)
        var scale = 1.0
        var identity = [Double](repeating: 0, count: identityCount)
        var states = try initialStates(views: views, cameras: cameras, neutral: neutral, scale: &scale)
        let parameterCount = FrameState.expressionStart + expressionCount
        let steps =
            [Double](repeating: 1e-6, count: 3) + [Double](repeating: 1e-6 * scale, count: 3)
            + [Double](repeating: 1e-6, count: 6) + [Double](repeating: 1e-5, count: expressionCount)
        precondition(steps.count == parameterCount)
        let totalWork = settings.rounds * (frameCount + 1)
        var done = 0
        for round in 0..<settings.rounds {
            // Round 0 fits the rigid pose only, so the first identity step explains the constant shape;
            // otherwise expressions absorb identity differences as per-frame offsets and alternation keeps them.
            // After it, `.root` fits everything but the neck, `.neck` everything but the shared root pose.
            let active = (0..<parameterCount).map { index -> Bool in
                if round == 0 && settings.fitIdentity { return index < 6 }
                switch settings.headMotion {
                case .root: return index < 9 || index >= FrameState.expressionStart
                case .neck: return round == 0 ? index < 6 : index >= 6
                }
            }
            let previous = states.map(\.vector)
            let currentIdentity = identity, currentScale = scale
            let updated = parallelMap(frameCount) { f -> [Double] in
                guard views[f].contains(where: { $0 != nil }) else { return previous[f] }
                let neighbours = [f - 1, f + 1].filter { $0 >= 0 && $0 < frameCount && views[$0].contains { $0 != nil } }.map { previous[$0] }
                var vector = previous[f]
                for _ in 0..<2 {
                    let weights = huberWeights(
                        FrameState(vector: vector), identity: currentIdentity, scale: currentScale,
                        views: views[f], cameras: cameras)
                    vector =
                        LevenbergMarquardt(iterations: settings.frameIterations / 2 + 1)
                        .minimize(start: vector, steps: steps, active: active, project: projectExpression) {
                            frameResiduals(
                                $0, identity: currentIdentity, scale: currentScale, views: views[f], cameras: cameras,
                                weights: weights, neighbours: neighbours)
                        }.parameters
                }
                return vector
            }
            states = updated.map(FrameState.init(vector:))
            done += frameCount
            progress(done, totalWork)
            if round == 0 && settings.headMotion == .neck {
                states = try splitAtTheNeck(states, identity: identity, scale: scale)
            }
            if (settings.fitIdentity || settings.headMotion == .neck) && round < settings.rounds - 1 {
                (identity, scale, states) = fitShared(states: states, identity: identity, scale: scale, views: views, cameras: cameras)
            }
            done += 1
            progress(done, totalWork)
        }
        let residuals = (0..<frameCount).map { f in meanResidual(states[f], identity: identity, scale: scale, views: views[f], cameras: cameras) }
        return Result(identity: identity, scale: scale, frames: states, meanResiduals: residuals)
    }

    /// Clamps the expression part of a frame vector into the configured bounds.
    func projectExpression(_ vector: [Double]) -> [Double] {
        guard let bounds = settings.expressionBounds else { return vector }
        var projected = vector
        for i in FrameState.expressionStart..<projected.count { projected[i] = min(bounds.upperBound, max(bounds.lowerBound, projected[i])) }
        return projected
    }

    /// LM on the unknowns every frame shares — (β, log s) and, with `.neck`, the root rotation and
    /// translation — with every frame's reprojection residuals and the identity prior.
    func fitShared(
        states: [FrameState], identity: [Double], scale: Double, views: [[LandmarkView?]], cameras: [PinholeCamera]
    ) -> ([Double], Double, [FrameState]) {
        let weights = states.indices.map { huberWeights(states[$0], identity: identity, scale: scale, views: views[$0], cameras: cameras) }
        let frames = states.indices.filter { views[$0].contains { $0 != nil } }
        let prior = settings.identityPrior * Double(max(frames.count, 1)).squareRoot()
        let rootPrior = settings.rootPrior * Double(max(frames.count, 1)).squareRoot()
        let root = states.first.map { [$0.rotation.x, $0.rotation.y, $0.rotation.z, $0.translation.x, $0.translation.y, $0.translation.z] } ?? []
        let start = identity + [log(scale)] + root
        let steps = [Double](repeating: 1e-5, count: identity.count) + [1e-6] + [1e-6, 1e-6, 1e-6] + [Double](repeating: 1e-6 * scale, count: 3)
        let sharedRoot = settings.headMotion == .neck
        let active =
            [Bool](repeating: settings.fitIdentity, count: identity.count) + [settings.fitScale]
            + [Bool](repeating: sharedRoot, count: root.count)
        func posed(_ state: FrameState, _ vector: [Double]) -> FrameState {
            guard sharedRoot else { return state }
            var moved = state
            let base = identity.count + 1
            moved.rotation = SIMD3(vector[base], vector[base + 1], vector[base + 2])
            moved.translation = SIMD3(vector[base + 3], vector[base + 4], vector[base + 5])
            return moved
        }
        let solution = LevenbergMarquardt(iterations: settings.identityIterations).minimize(start: start, steps: steps, active: active) { vector in
            let beta = Array(vector.prefix(identity.count)), s = exp(vector[identity.count])
            let parts = parallelMap(frames.count) { index -> [Double] in
                let f = frames[index]
                var residuals: [Double] = []
                reprojection(posed(states[f], vector), identity: beta, scale: s, views: views[f], cameras: cameras, weights: weights[f], into: &residuals)
                return residuals
            }
            let base = identity.count + 1
            let rootResiduals = sharedRoot ? (base..<(base + 3)).map { rootPrior * vector[$0] } : []
            return parts.flatMap { $0 } + beta.map { prior * $0 } + rootResiduals
        }.parameters
        return (Array(solution.prefix(identity.count)), exp(solution[identity.count]), states.map { posed($0, solution) })
    }

    /// Splits per-frame root poses (R_f, t_f) into one root pose shared by every frame and a neck
    /// rotation per frame that poses the head identically: R_root = the mean rotation shrunk towards
    /// the world axes by the priors (λ_neck² / (λ_neck² + λ_root²), the minimiser of both priors for
    /// small rotations), R_neck,f = R_rootᵀ·R_f, and t_root = mean over f of
    /// t_f + s·(R_f − R_root)(n − p), n and p the neck and root joints of the current identity (the
    /// neck turns about n, the root about p).
    func splitAtTheNeck(_ states: [FrameState], identity: [Double], scale: Double) throws -> [FrameState] {
        guard let neckIndex, !states.isEmpty else { return states }
        let joints = model.jointPositions(shaped: try model.shapedVertices(identity: identity.map(Float.init), expression: []))
        let lever = SIMD3<Double>(joints[neckIndex] - joints[rootIndex])
        let neckWeight = settings.neckPrior * settings.neckPrior, rootWeight = settings.rootPrior * settings.rootPrior
        let shrink = neckWeight + rootWeight > 0 ? neckWeight / (neckWeight + rootWeight) : 1
        let root = DoubleRotation(axisAngle: shrink * states.map(\.rotation).reduce(.zero, +) / Double(states.count))
        var translation = SIMD3<Double>.zero
        for state in states {
            let head = DoubleRotation(axisAngle: state.rotation)
            translation += state.translation + scale * (head.apply(lever) - root.apply(lever))
        }
        translation /= Double(states.count)
        return states.map { state in
            var split = state
            split.neck = (root.transposed * DoubleRotation(axisAngle: state.rotation)).axisAngle
            split.rotation = root.axisAngle
            split.translation = translation
            return split
        }
    }

    /// Mean pixel distance between projected and observed landmarks.
    func meanResidual(_ state: FrameState, identity: [Double], scale: Double, views: [LandmarkView?], cameras: [PinholeCamera]) -> Double? {
        let points = landmarks(state, identity: identity, scale: scale)
        var total = 0.0, count = 0
        for (camera, view) in zip(cameras, views) {
            guard let view else { continue }
            for k in 0..<points.count where view.confidence[k] > 0 {
                guard let pixel = camera.project(points[k]) else { continue }
                let d = pixel - view.points[k]
                total += (d * d).sum().squareRoot()
                count += 1
            }
        }
        return count > 0 ? total / Double(count) : nil
    }

    // MARK: Initialisation

    /// Per-frame similarity from triangulated landmarks (≥ 2 views), or a camera-facing guess (1 view).
    func initialStates(views: [[LandmarkView?]], cameras: [PinholeCamera], neutral: [SIMD3<Double>], scale: inout Double) throws -> [FrameState] {
        var states: [FrameState?] = []
        var scales: [Double] = []
        for frame in views {
            var model: [SIMD3<Double>] = [], world: [SIMD3<Double>] = []
            for k in 0..<neutral.count {
                let seen = zip(cameras, frame).compactMap { camera, view -> (PinholeCamera, SIMD2<Double>)? in
                    guard let view, view.confidence[k] > 0 else { return nil }
                    return (camera, view.points[k])
                }
                if let point = MultiViewGeometry.triangulate(seen) {
                    model.append(neutral[k])
                    world.append(point)
                }
            }
            if model.count >= 8 {
                let (s, rotation, similarityTranslation) = MultiViewGeometry.similarity(from: model, to: world)
                scales.append(s)
                let modelMean = model.reduce(.zero, +) / Double(model.count), worldMean = world.reduce(.zero, +) / Double(world.count)
                let translation = settings.fitScale ? similarityTranslation : worldMean - rotation.apply(modelMean)
                states.append(
                    FrameState(
                        rotation: rotation.axisAngle, translation: translation, jaw: .zero,
                        expression: [Double](repeating: 0, count: expressionCount)))
            } else if let (c, view) = zip(cameras.indices, frame).first(where: { $0.1 != nil }), let view {
                states.append(facingGuess(camera: cameras[c], view: view, neutral: neutral))
            } else {
                states.append(nil)
            }
        }
        guard let fallback = states.compactMap({ $0 }).first else {
            throw FaceTrackingError(
                "no frame has landmarks in any camera, so there is nothing to fit; check the landmark stage's output (did face detection find faces?)")
        }
        scale = settings.fitScale && !scales.isEmpty ? scales.sorted()[scales.count / 2] : 1
        return states.map { $0 ?? fallback }
    }

    /// Head facing `camera`, placed on the ray through the landmarks' centre at the depth that matches their spread.
    func facingGuess(camera: PinholeCamera, view: LandmarkView, neutral: [SIMD3<Double>]) -> FrameState {
        let seen = view.points.indices.filter { view.confidence[$0] > 0 }
        let centre = seen.map { view.points[$0] }.reduce(.zero, +) / Double(max(seen.count, 1))
        let pixelSpread = seen.map { ((view.points[$0] - centre) * (view.points[$0] - centre)).sum() }.reduce(0, +) / Double(max(seen.count, 1))
        let modelCentre = seen.map { neutral[$0] }.reduce(.zero, +) / Double(max(seen.count, 1))
        let modelSpread = seen.map { ((neutral[$0] - modelCentre) * (neutral[$0] - modelCentre)).sum() }.reduce(0, +) / Double(max(seen.count, 1))
        let depth = camera.fx64 * (modelSpread / max(pixelSpread, 1e-9)).squareRoot()
        let toWorld = camera.rotation64.transposed
        // Model axes: x to the subject's left, y up, z out of the face. Facing the camera means model z → −camera z,
        // model y → −camera y (image y points down), model x = y × z.
        let zAxis = toWorld.apply(SIMD3(0, 0, -1)), yAxis = toWorld.apply(SIMD3(0, -1, 0))
        let xAxis = SIMD3(yAxis.y * zAxis.z - yAxis.z * zAxis.y, yAxis.z * zAxis.x - yAxis.x * zAxis.z, yAxis.x * zAxis.y - yAxis.y * zAxis.x)
        let rotation = DoubleRotation(rows: (SIMD3(xAxis.x, yAxis.x, zAxis.x), SIMD3(xAxis.y, yAxis.y, zAxis.y), SIMD3(xAxis.z, yAxis.z, zAxis.z)))
        let ray = SIMD3((centre.x - camera.cx64) / camera.fx64, (centre.y - camera.cy64) / camera.fy64, 1) * depth
        let target = toWorld.apply(ray - camera.translation64)
        return FrameState(
            rotation: rotation.axisAngle, translation: target - rotation.apply(modelCentre), jaw: .zero,
            expression: [Double](repeating: 0, count: expressionCount))
    }
}

/// A fitting problem a user can act on.
public struct FaceTrackingError: Error, CustomStringConvertible {
    /// What went wrong and what to do.
    public var description: String
    init(_ description: String) { self.description = description }
}
