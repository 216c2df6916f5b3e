import AvatarFlow
import Avatars
import DifferentiableMesh
import Foundation
import Geometry
import HeadModel
import MediaIO
import Tensors

/// One camera's view of one frame, as the refinement compares it: colours over white in [0, 1] and
/// the subject matte.
struct MattedView: Sendable {
    /// RGB, `H·W·3`, in [0, 1].
    var colour: [Float]
    /// Subject matte (alpha) per pixel in [0, 1]; all 1 when the frames carry no alpha.
    var matte: [Float]
}

/// Photometric and silhouette refinement of a landmark fit (`face.refine-photometric`).
///
/// The head model is posed on a Tensors tape (`HeadMeshRig.pose(expression:jointRotations:translation:)`),
/// rendered with per-vertex albedo by `DifferentiableMeshRenderer` (anti-aliased, so the silhouette
/// has position gradients) and compared with the matted frames. Per frame f the cost is
///
///     E_f = w_p Σ_c Σ_x M(x)·‖I_c(x) − α_c(x)·F_c(x)‖²       photometric, inside the matte
///         + w_s Σ_c Σ_x α_c(x)·(1 − M(x))                   model pixels outside the matte
///         + w_l Σ_c Σ_k ρ_k‖π_c(L_k) − l_ck‖²               landmark reprojection (px², IRLS Huber ρ)
///         + λ_ψ²‖ψ‖² + λ_jaw²‖θ_jaw‖² + λ_t² Σ ‖x_f − x_{f±1}‖²  (priors, temporal smoothness)
///
/// with I_c, α_c the premultiplied render and its coverage, F_c the frame, M the matte. The
/// silhouette term is one-sided on purpose: the matte also holds hair, neck and shoulders, which the
/// torso-free head model does not have, so only model pixels where the matte is empty are penalised.
/// The albedo (one RGB per vertex, shared by all frames) starts at the mean colour of the pixels each
/// vertex is visible in under the initial fit and is optimised jointly. All frames are optimised
/// together with Adam (frames rendered in parallel, each on its own tape); the unknowns per frame are
/// the neck, jaw and expression offsets and, by `RootMotion`, the root pose (by default one shared
/// translation offset; or fixed, one shared rotation and translation offset, or per frame).
struct PhotometricRefiner {
    /// How the root pose (rotation and translation) may move.
    enum RootMotion: Sendable {
        /// The root pose of the input tracking is kept.
        case fixed
        /// The root rotation is kept; one translation offset is shared by every frame. The root and
        /// neck rotations are only defined together (a gauge the images cannot fix), the translation is not.
        case sharedTranslation
        /// One offset shared by every frame (the torso stays still, as with `head_motion: neck`).
        case shared
        /// An offset per frame.
        case perFrame
    }

    /// Tuning.
    struct Settings: Sendable {
        var iterations = 240
        /// Adam step for rotations, radians.
        var rotationStep: Float = 0.01
        /// Adam step for translations, world units.
        var translationStep: Float = 0.0005
        /// Adam step for expression coefficients.
        var expressionStep: Float = 0.01
        /// Adam step for the albedo (colour units).
        var albedoStep: Float = 0.02
        var photometricWeight: Float = 1
        var silhouetteWeight: Float = 1
        /// Per px² of landmark reprojection error.
        var landmarkWeight: Float = 0.01
        var huberPixels: Float = 3
        var expressionPrior: Float = 1
        var jawPrior: Float = 2
        var temporalSmoothness: Float = 1
        var refineNeck = true
        var refineJaw = true
        var refineExpression = true
        var rootMotion = RootMotion.sharedTranslation
        var expressionBounds: ClosedRange<Float>? = 0...1.5
    }

    /// Costs of the refined state, summed over the refined frames (same units as `E_f`).
    struct Costs: Sendable {
        var photometric: Double = 0
        var silhouette: Double = 0
        var landmarkPixels: Double = 0
    }

    let model: HeadModel
    let settings: Settings
    let rig: HeadMeshRig
    let adjacency: TriangleAdjacency
    /// Landmark embedding as a dense `[68, V]` matrix (barycentric weights).
    let landmarkMatrix: Tensor
    let jointIndex: (root: Int, neck: Int?, jaw: Int?)

    init(model: HeadModel, tracking: HeadTracking, settings: Settings) throws {
        guard let root = model.jointIndex("root") else {
            throw FaceTrackingError("head model '\(model.name)' has no joint named 'root'; the refinement poses the head from it")
        }
        if settings.refineNeck && model.jointIndex("neck") == nil {
            throw FaceTrackingError("head model '\(model.name)' has no joint named 'neck'; set face.refine-photometric's refine_neck to false")
        }
        self.model = model
        self.settings = settings
        rig = try HeadMeshRig(model: model, identity: tracking.identity.map(Float.init), scale: Float(tracking.scale))
        adjacency = TriangleAdjacency(triangles: model.triangles)
        var matrix = [Float](repeating: 0, count: model.landmarks.count * model.vertexCount)
        for (k, landmark) in model.landmarks.enumerated() {
            let triangle = model.triangles[Int(landmark.triangle)]
            for corner in 0..<3 { matrix[k * model.vertexCount + Int(triangle[corner])] += landmark.barycentric[corner] }
        }
        landmarkMatrix = Tensor(shape: [model.landmarks.count, model.vertexCount], scalars: matrix)
        jointIndex = (root, model.jointIndex("neck"), model.jointIndex("jaw"))
    }

    /// The per-frame unknowns as trainable tensors (`[F, 3]` rotations and translations, `[F, K]` expressions).
    final class State {
        let root: Parameter, translation: Parameter, neck: Parameter, jaw: Parameter, expression: Parameter, albedo: Parameter
        init(tracking: HeadTracking, expressionCount: Int, albedo: [Float]) {
            func rows(_ values: [[Double]], width: Int) -> Parameter {
                let flat = values.flatMap { row in (0..<width).map { $0 < row.count ? Float(row[$0]) : 0 } }
                return Parameter(Tensor(shape: [values.count, width], scalars: flat))
            }
            root = rows(tracking.frames.map(\.rotation), width: 3)
            translation = rows(tracking.frames.map(\.translation), width: 3)
            neck = rows(tracking.frames.map(\.neck), width: 3)
            jaw = rows(tracking.frames.map(\.jaw), width: 3)
            expression = rows(tracking.frames.map(\.expression), width: expressionCount)
            self.albedo = Parameter(Tensor(shape: [albedo.count / 3, 3], scalars: albedo))
        }
    }

    /// Refines `tracking` against `views[f][c]` (frames × cameras) and `landmarks[f][c]`; frames
    /// whose `observedViews` is 0 (pose copied from another frame) are left as they are.
    /// `progress(iteration, iterations)` is called after each step.
    func refine(
        tracking: HeadTracking, views: [[MattedView]], landmarks: [[LandmarkView?]], cameras: [PinholeCamera],
        progress: (Int, Int) -> Void
    ) throws -> (tracking: HeadTracking, before: Costs, after: Costs) {
        let frameCount = tracking.frames.count
        guard views.count == frameCount, landmarks.count == frameCount else {
            throw FaceTrackingError(
                "the tracking has \(frameCount) frames but the frames have \(views.count) and the landmarks \(landmarks.count); connect the tracking, frames and landmarks of the same decode"
            )
        }
        let active = (0..<frameCount).filter { tracking.frames[$0].observedViews > 0 }
        let expressionCount = tracking.frames.first?.expression.count ?? 0
        guard expressionCount <= model.expressionCount else {
            throw FaceTrackingError(
                "the tracking has \(expressionCount) expression coefficients but the head model '\(model.name)' \(model.expressionCount); refine with the model the tracking was fitted with"
            )
        }
        let initialAlbedo = try estimateAlbedo(tracking: tracking, views: views, cameras: cameras, frames: active)
        let state = State(tracking: tracking, expressionCount: expressionCount, albedo: initialAlbedo)
        var groups: [Adam.Group] = [Adam.Group(name: "albedo", parameters: [state.albedo], learningRate: settings.albedoStep)]
        var rotations: [Parameter] = []
        if settings.refineNeck { rotations.append(state.neck) }
        if settings.refineJaw { rotations.append(state.jaw) }
        if settings.rootMotion == .shared || settings.rootMotion == .perFrame { rotations.append(state.root) }
        if settings.rootMotion != .fixed {
            groups.append(Adam.Group(name: "translation", parameters: [state.translation], learningRate: settings.translationStep))
        }
        if !rotations.isEmpty { groups.append(Adam.Group(name: "rotation", parameters: rotations, learningRate: settings.rotationStep)) }
        if settings.refineExpression && expressionCount > 0 {
            groups.append(Adam.Group(name: "expression", parameters: [state.expression], learningRate: settings.expressionStep))
        }
        let optimizer = Adam(groups: groups)
        let huberWeights = landmarkWeights(state: state, landmarks: landmarks, cameras: cameras, frames: active)
        var before: Costs?
        for iteration in 0..<settings.iterations {
            let costs = step(state: state, views: views, landmarks: landmarks, huberWeights: huberWeights, cameras: cameras, frames: active)
            if iteration == 0 { before = costs }
            addPriorGradients(state: state, frames: active)
            if settings.rootMotion == .shared { shareRows(of: state.root, frames: active) }
            if settings.rootMotion == .shared || settings.rootMotion == .sharedTranslation { shareRows(of: state.translation, frames: active) }
            optimizer.step()
            optimizer.zeroGradients()
            if let bounds = settings.expressionBounds {
                state.expression.value.withUnsafeMutableBufferPointer { values in
                    for i in values.indices { values[i] = min(bounds.upperBound, max(bounds.lowerBound, values[i])) }
                }
            }
            progress(iteration + 1, settings.iterations)
        }
        let after = evaluate(state: state, views: views, landmarks: landmarks, cameras: cameras, frames: active)
        return (try write(state: state, into: tracking, landmarks: landmarks, cameras: cameras, frames: active), before ?? after, after)
    }

    // MARK: The cost on the tape

    /// One frame's posed vertices on `tape`, and the variables they depend on.
    func posed(frame f: Int, state: State, tracking: HeadTracking?, tape: Tape) -> (vertices: Variable, leaves: [Variable]) {
        let jointCount = model.jointCount
        var rotations = [Float](repeating: 0, count: 3 * jointCount)
        let frameRecord = tracking?.frames[f]
        for (name, value) in [("left_eye", frameRecord?.leftEye), ("right_eye", frameRecord?.rightEye)] {
            if let value, let joint = model.jointIndex(name) { for a in 0..<3 { rotations[3 * joint + a] = Float(value[a]) } }
        }
        let differentiable: [(Int?, Parameter)] = [(jointIndex.root, state.root), (jointIndex.neck, state.neck), (jointIndex.jaw, state.jaw)]
        for (joint, parameter) in differentiable {
            guard let joint else { continue }
            for a in 0..<3 { rotations[3 * joint + a] = parameter.value[flat: 3 * f + a] }
        }
        let k = state.expression.shape[1]
        let expression = tape.variable(Tensor(shape: [1, k], scalars: (0..<k).map { state.expression.value[flat: f * k + $0] }))
        let jointRotations = tape.variable(Tensor(shape: [jointCount, 3], scalars: rotations))
        let translation = tape.variable(Tensor(shape: [1, 3], scalars: (0..<3).map { state.translation.value[flat: 3 * f + $0] }))
        let posed = rig.pose(expression: expression, jointRotations: jointRotations, translation: translation)
        return (posed.vertices, [expression, jointRotations, translation])
    }

    /// The image terms of one view as two scalars: photometric w_p Σ M‖I − αF‖² and silhouette
    /// w_s Σ α(1 − M), with `image` `[H, W, 3]` and `alpha` `[H, W]` the premultiplied render.
    static func imageCosts(
        image: Variable, alpha: Variable, view: MattedView, photometricWeight: Float, silhouetteWeight: Float
    ) -> (photometric: Variable, silhouette: Variable) {
        let pixels = alpha.value.count
        let rendered = image.value.scalars, coverage = alpha.value.scalars
        var photometric: Double = 0, silhouette: Double = 0
        var imageGradient = [Float](repeating: 0, count: 3 * pixels)
        var alphaPhotometric = [Float](repeating: 0, count: pixels), alphaSilhouette = [Float](repeating: 0, count: pixels)
        for p in 0..<pixels {
            let a = coverage[p], m = view.matte[p]
            for c in 0..<3 {
                let frame = view.colour[3 * p + c], residual = rendered[3 * p + c] - a * frame
                photometric += Double(photometricWeight * m * residual * residual)
                imageGradient[3 * p + c] = 2 * photometricWeight * m * residual
                alphaPhotometric[p] -= 2 * photometricWeight * m * residual * frame
            }
            silhouette += Double(silhouetteWeight * a * (1 - m))
            alphaSilhouette[p] = silhouetteWeight * (1 - m)
        }
        let imageShape = image.shape, alphaShape = alpha.shape
        let outputs = Tape.record(inputs: [image, alpha], outputs: [Tensor(Float(photometric)), Tensor(Float(silhouette))]) { gradients in
            let gp = gradients[0][flat: 0], gs = gradients[1][flat: 0]
            return [
                Tensor(shape: imageShape, scalars: imageGradient.map { $0 * gp }),
                Tensor(shape: alphaShape, scalars: (0..<pixels).map { gp * alphaPhotometric[$0] + gs * alphaSilhouette[$0] }),
            ]
        }
        return (outputs[0], outputs[1])
    }

    /// Costs and gradients of every refined frame (frames in parallel, one tape each); the
    /// gradients are added into the parameters.
    func step(
        state: State, views: [[MattedView]], landmarks: [[LandmarkView?]], huberWeights: [[[Float]?]], cameras: [PinholeCamera],
        frames: [Int]
    ) -> Costs {
        let renderer = DifferentiableMeshRenderer()
        let k = state.expression.shape[1], jointCount = model.jointCount
        let results = parallelMap(frames.count) { index -> (costs: Costs, gradients: [Tensor?]) in
            let f = frames[index]
            let tape = Tape()
            let albedo = tape.variable(state.albedo.value)
            let (vertices, leaves) = posed(frame: f, state: state, tracking: nil, tape: tape)
            var costs = Costs()
            var total = Variable(Tensor(0))
            let landmarkPoints = Variable(landmarkMatrix).matmul(vertices)
            for (c, camera) in cameras.enumerated() {
                guard
                    let render = try? renderer.render(
                        vertices: vertices, features: albedo, triangles: model.triangles, adjacency: adjacency, camera: camera)
                else { continue }
                let (photometric, silhouette) = Self.imageCosts(
                    image: render.image, alpha: render.alpha, view: views[f][c], photometricWeight: settings.photometricWeight,
                    silhouetteWeight: settings.silhouetteWeight)
                costs.photometric += Double(photometric.value[flat: 0])
                costs.silhouette += Double(silhouette.value[flat: 0])
                total = total + photometric + silhouette
                if let view = landmarks[f][c], let weights = huberWeights[f][c], settings.landmarkWeight > 0,
                    let projected = try? PointProjection.project(landmarkPoints, camera: camera)
                {
                    let observed = Tensor(shape: [view.points.count, 2], scalars: view.points.flatMap { [Float($0.x), Float($0.y)] })
                    let residual = projected - Variable(observed)
                    let cost = (residual * residual * Variable(Tensor(shape: [weights.count / 2, 2], scalars: weights))).sum()
                    costs.landmarkPixels += Double(cost.value[flat: 0])
                    total = total + settings.landmarkWeight * cost
                }
            }
            let gradients = tape.backward(from: total)
            return (costs, leaves.map { gradients[$0] } + [gradients[albedo]])
        }
        var rootGradient = [Float](repeating: 0, count: state.root.value.count), neckGradient = rootGradient, jawGradient = rootGradient
        var translationGradient = rootGradient
        var expressionGradient = [Float](repeating: 0, count: state.expression.value.count)
        var albedoGradient = [Float](repeating: 0, count: state.albedo.value.count)
        var costs = Costs()
        for (index, result) in results.enumerated() {
            let f = frames[index]
            costs.photometric += result.costs.photometric
            costs.silhouette += result.costs.silhouette
            costs.landmarkPixels += result.costs.landmarkPixels
            if let g = result.gradients[0] { for i in 0..<k { expressionGradient[f * k + i] = g[flat: i] } }
            if let g = result.gradients[1] {
                precondition(g.count == 3 * jointCount)
                for a in 0..<3 {
                    rootGradient[3 * f + a] = g[flat: 3 * jointIndex.root + a]
                    if let neck = jointIndex.neck { neckGradient[3 * f + a] = g[flat: 3 * neck + a] }
                    if let jaw = jointIndex.jaw { jawGradient[3 * f + a] = g[flat: 3 * jaw + a] }
                }
            }
            if let g = result.gradients[2] { for a in 0..<3 { translationGradient[3 * f + a] = g[flat: a] } }
            if let g = result.gradients[3] { for i in albedoGradient.indices { albedoGradient[i] += g[flat: i] } }
        }
        state.root.accumulateGradient(Tensor(shape: state.root.shape, scalars: rootGradient))
        state.neck.accumulateGradient(Tensor(shape: state.neck.shape, scalars: neckGradient))
        state.jaw.accumulateGradient(Tensor(shape: state.jaw.shape, scalars: jawGradient))
        state.translation.accumulateGradient(Tensor(shape: state.translation.shape, scalars: translationGradient))
        state.expression.accumulateGradient(Tensor(shape: state.expression.shape, scalars: expressionGradient))
        state.albedo.accumulateGradient(Tensor(shape: state.albedo.shape, scalars: albedoGradient))
        return costs
    }

    /// Gradients of the priors (expression and jaw towards rest) and of the temporal smoothness
    /// (neck, jaw, expression and per-frame root between neighbouring refined frames).
    func addPriorGradients(state: State, frames: [Int]) {
        func add(_ parameter: Parameter, prior: Float, smooth: Bool) {
            let width = parameter.shape[1], values = parameter.value
            var gradient = [Float](repeating: 0, count: values.count)
            let smoothing = settings.temporalSmoothness * settings.temporalSmoothness
            for (index, f) in frames.enumerated() {
                for i in 0..<width {
                    let x = values[flat: f * width + i]
                    gradient[f * width + i] += 2 * prior * prior * x
                    if smooth, index > 0, frames[index - 1] == f - 1 {
                        let difference = x - values[flat: (f - 1) * width + i]
                        gradient[f * width + i] += 2 * smoothing * difference
                        gradient[(f - 1) * width + i] -= 2 * smoothing * difference
                    }
                }
            }
            parameter.accumulateGradient(Tensor(shape: parameter.shape, scalars: gradient))
        }
        add(state.neck, prior: 0, smooth: true)
        add(state.jaw, prior: settings.jawPrior, smooth: true)
        add(state.expression, prior: settings.expressionPrior, smooth: true)
        if settings.rootMotion == .perFrame {
            add(state.root, prior: 0, smooth: true)
            add(state.translation, prior: 0, smooth: true)
        }
    }

    /// Replaces each refined frame's gradient row of `parameter` by their sum (one shared offset).
    func shareRows(of parameter: Parameter, frames: [Int]) {
        guard var gradient = parameter.gradient, !frames.isEmpty else { return }
        let width = parameter.shape[1]
        var sum = [Float](repeating: 0, count: width)
        for f in frames { for i in 0..<width { sum[i] += gradient[flat: f * width + i] } }
        gradient.withUnsafeMutableBufferPointer { values in
            for f in frames { for i in 0..<width { values[f * width + i] = sum[i] } }
        }
        parameter.gradient = gradient
    }

    /// Costs of the current state without changing it.
    func evaluate(state: State, views: [[MattedView]], landmarks: [[LandmarkView?]], cameras: [PinholeCamera], frames: [Int]) -> Costs {
        let weights = landmarkWeights(state: state, landmarks: landmarks, cameras: cameras, frames: frames)
        let costs = step(state: state, views: views, landmarks: landmarks, huberWeights: weights, cameras: cameras, frames: frames)
        for parameter in [state.root, state.neck, state.jaw, state.translation, state.expression, state.albedo] { parameter.zeroGradient() }
        return costs
    }

    // MARK: Landmarks

    /// Projected model landmarks of frame `f` per camera.
    func projectedLandmarks(frame f: Int, state: State, cameras: [PinholeCamera]) -> [[SIMD2<Float>]] {
        let tape = Tape()
        let vertices = tape.withoutRecording { posed(frame: f, state: state, tracking: nil, tape: tape).vertices }
        let points = Variable(landmarkMatrix).matmul(vertices).value
        return cameras.map { camera in
            (0..<points.shape[0]).map { k in
                let p = camera.project(SIMD3(points[flat: 3 * k], points[flat: 3 * k + 1], points[flat: 3 * k + 2]))
                return SIMD2(p.x, p.y)
            }
        }
    }

    /// IRLS weights of the landmark term under the initial fit: confidence × Huber weight, twice per
    /// landmark (x and y); nil where a camera saw no landmarks.
    func landmarkWeights(state: State, landmarks: [[LandmarkView?]], cameras: [PinholeCamera], frames: [Int]) -> [[[Float]?]] {
        var weights = landmarks.map { $0.map { _ -> [Float]? in nil } }
        let computed = parallelMap(frames.count) { index -> [[Float]?] in
            let f = frames[index]
            let projected = projectedLandmarks(frame: f, state: state, cameras: cameras)
            return cameras.indices.map { c -> [Float]? in
                guard let view = landmarks[f][c] else { return nil }
                return view.points.indices.flatMap { k -> [Float] in
                    let d = projected[c][k] - SIMD2(Float(view.points[k].x), Float(view.points[k].y))
                    let distance = (d * d).sum().squareRoot()
                    let w = Float(view.confidence[k]) * (distance <= settings.huberPixels ? 1 : settings.huberPixels / distance)
                    return [w, w]
                }
            }
        }
        for (index, f) in frames.enumerated() { weights[f] = computed[index] }
        return weights
    }

    // MARK: Albedo

    /// Mean frame colour of the pixels each vertex is visible in (its projection's pixel, in the
    /// matte, not occluded) under the initial fit; vertices never seen get the mean of the others.
    func estimateAlbedo(tracking: HeadTracking, views: [[MattedView]], cameras: [PinholeCamera], frames: [Int]) throws -> [Float] {
        let vertexCount = model.vertexCount
        let parts = try parallelMap(frames.count) { index -> (sum: [Float], count: [Float]) in
            let f = frames[index]
            var sum = [Float](repeating: 0, count: 3 * vertexCount), count = [Float](repeating: 0, count: vertexCount)
            let vertices = try tracking.vertices(frame: f, model: model)
            for (c, camera) in cameras.enumerated() {
                let fragments = MeshRasterizer().rasterize(positions: vertices, triangles: model.triangles, camera: camera)
                let view = views[f][c]
                for (v, point) in vertices.enumerated() {
                    let p = camera.project(point)
                    let x = Int(p.x.rounded()), y = Int(p.y.rounded())
                    guard p.z > 0, x >= 0, y >= 0, x < camera.width, y < camera.height else { continue }
                    let pixel = y * camera.width + x
                    guard view.matte[pixel] > 0.5, p.z <= fragments.depth[pixel] * 1.01 + 1e-4 else { continue }
                    for a in 0..<3 { sum[3 * v + a] += view.colour[3 * pixel + a] }
                    count[v] += 1
                }
            }
            return (sum, count)
        }
        var sum = [Float](repeating: 0, count: 3 * vertexCount), count = [Float](repeating: 0, count: vertexCount)
        for part in parts {
            for i in sum.indices { sum[i] += part.sum[i] }
            for v in count.indices { count[v] += part.count[v] }
        }
        var mean = SIMD3<Float>(repeating: 0.5), seen: Float = 0, total = SIMD3<Float>.zero
        for v in 0..<vertexCount where count[v] > 0 {
            total += SIMD3(sum[3 * v], sum[3 * v + 1], sum[3 * v + 2]) / count[v]
            seen += 1
        }
        if seen > 0 { mean = total / seen }
        return (0..<vertexCount).flatMap { v -> [Float] in
            count[v] > 0 ? [sum[3 * v] / count[v], sum[3 * v + 1] / count[v], sum[3 * v + 2] / count[v]] : [mean.x, mean.y, mean.z]
        }
    }

    // MARK: Output

    /// The refined tracking: the input's identity, scale, cameras and eyes, the refined poses and
    /// expressions, the model landmarks and their reprojection error against `landmarks`.
    func write(state: State, into tracking: HeadTracking, landmarks: [[LandmarkView?]], cameras: [PinholeCamera], frames: [Int]) throws
        -> HeadTracking
    {
        var refined = tracking
        let k = state.expression.shape[1]
        func row(_ parameter: Parameter, _ f: Int) -> [Double] { (0..<3).map { Double(parameter.value[flat: 3 * f + $0]) } }
        for f in frames {
            refined.frames[f].rotation = row(state.root, f)
            refined.frames[f].translation = row(state.translation, f)
            refined.frames[f].neck = jointIndex.neck == nil ? refined.frames[f].neck : row(state.neck, f)
            refined.frames[f].jaw = row(state.jaw, f)
            refined.frames[f].expression = (0..<k).map { Double(state.expression.value[flat: f * k + $0]) }
            let instance = try model.evaluate(
                identity: tracking.identity.map(Float.init), expression: refined.frames[f].expression.map(Float.init),
                pose: HeadPose(jointRotations: refined.jointRotations(frame: f, model: model)))
            let translation = SIMD3<Float>(refined.frames[f].translation.map(Float.init))
            refined.frames[f].landmarks = instance.landmarks.map { point in
                let p = Float(tracking.scale) * point + translation
                return [Double(p.x), Double(p.y), Double(p.z)]
            }
            let projected = projectedLandmarks(frame: f, state: state, cameras: cameras)
            var total: Float = 0, count = 0
            for (c, view) in landmarks[f].enumerated() {
                guard let view else { continue }
                for k in view.points.indices where view.confidence[k] > 0 {
                    let d = projected[c][k] - SIMD2(Float(view.points[k].x), Float(view.points[k].y))
                    total += (d * d).sum().squareRoot()
                    count += 1
                }
            }
            if count > 0 { refined.frames[f].meanResidualPixels = Double(total) / Double(count) }
        }
        return refined
    }
}
