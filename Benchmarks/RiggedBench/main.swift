import Avatars
import Foundation
import HeadModel
import Splatting
import Tensors

// Times one GaussianAvatars training step at the CPU preset without disk I/O: posing the rigged
// Gaussians (triangle frames + RiggedTransform), the differentiable render, (1−λ)·L1 + λ·D-SSIM,
// backward and Adam, for the procedural head with one Gaussian per triangle and with 4×.
// Prints one JSON object.

func milliseconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
}

let model = ProceduralHeadBuilder.build()
let tracking = HeadTracking(
    model: model.name, cameras: ["front"], identity: [], scale: 1,
    frames: [
        HeadTracking.Frame(
            rotation: [0, 0.2, 0], translation: [0, 0, 0], jaw: [0.1, 0, 0], expression: [], landmarks: [],
            meanResidualPixels: 0, observedViews: 1)
    ])
let vertices = try tracking.vertices(frame: 0, model: model)
var lower = SIMD3<Float>(repeating: .infinity), upper = SIMD3<Float>(repeating: -.infinity)
for v in vertices {
    lower = pointwiseMin(lower, v)
    upper = pointwiseMax(upper, v)
}
let centre = (lower + upper) / 2, radius = ((upper - lower) * (upper - lower)).sum().squareRoot() / 2
var generator = Tensors.SplitMix64(seed: 7)
var results: [String: Double] = ["triangles": Double(model.triangles.count)]

for (label, size, copies) in [("64px_1x", 64, 1), ("128px_1x", 128, 1), ("128px_4x", 128, 4), ("256px_4x", 256, 4)] {
    let base = RiggedGaussians.onePerTriangle(triangleCount: model.triangles.count, generator: &generator)
    let gaussians = base.gathered((0..<(base.count * copies)).map { $0 % base.count })
    let n = gaussians.count
    let eye = centre + SIMD3<Float>(0, 0, 4 * radius)
    let camera = PinholeCamera(
        width: size, height: size, fx: Float(size) * 1.6, fy: Float(size) * 1.6,
        cx: Float(size - 1) / 2, cy: Float(size - 1) / 2,
        worldToCamera: PinholeCamera.lookAt(eye: eye, target: centre, up: SIMD3(0, 1, 0)))
    let target = Tensor.uniform(shape: [size, size, 3], generator: &generator)
    let parameters = [
        Parameter(Tensor(shape: [n, 3], scalars: gaussians.means)), Parameter(Tensor(shape: [n, 4], scalars: gaussians.rotations)),
        Parameter(Tensor(shape: [n, 3], scalars: gaussians.logScales)), Parameter(Tensor(shape: [n, 1], scalars: gaussians.opacityLogits)),
        Parameter(Tensor(shape: [n, 48], scalars: gaussians.features)),
    ]
    let adam = Adam(groups: [.init(name: "all", parameters: parameters, learningRate: 1e-3, epsilon: 1e-15)])
    let rasterizer = GaussianRasterizer()
    var poseTimes: [Double] = [], stepTimes: [Double] = []
    for repetition in 0..<12 {
        var frames = TriangleFrames(vertices: vertices, triangles: model.triangles)
        let pose = milliseconds { frames = TriangleFrames(vertices: vertices, triangles: model.triangles) }
        let step = try milliseconds {
            let tape = Tape()
            let world = RiggedTransform.apply(
                means: tape.variable(for: parameters[0]), rotations: tape.variable(for: parameters[1]),
                logScales: tape.variable(for: parameters[2]), binding: gaussians.binding, frames: frames)
            let render = try rasterizer.render(
                GaussianVariables(
                    means: world.means, rotations: world.rotations, logScales: world.logScales,
                    opacityLogits: tape.variable(for: parameters[3]),
                    features: tape.variable(for: parameters[4]), appearance: .sphericalHarmonics(degree: 3)),
                camera: camera, settings: RasterSettings(background: [1, 1, 1]))
            let t = Variable(target)
            let loss = 0.8 * Losses.l1(render.image, t) + 0.2 * Losses.structuralDissimilarity(render.image.permuted([2, 0, 1]), t.permuted([2, 0, 1]))
            tape.backward(from: loss)
            adam.step()
            adam.zeroGradients()
        }
        if repetition >= 2 {
            poseTimes.append(pose)
            stepTimes.append(step)
        }
    }
    results["gaussians_\(label)"] = Double(n)
    results["triangle_frames_\(label)_ms"] = poseTimes.sorted()[poseTimes.count / 2]
    results["training_step_\(label)_ms"] = stepTimes.sorted()[stepTimes.count / 2]
}
// The per-frame fine-tuning path (expression and jaw): posing the head model on the tape, rigging
// the Gaussians to the posed mesh's frames, and back-propagating a loss on the world Gaussians into
// expression, jaw and the local parameters (no rendering), with one Gaussian per triangle and with 3×.
let rig = try HeadMeshRig(model: model, identity: [], scale: 1)
let jointRotations = tracking.jointRotations(frame: 0, model: model)
for (label, copies) in [("1x", 1), ("3x", 3)] {
    let base = RiggedGaussians.onePerTriangle(triangleCount: model.triangles.count, generator: &generator)
    let gaussians = base.gathered((0..<(base.count * copies)).map { $0 % base.count })
    let n = gaussians.count
    let local = (
        Tensor(shape: [n, 3], scalars: gaussians.means), Tensor(shape: [n, 4], scalars: gaussians.rotations),
        Tensor(shape: [n, 3], scalars: gaussians.logScales)
    )
    let upstream = (Tensor.normal(shape: [n, 3], generator: &generator), Tensor.normal(shape: [n, 4], generator: &generator))
    var times: [Double] = []
    for repetition in 0..<12 {
        let time = milliseconds {
            let tape = Tape()
            let posed = rig.pose(
                expression: tape.variable(Tensor(zeros: [1, model.expressionCount])), jaw: tape.variable(Tensor(zeros: [1, 3])),
                jointRotations: jointRotations, translation: .zero)
            let world = RiggedTransform.apply(
                means: tape.variable(local.0), rotations: tape.variable(local.1), logScales: tape.variable(local.2),
                binding: gaussians.binding, vertices: posed.vertices, triangles: model.triangles)
            tape.backward(from: (world.means * Variable(upstream.0)).sum() + (world.rotations * Variable(upstream.1)).sum())
        }
        if repetition >= 2 { times.append(time) }
    }
    results["finetune_pose_rig_backward_\(label)_ms"] = times.sorted()[times.count / 2]
}
var loads = [Double](repeating: 0, count: 3)
if getloadavg(&loads, 3) == 3 { results["load_average_1min"] = loads[0] }
let data = try JSONSerialization.data(withJSONObject: results, options: [.sortedKeys])
print(String(decoding: data, as: UTF8.self))
