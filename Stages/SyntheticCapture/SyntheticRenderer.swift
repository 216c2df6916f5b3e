import Foundation
import Geometry
import HeadModel

/// Rendering of scene frames: z-buffer rasterisation of head, hair cards and shoulders, deferred
/// shading (texture or hair/shirt albedo, Lambert key/fill/rim lights with a hemispherical
/// ambient term, Blinn–Phong highlights on eyes, skin and hair), optional supersampling and
/// compositing over the camera's background plate in linear light.
extension SyntheticScene {
    static let lights: [(direction: SIMD3<Float>, intensity: Float)] = [
        (simdNormalize(SIMD3(-0.45, 0.55, 0.7)), 0.75), (simdNormalize(SIMD3(0.7, 0.1, 0.5)), 0.3), (simdNormalize(SIMD3(0, 0.4, -1)), 0.25),
    ]

    /// Renders frame `frame` of sequence `kind` seen by `camera`, composited over `plate`
    /// (the camera's `backgroundPlate`), with the landmark ground truth for that view.
    public func render(_ kind: PerformanceKind, frame: Int, camera: PinholeCamera, plate: FloatImage) -> SyntheticView {
        let geometry = self.geometry[kind]![frame]
        let s = configuration.supersampling
        let fine = s == 1 ? camera : camera.scaled(by: Float(s))
        let fragments = MeshRasterizer().rasterize(positions: geometry.positions, triangles: triangles, camera: fine)
        let fw = fine.width, fh = fine.height
        var foreground = [Float](repeating: 0, count: fw * fh * 3)
        var labels = [UInt8](repeating: 0, count: fw * fh)
        var fineRegions = [UInt8](repeating: 0, count: fw * fh)
        let view = -simdNormalize(SIMD3(fine.worldToCamera.rotation.row2.x, fine.worldToCamera.rotation.row2.y, fine.worldToCamera.rotation.row2.z))
        let headVertices = model.vertexCount
        let headTriangles = headTriangleCount, hairTriangles = hairTriangleCount
        let hairColour = subject.hairColor, shirtColour = subject.shirtColor
        let texture = self.texture
        foreground.withUnsafeMutableBufferPointer { colourBuffer in
            labels.withUnsafeMutableBufferPointer { labelBuffer in
                fineRegions.withUnsafeMutableBufferPointer { regionOutBuffer in
                    fragments.triangleIndex.withUnsafeBufferPointer { idBuffer in
                        fragments.barycentrics.withUnsafeBufferPointer { baryBuffer in
                            triangles.withUnsafeBufferPointer { triangleBuffer in
                                triangleRegions.withUnsafeBufferPointer { regionBuffer in
                                    geometry.normals.withUnsafeBufferPointer { normalBuffer in
                                        geometry.hairAttributes.withUnsafeBufferPointer { hairBuffer in
                                            model.uv.withUnsafeBufferPointer { uvBuffer in
                                                let colours = UncheckedPointer(colourBuffer.baseAddress!), labelOut = UncheckedPointer(labelBuffer.baseAddress!)
                                                let regionOut = UncheckedPointer(regionOutBuffer.baseAddress!)
                                                let ids = ReadOnlyPointer(idBuffer.baseAddress!), bary = ReadOnlyPointer(baryBuffer.baseAddress!)
                                                let tris = ReadOnlyPointer(triangleBuffer.baseAddress!), regions = ReadOnlyPointer(regionBuffer.baseAddress!)
                                                let normals = ReadOnlyPointer(normalBuffer.baseAddress!), uvs = ReadOnlyPointer(uvBuffer.baseAddress!)
                                                let hair = ReadOnlyPointer(hairBuffer.baseAddress ?? UnsafePointer(bitPattern: 16)!)
                                                DispatchQueue.concurrentPerform(iterations: fh) { y in
                                                    let texel = UnsafeMutablePointer<Float>.allocate(capacity: 4)
                                                    defer { texel.deallocate() }
                                                    for x in 0..<fw {
                                                        let p = y * fw + x
                                                        let t = Int(ids.pointer[p])
                                                        if t < 0 { continue }
                                                        let tri = tris.pointer[t]
                                                        let b = SIMD3(bary.pointer[3 * p], bary.pointer[3 * p + 1], bary.pointer[3 * p + 2])
                                                        let i0 = Int(tri.x), i1 = Int(tri.y), i2 = Int(tri.z)
                                                        var normal = simdNormalize(
                                                            b.x * normals.pointer[i0] + b.y * normals.pointer[i1] + b.z * normals.pointer[i2])
                                                        var albedo: SIMD3<Float>
                                                        var specular: Float, shininess: Float
                                                        var label: SyntheticLabel
                                                        var regionLabel: SyntheticRegion
                                                        if t < headTriangles {
                                                            let u = b.x * uvs.pointer[2 * i0] + b.y * uvs.pointer[2 * i1] + b.z * uvs.pointer[2 * i2]
                                                            let v =
                                                                b.x * uvs.pointer[2 * i0 + 1] + b.y * uvs.pointer[2 * i1 + 1] + b.z * uvs.pointer[2 * i2 + 1]
                                                            texture.sample(u: u, v: v, into: texel)
                                                            albedo = SIMD3(texel[0], texel[1], texel[2])
                                                            let region = regions.pointer[t]
                                                            let hairy = texel[3] > 0.5
                                                            label = region == .neck ? .body : (hairy ? .hair : .head)
                                                            regionLabel = SyntheticScene.fineRegion(label: label, part: region)
                                                            (specular, shininess) = region == .eyes ? (0.5, 90) : (hairy ? (0.06, 10) : (0.05, 16))
                                                        } else if t < headTriangles + hairTriangles {
                                                            let a =
                                                                b.x * hair.pointer[i0 - headVertices] + b.y * hair.pointer[i1 - headVertices] + b.z
                                                                * hair.pointer[i2 - headVertices]
                                                            let stripes = 0.8 + 0.2 * sin(a.x * .pi * 7 + a.z * 13)
                                                            albedo = pointwiseMin(hairColour * a.z * stripes * (1 - 0.15 * a.y), SIMD3(repeating: 1))
                                                            if simdDot(normal, view) < 0 { normal = -normal }
                                                            (specular, shininess, label, regionLabel) = (0.1, 12, .hair, .hair)
                                                        } else {
                                                            albedo = shirtColour
                                                            (specular, shininess, label, regionLabel) = (0.02, 8, .body, .body)
                                                        }
                                                        var light = 0.22 * (0.8 + 0.2 * normal.y)
                                                        var highlight: Float = 0
                                                        for (direction, intensity) in SyntheticScene.lights {
                                                            let lambert = simdDot(normal, direction)
                                                            if lambert > 0 {
                                                                light += intensity * lambert
                                                                let half = simdNormalize(direction + view)
                                                                let cosine = simdDot(normal, half)
                                                                if cosine > 0.7 { highlight += intensity * specular * powf(cosine, shininess) }
                                                            }
                                                        }
                                                        let colour = albedo * light + SIMD3(repeating: highlight)
                                                        colours.pointer[3 * p] = colour.x
                                                        colours.pointer[3 * p + 1] = colour.y
                                                        colours.pointer[3 * p + 2] = colour.z
                                                        labelOut.pointer[p] = label.rawValue
                                                        regionOut.pointer[p] = regionLabel.rawValue
                                                    }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return finish(
            fragments: fragments, foreground: foreground, labels: labels, regions: fineRegions, camera: camera, fine: fine, plate: plate,
            landmarks: geometry.landmarks)
    }

    /// Box-filters the supersampled buffers, composites over the plate and projects the landmarks.
    func finish(
        fragments: RasterFragments, foreground: [Float], labels fineLabels: [UInt8], regions fineRegions: [UInt8], camera: PinholeCamera,
        fine: PinholeCamera,
        plate: FloatImage, landmarks: [SIMD3<Float>]
    ) -> SyntheticView {
        let s = configuration.supersampling, w = camera.width, h = camera.height, fw = fine.width
        var image = FloatImage(width: w, height: h, channels: 3)
        var alpha = FloatImage(width: w, height: h, channels: 1)
        var labels = [SyntheticLabel](repeating: .background, count: w * h)
        var regions = [SyntheticRegion](repeating: .background, count: w * h)
        let weight = 1 / Float(s * s)
        for y in 0..<h {
            for x in 0..<w {
                var colour = SIMD3<Float>.zero
                var covered = 0
                var votes = SIMD4<Int32>.zero
                var regionVotes = SIMD8<Int32>.zero
                for dy in 0..<s {
                    for dx in 0..<s {
                        let q = (y * s + dy) * fw + (x * s + dx)
                        let label = fineLabels[q]
                        if label != 0 {
                            covered += 1
                            votes[Int(label)] += 1
                            regionVotes[Int(fineRegions[q])] += 1
                            colour += SIMD3(foreground[3 * q], foreground[3 * q + 1], foreground[3 * q + 2])
                        }
                    }
                }
                let p = y * w + x
                let a = Float(covered) * weight
                alpha.samples[p] = a
                if covered == 0 {
                    for c in 0..<3 { image.samples[3 * p + c] = plate.samples[3 * p + c] }
                    continue
                }
                if 2 * covered >= s * s {
                    var best = 1
                    for candidate in 2...3 where votes[candidate] > votes[best] { best = candidate }
                    labels[p] = SyntheticLabel(rawValue: UInt8(best))!
                    var bestRegion = 1
                    for candidate in 2...5 where regionVotes[candidate] > regionVotes[bestRegion] { bestRegion = candidate }
                    regions[p] = SyntheticRegion(rawValue: UInt8(bestRegion))!
                }
                for c in 0..<3 {
                    let background = covered == s * s ? 0 : SyntheticScene.decodeSRGB(plate.samples[3 * p + c])
                    image.samples[3 * p + c] = SRGBTable.shared.encode(colour[c] * weight + (1 - a) * background)
                }
            }
        }
        var points: [SIMD2<Float>] = [], visible: [Bool] = [], depths: [Float] = [], hits: [Int32] = []
        for landmark in landmarks {
            let projected = camera.project(landmark)
            points.append(SIMD2(projected.x, projected.y))
            depths.append(projected.z)
            let fx = Int(((projected.x + 0.5) * Float(s) - 0.5).rounded()), fy = Int(((projected.y + 0.5) * Float(s) - 0.5).rounded())
            guard projected.z > 0, camera.contains(u: projected.x, v: projected.y), fx >= 0, fy >= 0, fx < fine.width, fy < fine.height else {
                visible.append(false)
                hits.append(-1)
                continue
            }
            let q = fy * fine.width + fx
            let t = fragments.triangleIndex[q]
            let onHead = t >= 0 && Int(t) < headTriangleCount
            visible.append(onHead && projected.z <= fragments.depth[q] + 0.006)
            hits.append(onHead ? t : -1)
        }
        return SyntheticView(
            image: image, alpha: alpha, labels: labels, regions: regions, landmarks: points, landmarkVisible: visible,
            landmarkDepths: depths, landmarkTriangles: hits)
    }

    /// The fine region of a head-mesh sample from its coarse label and the mesh part it lies on:
    /// hair and body stay, eyes and mouth interior get their own regions, the rest is face skin.
    @inline(__always) static func fineRegion(label: SyntheticLabel, part: HeadRegion) -> SyntheticRegion {
        switch (label, part) {
        case (.hair, _): .hair
        case (.body, _): .body
        case (_, .eyes): .eyes
        case (_, .mouthInterior): .mouth
        default: .face
        }
    }

    /// sRGB to linear transfer (IEC 61966-2-1).
    @inline(__always) static func decodeSRGB(_ encoded: Float) -> Float {
        encoded <= 0.04045 ? encoded / 12.92 : powf((encoded + 0.055) / 1.055, 2.4)
    }
}

/// A read-only pointer shared by concurrent loop bodies. Unchecked Sendable: the buffer outlives
/// the loop and nobody writes it meanwhile.
struct ReadOnlyPointer<Element>: @unchecked Sendable {
    let pointer: UnsafePointer<Element>
    init(_ pointer: UnsafePointer<Element>) { self.pointer = pointer }
}

/// Linear → sRGB encoding through a 4096-entry table with linear interpolation (deterministic,
/// within 2e-4 of the exact transfer function, far below 8-bit quantisation).
struct SRGBTable: Sendable {
    static let shared = SRGBTable()
    let values: [Float]

    init() {
        values = (0...4096).map { SyntheticScene.encodeSRGB(Float($0) / 4096) }
    }

    @inline(__always) func encode(_ linear: Float) -> Float {
        let x = min(max(linear, 0), 1) * 4096
        let index = min(Int(x), 4095)
        let t = x - Float(index)
        return values[index] + (values[index + 1] - values[index]) * t
    }
}
