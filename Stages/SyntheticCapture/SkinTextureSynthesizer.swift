import Foundation
import Geometry
import HeadModel

/// Paints the head model's UV atlas procedurally: skin with blotches, pores and flushed cheeks,
/// lips inside the outer-lip landmark polygon, brows along the brow landmarks, lash lines along
/// the eye contours, nostrils, hair on the scalp with strands, eyeballs (sclera, iris, pupil) and
/// the mouth cavity (teeth, tongue). Channel 3 holds hair coverage, used for the hair mask.
///
/// Every texel is located on the template by rasterising the mesh in UV space, so the painting
/// works for any model in the head-model format that has UVs and iBUG landmarks.
enum SkinTextureSynthesizer {
    static func paint(model: HeadModel, subject: SyntheticSubject, size: Int) -> Texture {
        let template = model.templatePositions
        let landmarks = model.landmarkPositions(vertices: template)
        let uvPositions = (0..<model.vertexCount).map {
            SIMD3(model.uv[2 * $0] * Float(size) - 0.5, model.uv[2 * $0 + 1] * Float(size) - 0.5, 1)
        }
        let uvCamera = PinholeCamera(id: "uv", width: size, height: size, fx: 1, fy: 1, cx: 0, cy: 0, worldToCamera: .identity)
        let fragments = MeshRasterizer().rasterize(positions: uvPositions, triangles: model.triangles, camera: uvCamera)
        let noise = ValueNoise(seed: subject.noiseSeed)
        let lipPolygon = (48...59).map { SIMD2(landmarks[$0].x, landmarks[$0].y) }
        let brows = [Array(17...21), Array(22...26)].map { $0.map { SIMD2(landmarks[$0].x, landmarks[$0].y + 0.002) } }
        let eyes = [Array(36...41) + [36], Array(42...47) + [42]].map { $0.map { SIMD2(landmarks[$0].x, landmarks[$0].y) } }
        let nostrils = [SIMD2(landmarks[32].x - 0.001, landmarks[32].y + 0.0025), SIMD2(landmarks[34].x + 0.001, landmarks[34].y + 0.0025)]
        var image = FloatImage(width: size, height: size, channels: 4)
        image.samples.withUnsafeMutableBufferPointer { out in
            let texels = UncheckedPointer(out.baseAddress!)
            DispatchQueue.concurrentPerform(iterations: size) { y in
                for x in 0..<size {
                    let p = y * size + x
                    let t = Int(fragments.triangleIndex[p])
                    let u = (Float(x) + 0.5) / Float(size), v = (Float(y) + 0.5) / Float(size)
                    var colour: SIMD3<Float>
                    var hair: Float = 0
                    if v >= 0.88 {
                        colour = mouthCavity(polar: (v - 0.88) / 0.12, u: u, noise: noise)
                    } else if v >= 0.76 {
                        colour = eyeball(polar: (v - 0.76) / 0.11, u: u, iris: subject.irisColor, noise: noise)
                    } else if t < 0 {
                        colour = subject.hairColor
                        hair = 1
                    } else {
                        let tri = model.triangles[t]
                        let b = SIMD3(fragments.barycentrics[3 * p], fragments.barycentrics[3 * p + 1], fragments.barycentrics[3 * p + 2])
                        let position = b.x * template[Int(tri.x)] + b.y * template[Int(tri.y)] + b.z * template[Int(tri.z)]
                        let corner = b.x >= b.y && b.x >= b.z ? tri.x : (b.y >= b.z ? tri.y : tri.z)
                        (colour, hair) = skin(
                            position: position, region: model.vertexRegions[Int(corner)], subject: subject, noise: noise,
                            lips: lipPolygon, brows: brows, eyes: eyes, nostrils: nostrils)
                    }
                    texels.pointer[4 * p] = colour.x
                    texels.pointer[4 * p + 1] = colour.y
                    texels.pointer[4 * p + 2] = colour.z
                    texels.pointer[4 * p + 3] = hair
                }
            }
        }
        return Texture(image: image)
    }

    static func skin(
        position p: SIMD3<Float>, region: HeadRegion, subject: SyntheticSubject, noise: ValueNoise,
        lips: [SIMD2<Float>], brows: [[SIMD2<Float>]], eyes: [[SIMD2<Float>]], nostrils: [SIMD2<Float>]
    ) -> (SIMD3<Float>, Float) {
        let q = SIMD2(p.x, p.y)
        var colour = subject.skinColor * (1 + 0.06 * subject.skinTexture * noise.fractal(p * 60) + 0.025 * noise.value(p * 900))
        if subject.skinTexture > 1.5 && p.z > 0 {
            let freckle = max(0, noise.value(p * 1400 + SIMD3(repeating: 17)) - 0.72) * (subject.skinTexture - 1.5) * 2.5
            colour *= 1 - min(0.35, freckle)
        }
        if region == .ears { colour *= SIMD3(1.02, 0.94, 0.92) }
        if region == .neck { colour *= 0.93 }
        let front = p.z > 0.02
        if front {
            for side: Float in [-1, 1] {
                let d = length(SIMD2(p.x - side * 0.042, p.y + 0.02)) / 0.025
                if d < 1 {
                    let flush: Float = 0.12 * (1 - d * d)
                    colour = colour * (1 - flush) + SIMD3<Float>(0.8, 0.25, 0.25) * flush
                }
            }
            let lipDistance = signedDistanceToPolygon(q, lips)
            if lipDistance < 0.0008 {
                let w = min(1, (0.0008 - lipDistance) / 0.0016)
                colour = colour * (1 - w) + subject.lipColor * (1 + 0.05 * noise.value(p * 700)) * w
            }
            for brow in brows {
                let d = distanceToPolyline(q, brow)
                let thickness: Float = 0.0028 + 0.0015 * max(0, 1 - abs(q.x - brow[brow.count - 1].x) / 0.02)
                if d < thickness {
                    let strands = 0.75 + 0.25 * noise.value(SIMD3(p.x * 3000, p.y * 500, 0))
                    colour = colour * 0.35 + subject.hairColor * strands * 0.65
                }
            }
            for eye in eyes {
                let d = distanceToPolyline(q, eye)
                if d < 0.0011 { colour *= 0.25 + 0.75 * d / 0.0011 }
                if p.y > eye[1].y && d < 0.004 && d > 0.0025 { colour *= 0.9 }
            }
            for nostril in nostrils where length((q - nostril) / SIMD2(0.0032, 0.0018)) < 1 {
                colour *= 0.35
            }
        }
        let theta = atan2(p.x, p.z + 0.01)
        let c = cos(theta)
        let hairline = c >= 0 ? 0.035 + (0.082 - 0.035) * smooth(0.1, 0.75, c) : 0.035 + (-0.085 - 0.035) * smooth(-0.05, -0.55, c)
        var hair = region == .ears || region == .neck ? 0 : smooth(hairline - 0.003, hairline + 0.004, p.y + 0.002 * noise.value(p * 300))
        if region == .scalp && hair < 1 && p.y > hairline + 0.004 { hair = 1 }
        if let parting = subject.hairParting, region == .scalp, abs(p.x - parting) < 0.002, p.y > 0.04, p.z > -0.05 { hair = 0 }
        if hair > 0 {
            let strands = 0.7 + 0.3 * noise.value(SIMD3(theta * 400, p.y * 40, 0))
            colour = colour * (1 - hair) + subject.hairColor * strands * hair
        }
        return (pointwiseMin(pointwiseMax(colour, .zero), SIMD3(repeating: 1)), hair)
    }

    static func eyeball(polar t: Float, u: Float, iris: SIMD3<Float>, noise: ValueNoise) -> SIMD3<Float> {
        let angle = t * .pi
        if angle < 0.17 { return SIMD3(0.02, 0.02, 0.02) }
        if angle < 0.47 {
            let streaks = 0.75 + 0.25 * noise.value(SIMD3(u * 120, angle * 8, 3))
            let limbus = angle > 0.42 ? Float(0.55) : 1
            return iris * streaks * limbus
        }
        let vessels = max(0, noise.value(SIMD3(u * 60, angle * 30, 7)) - 0.6) * 0.5
        return SIMD3(0.88, 0.85, 0.82) - SIMD3(0, vessels, vessels) - SIMD3(repeating: 0.15 * max(0, angle - 1.2))
    }

    static func mouthCavity(polar t: Float, u: Float, noise: ValueNoise) -> SIMD3<Float> {
        if t > 0.33 && t < 0.45 { return SIMD3(0.85, 0.83, 0.76) * (0.9 + 0.1 * noise.value(SIMD3(u * 200, 0, 11))) }
        if t > 0.55 && t < 0.62 { return SIMD3(0.75, 0.72, 0.66) }
        if t > 0.62 && t < 0.85 { return SIMD3(0.62, 0.26, 0.28) }
        return SIMD3(0.18, 0.05, 0.06)
    }

    static func length(_ v: SIMD2<Float>) -> Float {
        (v * v).sum().squareRoot()
    }

    static func smooth(_ a: Float, _ b: Float, _ x: Float) -> Float {
        let t = min(max((x - a) / (b - a), 0), 1)
        return t * t * (3 - 2 * t)
    }

    static func distanceToPolyline(_ p: SIMD2<Float>, _ line: [SIMD2<Float>]) -> Float {
        var best = Float.infinity
        for k in 0..<(line.count - 1) {
            let a = line[k], b = line[k + 1], ab = b - a
            let t = max(0, min(1, ((p - a) * ab).sum() / max((ab * ab).sum(), 1e-12)))
            let d = p - (a + t * ab)
            best = min(best, (d * d).sum().squareRoot())
        }
        return best
    }

    /// Distance to a closed polygon's boundary, negative inside (even–odd rule).
    static func signedDistanceToPolygon(_ p: SIMD2<Float>, _ polygon: [SIMD2<Float>]) -> Float {
        var inside = false
        var j = polygon.count - 1
        for i in 0..<polygon.count {
            let a = polygon[i], b = polygon[j]
            if (a.y > p.y) != (b.y > p.y) && p.x < (b.x - a.x) * (p.y - a.y) / (b.y - a.y) + a.x { inside.toggle() }
            j = i
        }
        let d = distanceToPolyline(p, polygon + [polygon[0]])
        return inside ? -d : d
    }
}

/// A raw pointer shared by concurrent loop bodies that write disjoint elements; unchecked
/// Sendable because each iteration owns its own rows.
struct UncheckedPointer<Element>: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Element>
    init(_ pointer: UnsafeMutablePointer<Element>) { self.pointer = pointer }
}
