import Foundation
import Geometry

/// The procedural head's surface: a latitude–longitude grid of rays cast from a vertical axis
/// (polar rays over the cranium, horizontal rays below eye level), each hitting a soft union of
/// a cranium ellipsoid, a jaw ellipsoid and a neck cylinder, then displaced by compact facial
/// features. Identity and expression act as smooth, localised deformations of this surface;
/// the linear bases of the model are their unit-coefficient differences.
///
/// Coordinates: metres, x to the subject's left, y up, z out of the face; the origin lies
/// roughly between the ears.
struct ProceduralHeadSurface: Sendable {
    static let columnCount = 96
    static let baseRowCount = 82
    static let eyeLineY: Float = 0.015
    static let mouthLineY: Float = -0.048
    static let noseTipY: Float = -0.021
    static let eyeballRadius: Float = 0.012
    static let rayOriginY: Float = 0.02
    static let axisZ: Float = -0.01
    static let horizontalRadius: Float = 0.09
    static let bottomY: Float = -0.215
    static let eyeHalfWidth: Float = 0.0135
    static let eyeCenterX: Float = 0.031
    static let mouthHalfWidth: Float = 0.025

    /// Ray azimuth per grid column (−π … π, column `columnCount` duplicates column 0 at the back seam).
    let columnAngles: [Float]
    /// Ray parameter per grid row, top to bottom (see `ray`).
    let rowParameters: [Float]
    /// Row above the eye opening (the row below it is the lower-lid row).
    let eyeUpperRow: Int
    /// Row above the mouth opening (the row below it is the lower-lip row).
    let mouthUpperRow: Int
    /// Corner columns of the subject's right eye opening (outer, inner).
    let rightEyeColumns: ClosedRange<Int>
    /// Corner columns of the subject's left eye opening (inner, outer).
    let leftEyeColumns: ClosedRange<Int>
    /// Corner columns of the mouth opening.
    let mouthColumns: ClosedRange<Int>
    /// Eyeball centres before identity deformation: [right, left].
    let eyeballCenters: [SIMD3<Float>]
    /// Seeded asymmetry amplitudes (metres).
    let asymmetry: SIMD3<Float>

    var rowCount: Int { rowParameters.count }

    init(seed: UInt64) {
        let c = Self.columnCount
        columnAngles = (0...c).map { j in
            let s = -1 + 2 * Float(j) / Float(c)
            return Float.pi * (0.6 * s + 0.4 * s * s * s)
        }
        var rows = Self.placeRows()
        let eyeQ = Float.pi / 2 + (Self.rayOriginY - Self.eyeLineY) / Self.horizontalRadius
        let mouthQ = Float.pi / 2 + (Self.rayOriginY - Self.mouthLineY) / Self.horizontalRadius
        let gap: Float = 0.0003 / Self.horizontalRadius
        for q in [eyeQ, mouthQ] {
            let nearest = rows.indices.min { abs(rows[$0] - q) < abs(rows[$1] - q) }!
            rows.replaceSubrange(nearest...nearest, with: [q - gap, q + gap])
        }
        rowParameters = rows
        eyeUpperRow = rows.firstIndex { abs($0 - (eyeQ - gap)) < 1e-7 }!
        mouthUpperRow = rows.firstIndex { abs($0 - (mouthQ - gap)) < 1e-7 }!
        var generator = SplitMix64(seed: seed)
        asymmetry = SIMD3(generator.nextFloat(in: -1, 1), generator.nextFloat(in: -1, 1), generator.nextFloat(in: -1, 1)) * 0.0007
        let angles = columnAngles, eyeRow = eyeUpperRow, mouthRow = mouthUpperRow, rowQ = rows
        func baseX(_ row: Int, _ column: Int) -> Float {
            let (o, d) = Self.ray(q: rowQ[row], theta: angles[column])
            return (o + Self.baseRadius(origin: o, direction: d) * d).x
        }
        func nearestColumn(row: Int, x: Float) -> Int {
            (c / 4...(3 * c / 4)).min { abs(baseX(row, $0) - x) < abs(baseX(row, $1) - x) }!
        }
        rightEyeColumns =
            nearestColumn(row: eyeRow, x: -Self.eyeCenterX - Self.eyeHalfWidth)...nearestColumn(row: eyeRow, x: -Self.eyeCenterX + Self.eyeHalfWidth)
        leftEyeColumns = nearestColumn(row: eyeRow, x: Self.eyeCenterX - Self.eyeHalfWidth)...nearestColumn(row: eyeRow, x: Self.eyeCenterX + Self.eyeHalfWidth)
        mouthColumns = nearestColumn(row: mouthRow, x: -Self.mouthHalfWidth)...nearestColumn(row: mouthRow, x: Self.mouthHalfWidth)
        eyeballCenters = [rightEyeColumns, leftEyeColumns].map { columns in
            let x = (baseX(eyeRow, columns.lowerBound) + baseX(eyeRow, columns.upperBound)) / 2
            let theta = asin(min(1, max(-1, x / 0.08)))
            var lo = theta - 0.3, hi = theta + 0.3
            for _ in 0..<40 {
                let mid = (lo + hi) / 2
                let (o, d) = Self.ray(q: rowQ[eyeRow], theta: mid)
                if (o + Self.baseRadius(origin: o, direction: d) * d).x < x { lo = mid } else { hi = mid }
            }
            let (o, d) = Self.ray(q: rowQ[eyeRow], theta: (lo + hi) / 2)
            let surface = o + Self.baseRadius(origin: o, direction: d) * d
            return SIMD3(x, Self.eyeLineY, surface.z - Self.eyeballRadius - 0.0025)
        }
    }

    /// Ray origin and unit direction for row parameter q and azimuth θ: polar rays from the
    /// origin point for q ≤ π/2 (q is the polar angle from +y), horizontal rays from a point
    /// descending the axis for q > π/2.
    static func ray(q: Float, theta: Float) -> (SIMD3<Float>, SIMD3<Float>) {
        if q <= .pi / 2 {
            return (SIMD3(0, rayOriginY, axisZ), SIMD3(sin(q) * sin(theta), cos(q), sin(q) * cos(theta)))
        }
        return (SIMD3(0, rayOriginY - (q - .pi / 2) * horizontalRadius, axisZ), SIMD3(sin(theta), 0, cos(theta)))
    }

    /// Distance along a ray to the soft union of cranium, jaw and neck.
    static func baseRadius(origin o: SIMD3<Float>, direction d: SIMD3<Float>) -> Float {
        let cranium = Shape.ellipsoidExit(origin: o, direction: d, center: SIMD3(0, 0.012, -0.008), radii: SIMD3(0.078, 0.114, 0.100))
        let jaw = Shape.ellipsoidExit(origin: o, direction: d, center: SIMD3(0, -0.062, 0.006), radii: SIMD3(0.060, 0.068, 0.080))
        var neck = Shape.cylinderExit(origin: o, direction: d, centerZ: -0.025, radiusX: 0.053, radiusZ: 0.052)
        neck *= Shape.smoothstep(-0.005, -0.04, o.y + neck * d.y)
        return Shape.smoothMax([cranium, jaw, neck], sharpness: 200)
    }

    /// Rows at equal arc length along the front and back meridians, four times denser over the face.
    static func placeRows() -> [Float] {
        let qEnd = Float.pi / 2 + (rayOriginY - bottomY) / horizontalRadius
        let samples = 4000
        var arc: [Float] = [0]
        var qs: [Float] = [0.02]
        var previous: [SIMD3<Float>] = []
        for k in 0...samples {
            let q = 0.02 + (qEnd - 0.02) * Float(k) / Float(samples)
            let points = [Float(0), .pi / 2, .pi].map { theta -> SIMD3<Float> in
                let (o, d) = ray(q: q, theta: theta)
                return o + baseRadius(origin: o, direction: d) * d
            }
            if !previous.isEmpty {
                let front = points[0]
                let faceWeight = Shape.smoothstep(0.1, 0.085, front.y) * Shape.smoothstep(-0.15, -0.135, front.y)
                let length = zip(points, previous).reduce(Float(0)) { $0 + simdLength($1.0 - $1.1) } / 3
                arc.append(arc.last! + length * (1 + 3 * faceWeight))
                qs.append(q)
            }
            previous = points
        }
        let total = arc.last!
        var rows: [Float] = []
        var cursor = 0
        for i in 0..<baseRowCount {
            let target = total * Float(i + 1) / Float(baseRowCount)
            while cursor < arc.count - 2 && arc[cursor + 1] < target { cursor += 1 }
            let t = (target - arc[cursor]) / max(arc[cursor + 1] - arc[cursor], 1e-9)
            rows.append(qs[cursor] + t * (qs[cursor + 1] - qs[cursor]))
        }
        return rows
    }

    /// Height of the boundary between head and neck at azimuth θ: under the chin at the front,
    /// at the nape behind.
    static func neckLine(theta: Float) -> Float {
        Shape.mix(-0.085, -0.128, Shape.smoothstep(-0.3, 0.5, cos(theta)))
    }

    /// The undeformed surface point of grid vertex (row, column).
    func basePoint(row: Int, column: Int) -> SIMD3<Float> {
        let (o, d) = Self.ray(q: rowParameters[row], theta: columnAngles[column])
        return o + Self.baseRadius(origin: o, direction: d) * d
    }

    /// The opening profile (0 at the corners, 1 in the middle) of an opening spanning `columns`.
    func openingProfile(column: Int, columns: ClosedRange<Int>) -> Float {
        let theta = columnAngles[column], a = columnAngles[columns.lowerBound], b = columnAngles[columns.upperBound]
        let t = (theta - a) / (b - a)
        return t > 0 && t < 1 ? powf(sin(.pi * t), 0.7) : 0
    }

    /// Radial relief of the face (nose, brows, sockets, cheeks, lips, chin), metres.
    func faceRelief(x: Float, y: Float, identity id: [Float]) -> Float {
        let ye = Self.eyeLineY, ym = Self.mouthLineY, tip = Self.noseTipY
        var relief: Float = 0
        // Nose: bridge to tip, then the columella back to the subnasale; alae on the sides.
        let bridgeTop = ye + 0.006
        var protrusion: Float = 0, halfWidth: Float = 0.01
        if y <= bridgeTop + 0.012 && y > tip - 0.013 {
            if y > bridgeTop {
                protrusion = 0.003 * (1 - (y - bridgeTop) / 0.012)
                halfWidth = 0.0065
            } else if y >= tip {
                let t = (bridgeTop - y) / (bridgeTop - tip)
                protrusion = 0.003 + 0.017 * powf(t, 1.6)
                halfWidth = 0.0065 + 0.0085 * t * t
            } else {
                let s = (tip - y) / 0.013
                protrusion = 0.020 * (1 - s * s)
                halfWidth = 0.015 * (1 - 0.3 * s)
            }
            let across = max(0, 1 - (x / halfWidth) * (x / halfWidth))
            relief += protrusion * powf(across, 1.5) * (1 + 0.25 * id[IdentityCoefficient.noseLength.rawValue])
        }
        for side: Float in [-1, 1] {
            relief += 0.0045 * Shape.bump(x - side * 0.0125, y - (tip - 0.004), 0.0075, 0.0065)
            // Eye socket and brow ridge.
            relief -= 0.002 * Shape.bump(x - side * Self.eyeCenterX, y - ye - 0.002, 0.022, 0.014)
            // Cheekbones and cheek fullness.
            relief += 0.004 * Shape.bump(x - side * 0.045, y - 0.0, 0.022, 0.018)
            relief += (0.002 + 0.003 * id[IdentityCoefficient.cheekFullness.rawValue]) * Shape.bump(x - side * 0.042, y + 0.03, 0.025, 0.025)
        }
        let arch = 0.003 * (1 - (abs(x) - 0.03) * (abs(x) - 0.03) / 0.0009)
        let browAmplitude = 0.003 + 0.002 * id[IdentityCoefficient.browRidge.rawValue]
        relief += browAmplitude * Shape.bump(x, y - (ye + 0.021 + max(0, arch)), 0.058, 0.010)
        // Lips, the muzzle around the mouth, the mentolabial groove and the chin.
        let lips = 1 + 0.35 * id[IdentityCoefficient.lipFullness.rawValue]
        relief += 0.0045 * lips * Shape.bump(x, y - (ym + 0.0045), 0.027, 0.0065)
        relief += 0.005 * lips * Shape.bump(x, y - (ym - 0.006), 0.025, 0.0075)
        relief += 0.006 * Shape.bump(x, y - ym, 0.04, 0.03)
        relief -= 0.0015 * Shape.bump(x, y - (ym - 0.017), 0.02, 0.006)
        relief += 0.006 * Shape.bump(x, y + 0.097, 0.024, 0.016)
        return relief
    }

    /// Radial relief of the outer ears at the sides of the head.
    func earRelief(base p: SIMD3<Float>, identity id: [Float]) -> Float {
        let side = Shape.smoothstep(0.045, 0.065, abs(p.x))
        if side == 0 { return 0 }
        let rho2 = ((p.z + 0.012) / 0.017) * ((p.z + 0.012) / 0.017) + ((p.y + 0.004) / 0.031) * ((p.y + 0.004) / 0.031)
        if rho2 >= 1 { return 0 }
        let scale = 1 + 0.2 * id[IdentityCoefficient.earSize.rawValue]
        let flap = 0.016 * (1 - rho2).squareRoot() * (0.55 + 0.45 * Shape.smoothstep(0, -0.028, p.z))
        let concha = 0.005 * Shape.bump(rho2.squareRoot(), 0, 0.55, 1)
        return side * scale * (flap - concha)
    }

    /// Whether the base point lies on an outer ear.
    func isEar(base p: SIMD3<Float>) -> Bool {
        let rho2 = ((p.z + 0.012) / 0.017) * ((p.z + 0.012) / 0.017) + ((p.y + 0.004) / 0.031) * ((p.y + 0.004) / 0.031)
        return abs(p.x) > 0.05 && rho2 < 0.95
    }

    /// Smooth identity deformations (head width, depth, … eye spacing); weights use `base`.
    func identityOffset(point p: SIMD3<Float>, base b: SIMD3<Float>, identity id: [Float]) -> SIMD3<Float> {
        let neckFade = Shape.smoothstep(-0.2, -0.1, b.y)
        let front = Shape.smoothstep(-0.02, 0.04, b.z)
        var offset = SIMD3<Float>.zero
        offset.x += 0.045 * p.x * neckFade * id[IdentityCoefficient.headWidth.rawValue]
        offset.z += 0.08 * min(0, p.z + 0.02) * neckFade * id[IdentityCoefficient.headDepth.rawValue]
        offset.y += 0.07 * max(0, p.y - 0.03) * id[IdentityCoefficient.headHeight.rawValue]
        offset.x += 0.07 * p.x * Shape.smoothstep(0.0, -0.06, b.y) * neckFade * id[IdentityCoefficient.jawWidth.rawValue]
        offset.y -=
            0.006 * Shape.smoothstep(Self.mouthLineY - 0.005, Self.mouthLineY - 0.045, b.y) * neckFade * front
            * id[IdentityCoefficient.chinLength.rawValue]
        offset.x += 0.3 * b.x * Shape.bump(b.x, b.y - (Self.noseTipY + 0.008), 0.025, 0.03) * front * id[IdentityCoefficient.noseWidth.rawValue]
        offset.x +=
            (b.x < 0 ? -1 : 1) * 0.0025 * Shape.bump(abs(b.x) - Self.eyeCenterX, b.y - Self.eyeLineY, 0.03, 0.03) * front
            * id[IdentityCoefficient.eyeSpacing.rawValue]
        offset.z -= 0.008 * Shape.smoothstep(Self.eyeLineY + 0.03, 0.11, b.y) * front * id[IdentityCoefficient.foreheadSlope.rawValue]
        return offset
    }

    /// The seeded, subtle asymmetry (a small linear shear), applied to every vertex.
    func asymmetryOffset(_ p: SIMD3<Float>) -> SIMD3<Float> {
        SIMD3(asymmetry.x * p.y / 0.1, asymmetry.y * p.x / 0.07, asymmetry.z * p.x / 0.07)
    }

    /// The deformed position of grid vertex (row, column) for identity `id` and expression `ex`.
    func gridVertex(row: Int, column: Int, identity id: [Float], expression ex: [Float]) -> SIMD3<Float> {
        let theta = columnAngles[column]
        let (o, d) = Self.ray(q: rowParameters[row], theta: theta)
        let base = o + Self.baseRadius(origin: o, direction: d) * d
        let x = base.x, y = base.y
        let front = Shape.smoothstep(0.15, 0.55, cos(theta))
        let ye = Self.eyeLineY, ym = Self.mouthLineY
        func e(_ coefficient: ExpressionCoefficient) -> Float { ex[coefficient.rawValue] }
        var radial: Float = 0
        var offset = SIMD3<Float>.zero
        let aboveEyes = row <= eyeUpperRow, aboveMouth = row <= mouthUpperRow

        // Brows: raise per side, frown pulls the inner brows down and together.
        let browBand = Shape.smoothstep(ye + 0.003, ye + 0.012, y) * (aboveEyes ? 1 : 0)
        for (side, raise) in [(Float(-1), e(.browRaiseRight)), (Float(1), e(.browRaiseLeft))] {
            offset.y += raise * 0.0055 * Shape.bump(x - side * 0.032, y - (ye + 0.024), 0.042, 0.042) * browBand
        }
        let frownWeight = Shape.bump(x, y - (ye + 0.02), 0.03, 0.02) * browBand
        offset.x -= x * 0.15 * frownWeight * e(.browFrown)
        offset.y -= 0.004 * frownWeight * e(.browFrown)
        radial += 0.002 * e(.browFrown) * Shape.bump(x, y - (ye + 0.012), 0.012, 0.012)

        // Mouth corners: smile, frown; lips: pucker, stretch, press, shift; cheeks: puff, raise.
        let lipWindow = Shape.bump(x, y - ym, 0.034, 0.024)
        var smileSquint: [Float] = [0, 0]
        for (index, side) in [Float(-1), 1].enumerated() {
            let smile = side < 0 ? e(.smileRight) : e(.smileLeft)
            let frown = side < 0 ? e(.mouthFrownRight) : e(.mouthFrownLeft)
            let puff = side < 0 ? e(.cheekPuffRight) : e(.cheekPuffLeft)
            let corner = Shape.bump(x - side * 0.026, y - ym, 0.032, 0.03)
            offset += smile * corner * SIMD3(side * 0.004, 0.0055, -0.004)
            offset += frown * corner * SIMD3(side * 0.001, -0.005, 0)
            radial += smile * 0.003 * Shape.bump(x - side * 0.036, y + 0.016, 0.02, 0.016)
            radial += puff * 0.011 * Shape.bump(x - side * 0.043, y + 0.035, 0.03, 0.03)
            smileSquint[index] = 0.25 * smile
        }
        radial += 0.008 * lipWindow * e(.pucker)
        offset.x -= x * 0.3 * lipWindow * e(.pucker)
        offset += e(.mouthStretch) * lipWindow * SIMD3(x * 0.25, -0.0015, -0.002)
        radial -= 0.0025 * e(.lipPress) * Shape.bump(x, y - ym, 0.03, 0.012)
        offset.x += (e(.mouthLeft) - e(.mouthRight)) * 0.008 * Shape.bump(x, y - ym, 0.045, 0.035)
        offset.y += 0.003 * e(.noseWrinkle) * Shape.bump(x, y - (Self.noseTipY + 0.012), 0.022, 0.022)
        radial += 0.0015 * e(.noseWrinkle) * Shape.bump(abs(x) - 0.011, y - (ye - 0.012), 0.006, 0.01)

        // Mouth opening (lips part, upper lip raise, lower lip depress) and jaw thrust.
        let mouthProfile = openingProfile(column: column, columns: mouthColumns)
        if aboveMouth {
            let fall = powf(max(0, 1 - (y - ym) / 0.014), 2)
            offset.y += mouthProfile * fall * 0.0025 * e(.lipsPart)
            offset.y += 0.004 * e(.upperLipRaise) * Shape.bump(x, y - (ym + 0.006), 0.03, 0.014)
        } else {
            let fall = powf(max(0, 1 + (y - ym) / 0.016), 2)
            offset.y -= mouthProfile * fall * 0.0035 * e(.lipsPart)
            offset.y -= 0.004 * e(.lowerLipDepress) * Shape.bump(x, y - (ym - 0.007), 0.028, 0.014)
            let lowerFace = mouthProfile + (1 - mouthProfile) * Shape.smoothstep(ym, ym - 0.012, y)
            offset.z += 0.006 * e(.jawForward) * lowerFace * Shape.smoothstep(-0.16, -0.125, y)
        }

        let relief = faceRelief(x: x, y: y, identity: id) + radial
        var point = base + (front * relief + earRelief(base: base, identity: id)) * d + front * offset

        // Eyelids: open the slit, close it on blink, and wrap the lids over the eyeball.
        for (index, columns) in [rightEyeColumns, leftEyeColumns].enumerated() {
            let center = eyeballCenters[index]
            let blink = index == 0 ? e(.blinkRight) : e(.blinkLeft)
            let squint = (index == 0 ? e(.squintRight) : e(.squintLeft)) + smileSquint[index]
            let wide = e(.eyesWide)
            let opening: Float = 0.0095
            let profile = openingProfile(column: column, columns: columns)
            let dy = y - ye
            if aboveEyes {
                let amount = opening * (0.62 - 0.87 * blink - 0.12 * squint + 0.22 * wide)
                point.y += amount * profile * powf(max(0, 1 - max(dy, 0) / 0.02), 2)
            } else {
                let amount = opening * (-0.38 + 0.13 * blink + 0.22 * squint - 0.05 * wide)
                point.y += amount * profile * powf(max(0, 1 - max(-dy, 0) / 0.02), 2)
            }
            let rho = ((x - center.x) / 0.016 * ((x - center.x) / 0.016) + (dy / 0.012) * (dy / 0.012)).squareRoot()
            let wrap = (1 - Shape.smoothstep(0.8, 1.6, rho)) * front
            if wrap > 0 {
                let lx = (point.x - center.x) / 0.022, ly = (point.y - center.y) / 0.016
                let lidZ = center.z + (Self.eyeballRadius + 0.003) * max(0, 1 - lx * lx - ly * ly).squareRoot()
                point.z = Shape.mix(point.z, lidZ, wrap)
            }
        }
        point += identityOffset(point: point, base: base, identity: id)
        return point + asymmetryOffset(point)
    }

    /// An eyeball centre after identity deformation (index 0 right, 1 left).
    func eyeballCenter(_ index: Int, identity id: [Float]) -> SIMD3<Float> {
        let c = eyeballCenters[index]
        let moved = c + identityOffset(point: c, base: c, identity: id)
        return moved + asymmetryOffset(moved)
    }

    /// A vertex of the mouth cavity (an ellipsoid behind the lips), given its unit-sphere direction.
    func mouthInteriorVertex(direction u: SIMD3<Float>, identity id: [Float]) -> SIMD3<Float> {
        let center = SIMD3<Float>(0, Self.mouthLineY - 0.008, 0.048)
        let p = center + u * SIMD3(0.024, 0.02, 0.028)
        let moved = p + identityOffset(point: p, base: p, identity: id)
        return moved + asymmetryOffset(moved)
    }
}
