import Foundation
import TestSupport

@testable import Splatting

/// Small random scenes and cameras shared by the tests.
enum TestScenes {
    /// A camera with an off-centre principal point and a slightly rotated pose.
    static func camera(width: Int = 40, height: Int = 32) -> PinholeCamera {
        let pose = PinholeCamera.lookAt(eye: SIMD3(0.15, -0.1, -0.05), target: SIMD3(0.05, 0.02, 3), up: SIMD3(0, -1, 0))
        return PinholeCamera(
            width: width, height: height, fx: Float(width) * 1.1, fy: Float(width) * 1.05,
            cx: Float(width) * 0.43, cy: Float(height) * 0.56, worldToCamera: pose)
    }

    /// `count` Gaussians spread over the view of `camera()` at depths 2.5…3.5.
    static func scene(
        count: Int, appearance: GaussianAppearance, seed: UInt64,
        logScale: ClosedRange<Float> = -2.2 ... -1.4, opacityLogit: ClosedRange<Float> = -1...1
    ) -> GaussianScene {
        var rng = SplitMix64(seed: seed)
        var scene = GaussianScene(appearance: appearance)
        for _ in 0..<count {
            let z = rng.uniform(2.5...3.5)
            scene.means += [rng.uniform(-0.45...0.5) * z, rng.uniform(-0.4...0.45) * z * 0.8, z]
            scene.rotations += [rng.normal(), rng.normal(), rng.normal(), rng.normal()]
            scene.logScales += [rng.uniform(logScale), rng.uniform(logScale), rng.uniform(logScale)]
            scene.opacityLogits.append(rng.uniform(opacityLogit))
            for _ in 0..<appearance.storedValuesPerGaussian {
                if case .sphericalHarmonics = appearance {
                    scene.features.append(rng.uniform(-0.6...0.6))
                } else {
                    scene.features.append(rng.uniform(0...1))
                }
            }
        }
        return scene
    }
}

/// The splatting model written the slow and obvious way in Double: every pixel visits every
/// Gaussian in depth order, with no tiles, boxes or early rejections.
enum BruteForceRenderer {
    struct Output {
        var image: [Double]
        var alpha: [Double]
        var depth: [Double]
        var count: [Int]
    }

    static func render(scene: GaussianScene, camera: PinholeCamera, settings: RasterSettings) -> Output {
        struct Splat {
            var u, v, a, b, c, opacity, depth: Double
            var color: [Double]
        }
        let m = camera.pose.map(Double.init)
        let channels = scene.appearance.renderedChannels
        let width = Double(camera.width), height = Double(camera.height)
        let fx = Double(camera.fx), fy = Double(camera.fy), cx = Double(camera.cx), cy = Double(camera.cy)
        let margin = Double(settings.jacobianClampMargin)
        let centre = camera.center
        var splats: [Splat] = []
        for i in 0..<scene.count {
            let p = (0..<3).map { Double(scene.means[3 * i + $0]) }
            let t = (0..<3).map { r in m[4 * r] * p[0] + m[4 * r + 1] * p[1] + m[4 * r + 2] * p[2] + m[4 * r + 3] }
            if !(t[2] > Double(settings.nearPlane)) { continue }
            var q = (0..<4).map { Double(scene.rotations[4 * i + $0]) }
            let norm = q.map { $0 * $0 }.reduce(0, +).squareRoot()
            q = q.map { $0 / norm }
            let (w, x, y, z) = (q[0], q[1], q[2], q[3])
            let r = [
                [1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)],
                [2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)],
                [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)],
            ]
            let s = (0..<3).map { Foundation.exp(Double(scene.logScales[3 * i + $0])) }
            var sigma = [[Double]](repeating: [0, 0, 0], count: 3)
            for a in 0..<3 { for b in 0..<3 { for k in 0..<3 { sigma[a][b] += r[a][k] * s[k] * s[k] * r[b][k] } } }
            let rx = t[0] / t[2], ry = t[1] / t[2]
            let rxc = min(max(rx, (-margin * width - cx) / fx), (width + margin * width - cx) / fx)
            let ryc = min(max(ry, (-margin * height - cy) / fy), (height + margin * height - cy) / fy)
            let j = [[fx / t[2], 0, -fx * rxc / t[2]], [0, fy / t[2], -fy * ryc / t[2]]]
            var tm = [[Double]](repeating: [0, 0, 0], count: 2)
            for a in 0..<2 { for b in 0..<3 { for k in 0..<3 { tm[a][b] += j[a][k] * m[4 * k + b] } } }
            var cov = [[Double]](repeating: [0, 0], count: 2)
            for a in 0..<2 { for b in 0..<2 { for k in 0..<3 { for l in 0..<3 { cov[a][b] += tm[a][k] * sigma[k][l] * tm[b][l] } } } }
            cov[0][0] += Double(settings.dilation)
            cov[1][1] += Double(settings.dilation)
            let det = cov[0][0] * cov[1][1] - cov[0][1] * cov[0][1]
            if !(det > 0) { continue }
            var color = (0..<channels).map { Double(scene.features[i * scene.appearance.storedValuesPerGaussian + $0]) }
            if case .sphericalHarmonics(let degree) = scene.appearance {
                let offset = (0..<3).map { p[$0] - Double(centre[$0]) }
                let length = offset.map { $0 * $0 }.reduce(0, +).squareRoot()
                let d = offset.map { $0 / length }
                let basis = shBasis(d[0], d[1], d[2])
                let k = (degree + 1) * (degree + 1)
                color = (0..<3).map { c in
                    var value = 0.5
                    for b in 0..<k { value += basis[b] * Double(scene.features[(i * k + b) * 3 + c]) }
                    return max(0, value)
                }
            }
            splats.append(
                Splat(
                    u: fx * rx + cx, v: fy * ry + cy, a: cov[1][1] / det, b: -cov[0][1] / det,
                    c: cov[0][0] / det, opacity: 1 / (1 + Foundation.exp(-Double(scene.opacityLogits[i]))),
                    depth: t[2], color: color))
        }
        let order = splats.indices.sorted { (splats[$0].depth, $0) < (splats[$1].depth, $1) }
        let pixels = camera.width * camera.height
        var out = Output(
            image: [Double](repeating: 0, count: pixels * channels), alpha: [Double](repeating: 0, count: pixels),
            depth: [Double](repeating: 0, count: pixels), count: [Int](repeating: 0, count: pixels))
        let background = settings.background.isEmpty ? [Double](repeating: 0, count: channels) : settings.background.map(Double.init)
        for py in 0..<camera.height {
            for px in 0..<camera.width {
                let pixel = py * camera.width + px
                var transmittance = 1.0
                for index in order {
                    let g = splats[index]
                    let dx = g.u - Double(px), dy = g.v - Double(py)
                    let power = 0.5 * (g.a * dx * dx + g.c * dy * dy) + g.b * dx * dy
                    if power < 0 { continue }
                    let alpha = min(Double(settings.maxAlpha), g.opacity * Foundation.exp(-power))
                    if alpha < Double(settings.alphaThreshold) { continue }
                    let next = transmittance * (1 - alpha)
                    if next < Double(settings.transmittanceThreshold) { break }
                    for c in 0..<channels { out.image[pixel * channels + c] += g.color[c] * alpha * transmittance }
                    out.depth[pixel] += g.depth * alpha * transmittance
                    out.count[pixel] += 1
                    transmittance = next
                }
                for c in 0..<channels { out.image[pixel * channels + c] += transmittance * background[c] }
                out.alpha[pixel] = 1 - transmittance
            }
        }
        return out
    }

    static func shBasis(_ x: Double, _ y: Double, _ z: Double) -> [Double] {
        let (xx, yy, zz) = (x * x, y * y, z * z)
        return [
            0.28209479177387814,
            -0.4886025119029199 * y, 0.4886025119029199 * z, -0.4886025119029199 * x,
            1.0925484305920792 * x * y, -1.0925484305920792 * y * z, 0.31539156525252005 * (2 * zz - xx - yy),
            -1.0925484305920792 * x * z, 0.5462742152960396 * (xx - yy),
            -0.5900435899266435 * y * (3 * xx - yy), 2.890611442640554 * x * y * z,
            -0.4570457994644658 * y * (4 * zz - xx - yy), 0.3731763325901154 * z * (2 * zz - 3 * xx - 3 * yy),
            -0.4570457994644658 * x * (4 * zz - xx - yy), 1.445305721320277 * z * (xx - yy),
            -0.5900435899266435 * x * (xx - 3 * yy),
        ]
    }
}

extension PinholeCamera {
    /// The world-to-camera transform as 16 row-major values `[R t; 0 0 0 1]`. Setting it stores the
    /// entries as given, without the rigidity check of `RigidTransform(rowMajor4x4:)`, because the
    /// finite-difference tests step single entries of R on purpose.
    var pose: [Float] {
        get { worldToCamera.rowMajor4x4 }
        set {
            worldToCamera = RigidTransform(
                rotation: Matrix3x3(
                    rows: SIMD3(newValue[0], newValue[1], newValue[2]),
                    SIMD3(newValue[4], newValue[5], newValue[6]),
                    SIMD3(newValue[8], newValue[9], newValue[10])),
                translation: SIMD3(newValue[3], newValue[7], newValue[11]))
        }
    }
}
