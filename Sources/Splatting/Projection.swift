import Foundation

/// The camera quantities the projection needs, unpacked once per render.
struct CameraGeometry: Sendable {
    var rotationRows: (SIMD3<Float>, SIMD3<Float>, SIMD3<Float>)
    var translation: SIMD3<Float>
    var fx: Float, fy: Float, cx: Float, cy: Float
    var width: Int, height: Int
    var near: Float
    /// Clamp range of tx/tz and ty/tz inside the EWA Jacobian.
    var ratioXLow: Float, ratioXHigh: Float, ratioYLow: Float, ratioYHigh: Float
    var centre: SIMD3<Float>

    /// Unpacks `camera`; `clampMargin` and `near` come from the render's `RasterSettings`.
    init(_ camera: PinholeCamera, clampMargin: Float, near: Float) {
        let rotation = camera.worldToCamera.rotation
        rotationRows = (rotation.row0, rotation.row1, rotation.row2)
        translation = camera.worldToCamera.translation
        fx = camera.fx
        fy = camera.fy
        cx = camera.cx
        cy = camera.cy
        width = camera.width
        height = camera.height
        self.near = near
        let w = Float(camera.width), h = Float(camera.height)
        ratioXLow = (-clampMargin * w - camera.cx) / camera.fx
        ratioXHigh = (w + clampMargin * w - camera.cx) / camera.fx
        ratioYLow = (-clampMargin * h - camera.cy) / camera.fy
        ratioYHigh = (h + clampMargin * h - camera.cy) / camera.fy
        centre = camera.center
    }

    @inline(__always) func toCamera(_ p: SIMD3<Float>) -> SIMD3<Float> {
        SIMD3((rotationRows.0 * p).sum(), (rotationRows.1 * p).sum(), (rotationRows.2 * p).sum()) + translation
    }
}

/// Per-Gaussian screen-space data computed once per render (the rasteriser's "preprocess").
struct ProjectedGaussian {
    /// Projected centre in pixels.
    var u: Float, v: Float
    /// Conic: inverse of the dilated 2D covariance, `[[a, b], [b, c]]`.
    var conicA: Float, conicB: Float, conicC: Float
    /// Activated opacity.
    var opacity: Float
    /// Camera-space depth tz.
    var depth: Float
    /// Fragments with σ above this have α below the threshold (cheap rejection before `exp`).
    var cutoffPower: Float
    /// Inclusive pixel bounding box of the opacity-aware support; empty (xMin > xMax) if culled.
    var xMin: Int32, xMax: Int32, yMin: Int32, yMax: Int32

    static let culled = ProjectedGaussian(
        u: 0, v: 0, conicA: 0, conicB: 0, conicC: 0, opacity: 0, depth: 0,
        cutoffPower: 0, xMin: 1, xMax: 0, yMin: 1, yMax: 0)
    @inline(__always) var isVisible: Bool { xMin <= xMax && yMin <= yMax }
}

/// Rotation matrix rows of a normalised quaternion (w, x, y, z).
@inline(__always)
func rotationRows(_ q: SIMD4<Float>) -> (SIMD3<Float>, SIMD3<Float>, SIMD3<Float>) {
    let (w, x, y, z) = (q[0], q[1], q[2], q[3])
    return (
        SIMD3(1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)),
        SIMD3(2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)),
        SIMD3(2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y))
    )
}

/// 3D covariance Σ = M·Mᵀ with M = R·diag(s), as rows (symmetric).
@inline(__always)
func covariance(rows r: (SIMD3<Float>, SIMD3<Float>, SIMD3<Float>), scale s: SIMD3<Float>)
    -> (SIMD3<Float>, SIMD3<Float>, SIMD3<Float>)
{
    let m0 = r.0 * s, m1 = r.1 * s, m2 = r.2 * s
    let s00 = (m0 * m0).sum(), s01 = (m0 * m1).sum(), s02 = (m0 * m2).sum()
    let s11 = (m1 * m1).sum(), s12 = (m1 * m2).sum(), s22 = (m2 * m2).sum()
    return (SIMD3(s00, s01, s02), SIMD3(s01, s11, s12), SIMD3(s02, s12, s22))
}

@inline(__always)
func multiply(_ m: (SIMD3<Float>, SIMD3<Float>, SIMD3<Float>), _ v: SIMD3<Float>) -> SIMD3<Float> {
    SIMD3((m.0 * v).sum(), (m.1 * v).sum(), (m.2 * v).sum())
}

/// Camera-space quantities shared by the forward and backward projection of one Gaussian.
struct ProjectionFrame {
    var quaternionNorm: Float
    var unitQuaternion: SIMD4<Float>
    var rotation: (SIMD3<Float>, SIMD3<Float>, SIMD3<Float>)
    var scale: SIMD3<Float>
    var sigma: (SIMD3<Float>, SIMD3<Float>, SIMD3<Float>)
    var t: SIMD3<Float>
    var ratioX: Float, ratioY: Float
    var clampedX: Bool, clampedY: Bool
    var j00: Float, j02: Float, j11: Float, j12: Float
    var t0: SIMD3<Float>, t1: SIMD3<Float>
    var cov2D: (a: Float, b: Float, c: Float)

    /// Nil when the Gaussian is degenerate (zero quaternion, non-positive 2D determinant) or
    /// in front of the near plane.
    @inline(__always)
    init?(mean: SIMD3<Float>, quaternion q: SIMD4<Float>, logScale: SIMD3<Float>, camera: CameraGeometry, dilation: Float) {
        t = camera.toCamera(mean)
        guard t.z > camera.near else { return nil }
        let norm2 = (q * q).sum()
        guard norm2 > 1e-30, norm2.isFinite else { return nil }
        quaternionNorm = norm2.squareRoot()
        unitQuaternion = q / quaternionNorm
        rotation = rotationRows(unitQuaternion)
        scale = SIMD3(exp(logScale.x), exp(logScale.y), exp(logScale.z))
        sigma = covariance(rows: rotation, scale: scale)
        let rx = t.x / t.z, ry = t.y / t.z
        ratioX = rx
        ratioY = ry
        let rxc = min(max(rx, camera.ratioXLow), camera.ratioXHigh)
        let ryc = min(max(ry, camera.ratioYLow), camera.ratioYHigh)
        clampedX = rxc != rx
        clampedY = ryc != ry
        let invZ = 1 / t.z
        j00 = camera.fx * invZ
        j02 = -camera.fx * rxc * invZ
        j11 = camera.fy * invZ
        j12 = -camera.fy * ryc * invZ
        let v = camera.rotationRows
        t0 = j00 * v.0 + j02 * v.2
        t1 = j11 * v.1 + j12 * v.2
        let st0 = multiply(sigma, t0), st1 = multiply(sigma, t1)
        cov2D = ((t0 * st0).sum() + dilation, (t0 * st1).sum(), (t1 * st1).sum() + dilation)
        let det = cov2D.a * cov2D.c - cov2D.b * cov2D.b
        guard det > 0, det.isFinite else { return nil }
    }
}

/// Projects Gaussian `i` (EWA splatting, Zwicker et al. 2001; 3DGS eq. 5): Σ' = J·W·Σ·Wᵀ·Jᵀ + dilation·I.
@inline(__always)
func projectGaussian(
    mean: SIMD3<Float>, quaternion: SIMD4<Float>, logScale: SIMD3<Float>, opacityLogit: Float,
    camera: CameraGeometry, settings: RasterSettings
) -> ProjectedGaussian {
    guard
        let frame = ProjectionFrame(
            mean: mean, quaternion: quaternion, logScale: logScale,
            camera: camera, dilation: settings.dilation)
    else { return .culled }
    let (a, b, c) = frame.cov2D
    let det = a * c - b * b
    let opacity = 1 / (1 + exp(-opacityLogit))
    let threshold = settings.alphaThreshold
    guard opacity >= threshold, settings.maxAlpha >= threshold else { return .culled }
    // Support where o·exp(−½dᵀΣ'⁻¹d) ≥ threshold: dᵀΣ'⁻¹d ≤ 2·ln(o/threshold); its bounding box has
    // half-extents sqrt(k·Σ'_xx), sqrt(k·Σ'_yy). A small margin keeps boundary pixels in.
    let logRatio = log(opacity / threshold)
    let k = 2 * logRatio * 1.001 + 1e-3
    let extentX = (k * a).squareRoot(), extentY = (k * c).squareRoot()
    let u = camera.fx * frame.ratioX + camera.cx
    let v = camera.fy * frame.ratioY + camera.cy
    let lowX = max(u - extentX, -1), highX = min(u + extentX, Float(camera.width))
    let lowY = max(v - extentY, -1), highY = min(v + extentY, Float(camera.height))
    guard lowX <= highX, lowY <= highY else { return .culled }
    let xMin = max(0, Int32(lowX.rounded(.up))), xMax = min(Int32(camera.width - 1), Int32(highX.rounded(.down)))
    let yMin = max(0, Int32(lowY.rounded(.up))), yMax = min(Int32(camera.height - 1), Int32(highY.rounded(.down)))
    guard xMin <= xMax, yMin <= yMax else { return .culled }
    return ProjectedGaussian(
        u: u, v: v, conicA: c / det, conicB: -b / det, conicC: a / det, opacity: opacity,
        depth: frame.t.z, cutoffPower: logRatio + 1e-3,
        xMin: xMin, xMax: xMax, yMin: yMin, yMax: yMax)
}

/// Gradients of one Gaussian's screen-space quantities (accumulated over pixels).
struct ScreenGradient {
    var u: Float, v: Float, conicA: Float, conicB: Float, conicC: Float, opacity: Float, depth: Float
}

/// Parameter gradients of one Gaussian from its screen-space gradient.
struct ParameterGradient {
    var mean: SIMD3<Float>
    var quaternion: SIMD4<Float>
    var logScale: SIMD3<Float>
    var opacityLogit: Float
    /// dL/dt in camera space (for the pose gradient's translation part and `dV += dt ⊗ μ`).
    var cameraPoint: SIMD3<Float>
    /// dL/dV rows from the Jacobian path (`Jᵀ·dL/dT`).
    var viewRotation: (SIMD3<Float>, SIMD3<Float>, SIMD3<Float>)
}

/// Backward of `projectGaussian` (the chain written out in the reference notes): conic → Σ',
/// Σ' → (T, Σ), T → J → t, Σ → (R, s) → (q, log s), mean path and opacity sigmoid.
@inline(__always)
func projectGaussianBackward(
    mean: SIMD3<Float>, quaternion: SIMD4<Float>, logScale: SIMD3<Float>, opacityLogit: Float,
    camera: CameraGeometry, settings: RasterSettings, screen g: ScreenGradient
) -> ParameterGradient? {
    guard
        let f = ProjectionFrame(
            mean: mean, quaternion: quaternion, logScale: logScale,
            camera: camera, dilation: settings.dilation)
    else { return nil }
    let (a, b, c) = f.cov2D
    let det = a * c - b * b
    let qa = c / det, qb = -b / det, qc = a / det
    // dL/dΣ' = −Q·Gq·Q with Gq = [[dA, dB/2], [dB/2, dC]] (B is one parameter for two entries).
    let ga = g.conicA, gb = 0.5 * g.conicB, gc = g.conicC
    let p00 = ga * qa + gb * qb, p01 = ga * qb + gb * qc
    let p10 = gb * qa + gc * qb, p11 = gb * qb + gc * qc
    let s00 = -(qa * p00 + qb * p10)
    let s01 = -(qa * p01 + qb * p11)
    let s11 = -(qb * p01 + qc * p11)
    // Σ' = T·Σ·Tᵀ: dT = 2·G·T·Σ, dΣ = Tᵀ·G·T.
    let st0 = multiply(f.sigma, f.t0), st1 = multiply(f.sigma, f.t1)
    let dT0 = 2 * (s00 * st0 + s01 * st1)
    let dT1 = 2 * (s01 * st0 + s11 * st1)
    let t0 = f.t0, t1 = f.t1
    @inline(__always) func dSigmaRow(_ j: Int) -> SIMD3<Float> {
        let a: Float = s00 * t0[j], b: Float = s01 * t1[j], c: Float = s01 * t0[j], d: Float = s11 * t1[j]
        let first: SIMD3<Float> = (a + b) * t0
        let second: SIMD3<Float> = (c + d) * t1
        return first + second
    }
    let dSigma = (dSigmaRow(0), dSigmaRow(1), dSigmaRow(2))
    // Σ = M·Mᵀ, M = R·diag(s): dM = 2·dΣ·M.
    let s = f.scale, r = f.rotation
    let m0 = r.0 * s, m1 = r.1 * s, m2 = r.2 * s
    @inline(__always) func dMRow(_ row: SIMD3<Float>) -> SIMD3<Float> { 2 * (row.x * m0 + row.y * m1 + row.z * m2) }
    let dM0 = dMRow(dSigma.0), dM1 = dMRow(dSigma.1), dM2 = dMRow(dSigma.2)
    let dScale = r.0 * dM0 + r.1 * dM1 + r.2 * dM2
    let dR0 = dM0 * s, dR1 = dM1 * s, dR2 = dM2 * s
    let (qw, qx, qy, qz) = (f.unitQuaternion[0], f.unitQuaternion[1], f.unitQuaternion[2], f.unitQuaternion[3])
    let antisymmetric = SIMD3<Float>(dR2.y - dR1.z, dR0.z - dR2.x, dR1.x - dR0.y)
    let symmetric = SIMD3<Float>(dR0.y + dR1.x, dR0.z + dR2.x, dR1.z + dR2.y)
    let diagonal = SIMD3<Float>(dR1.y + dR2.z, dR0.x + dR2.z, dR0.x + dR1.y)
    let dw: Float = qx * antisymmetric.x + qy * antisymmetric.y + qz * antisymmetric.z
    let dx: Float = qy * symmetric.x + qz * symmetric.y + qw * antisymmetric.x - 2 * qx * diagonal.x
    let dy: Float = qx * symmetric.x + qz * symmetric.z + qw * antisymmetric.y - 2 * qy * diagonal.y
    let dz: Float = qx * symmetric.y + qy * symmetric.z + qw * antisymmetric.z - 2 * qz * diagonal.z
    let dUnit = 2 * SIMD4<Float>(dw, dx, dy, dz)
    let dQuaternion = (dUnit - f.unitQuaternion * (f.unitQuaternion * dUnit).sum()) / f.quaternionNorm
    // T = J·V: dJ = dT·Vᵀ, dV = Jᵀ·dT.
    let v = camera.rotationRows
    let dJ00 = (dT0 * v.0).sum(), dJ02 = (dT0 * v.2).sum()
    let dJ11 = (dT1 * v.1).sum(), dJ12 = (dT1 * v.2).sum()
    let viewRotation = (f.j00 * dT0, f.j11 * dT1, f.j02 * dT0 + f.j12 * dT1)
    let tz = f.t.z, invZ = 1 / tz, invZ2 = invZ * invZ
    let fx = camera.fx, fy = camera.fy
    var dt = SIMD3<Float>(0, 0, g.depth)
    dt.z += -fx * invZ2 * dJ00 - fy * invZ2 * dJ11
    if f.clampedX {
        let rxc = -f.j02 / (fx * invZ)
        dt.z += fx * rxc * invZ2 * dJ02
    } else {
        dt.x += -fx * invZ2 * dJ02
        dt.z += 2 * fx * f.t.x * invZ2 * invZ * dJ02
    }
    if f.clampedY {
        let ryc = -f.j12 / (fy * invZ)
        dt.z += fy * ryc * invZ2 * dJ12
    } else {
        dt.y += -fy * invZ2 * dJ12
        dt.z += 2 * fy * f.t.y * invZ2 * invZ * dJ12
    }
    // Mean path: u = fx·tx/tz + cx, v = fy·ty/tz + cy.
    dt.x += fx * invZ * g.u
    dt.y += fy * invZ * g.v
    dt.z += -fx * f.t.x * invZ2 * g.u - fy * f.t.y * invZ2 * g.v
    let dMean = dt.x * v.0 + dt.y * v.1 + dt.z * v.2
    let opacity = 1 / (1 + exp(-opacityLogit))
    return ParameterGradient(
        mean: dMean, quaternion: dQuaternion, logScale: dScale * s,
        opacityLogit: g.opacity * opacity * (1 - opacity), cameraPoint: dt,
        viewRotation: viewRotation)
}
