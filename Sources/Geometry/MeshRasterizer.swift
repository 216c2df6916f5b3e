/// A forward z-buffer triangle rasteriser for pinhole cameras (OpenCV axes, pixel centres at
/// integer coordinates).
///
/// Every pixel centre inside a projected triangle (edge functions ≥ 0) is a candidate; the
/// nearest by perspective-correct depth wins, earlier triangles winning exact ties. Depth and
/// barycentrics are perspective-correct: with screen-space barycentrics `b_i` and vertex depths
/// `z_i`, `1/z = Σ b_i / z_i` and `λ_i = (b_i / z_i) · z`. The image is split into row bands
/// rasterised in parallel, so results do not depend on the thread count.
public struct MeshRasterizer: Sendable {
    /// Triangles with any vertex closer than this camera depth (metres) are dropped (no clipping).
    public var nearPlane: Float
    /// Skip triangles whose front side (counter-clockwise from outside) faces away from the camera.
    public var cullBackFaces: Bool

    /// Creates a rasteriser.
    public init(nearPlane: Float = 1e-3, cullBackFaces: Bool = false) {
        self.nearPlane = nearPlane
        self.cullBackFaces = cullBackFaces
    }

    /// Screen-space set-up of one triangle.
    struct ScreenTriangle {
        var p0: SIMD2<Float>, p1: SIMD2<Float>, p2: SIMD2<Float>
        var inverseDepth: SIMD3<Float>
        var inverseArea: Float
        var minX: Int32, maxX: Int32, minY: Int32, maxY: Int32
    }

    /// Rasterises `triangles` over world-space `positions` seen by `camera`.
    public func rasterize(positions: [SIMD3<Float>], triangles: [SIMD3<Int32>], camera: PinholeCamera) -> RasterFragments {
        let width = camera.width, height = camera.height
        var fragments = RasterFragments(width: width, height: height)
        let cameraPoints = positions.map(camera.worldToCamera.apply)
        var screen: [ScreenTriangle] = []
        var screenIDs: [Int32] = []
        screen.reserveCapacity(triangles.count)
        screenIDs.reserveCapacity(triangles.count)
        for (t, tri) in triangles.enumerated() {
            let a = cameraPoints[Int(tri.x)], b = cameraPoints[Int(tri.y)], c = cameraPoints[Int(tri.z)]
            if a.z < nearPlane || b.z < nearPlane || c.z < nearPlane { continue }
            if cullBackFaces && simdDot(simdCross(b - a, c - a), a) >= 0 { continue }
            let pa = camera.projectCameraPoint(a), pb = camera.projectCameraPoint(b), pc = camera.projectCameraPoint(c)
            let p0 = SIMD2(pa.x, pa.y), p1 = SIMD2(pb.x, pb.y), p2 = SIMD2(pc.x, pc.y)
            let area = cross2(p1 - p0, p2 - p0)
            if abs(area) < 1e-12 { continue }
            let lo = pointwiseMin(p0, pointwiseMin(p1, p2)), hi = pointwiseMax(p0, pointwiseMax(p1, p2))
            let minX = max(0, Int32(clamping: Int(lo.x.rounded(.up)))), maxX = min(Int32(width - 1), Int32(clamping: Int(hi.x.rounded(.down))))
            let minY = max(0, Int32(clamping: Int(lo.y.rounded(.up)))), maxY = min(Int32(height - 1), Int32(clamping: Int(hi.y.rounded(.down))))
            if minX > maxX || minY > maxY { continue }
            screen.append(
                ScreenTriangle(
                    p0: p0, p1: p1, p2: p2, inverseDepth: SIMD3(1 / a.z, 1 / b.z, 1 / c.z),
                    inverseArea: 1 / area, minX: minX, maxX: maxX, minY: minY, maxY: maxY))
            screenIDs.append(Int32(t))
        }
        let bandHeight = 8
        let bands = (height + bandHeight - 1) / bandHeight
        // Bin triangles by row band, keeping triangle order within each band (ties stay deterministic).
        var binned = [[Int32]](repeating: [], count: bands)
        for (index, tri) in screen.enumerated() {
            for band in (Int(tri.minY) / bandHeight)...(Int(tri.maxY) / bandHeight) { binned[band].append(Int32(index)) }
        }
        fragments.depth.withUnsafeMutableBufferPointer { depthBuffer in
            fragments.triangleIndex.withUnsafeMutableBufferPointer { idBuffer in
                fragments.barycentrics.withUnsafeMutableBufferPointer { baryBuffer in
                    let depth = depthBuffer.baseAddress!, ids = idBuffer.baseAddress!, bary = baryBuffer.baseAddress!
                    screen.withUnsafeBufferPointer { triangleSetups in
                        screenIDs.withUnsafeBufferPointer { originalIDs in
                            parallelFor(bands) { band in
                                let bandMin = Int32(band * bandHeight), bandMax = Int32(min(height, (band + 1) * bandHeight) - 1)
                                for index in binned[band] {
                                    let s = Int(index)
                                    let tri = triangleSetups[s]
                                    let y0 = max(tri.minY, bandMin), y1 = min(tri.maxY, bandMax)
                                    for y in y0...y1 {
                                        let py = Float(y)
                                        for x in tri.minX...tri.maxX {
                                            let p = SIMD2(Float(x), py)
                                            let b0 = cross2(tri.p2 - tri.p1, p - tri.p1) * tri.inverseArea
                                            let b1 = cross2(tri.p0 - tri.p2, p - tri.p2) * tri.inverseArea
                                            let b2 = 1 - b0 - b1
                                            if b0 < 0 || b1 < 0 || b2 < 0 { continue }
                                            let weighted = SIMD3(b0, b1, b2) * tri.inverseDepth
                                            let z = 1 / weighted.sum()
                                            let pixel = Int(y) * width + Int(x)
                                            if z < depth[pixel] {
                                                depth[pixel] = z
                                                ids[pixel] = originalIDs[s]
                                                bary[3 * pixel] = weighted.x * z
                                                bary[3 * pixel + 1] = weighted.y * z
                                                bary[3 * pixel + 2] = weighted.z * z
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
        return fragments
    }

    /// Rasterises a mesh and shades it: RGBA with colour from `texture` sampled at the "uv"
    /// attribute when a texture is given, else from the "color" attribute, else white; alpha is
    /// coverage and colour is 0 on the background (i.e. premultiplied).
    public func renderColor(_ mesh: TriangleMesh, camera: PinholeCamera, texture: Texture? = nil) throws -> (rgba: FloatImage, fragments: RasterFragments) {
        try mesh.validate()
        let fragments = rasterize(positions: mesh.positions, triangles: mesh.triangles, camera: camera)
        let colour: FloatImage
        if let texture {
            guard let uv = mesh.attributes["uv"], uv.channels == 2 else {
                throw GeometryError("rendering with a texture needs a 2-channel 'uv' vertex attribute")
            }
            colour = fragments.sampleTexture(texture, uv: uv, triangles: mesh.triangles)
        } else if let colours = mesh.attributes["color"] {
            colour = fragments.interpolate(colours, triangles: mesh.triangles)
        } else {
            colour = fragments.interpolate(
                VertexAttribute(channels: 1, values: [Float](repeating: 1, count: mesh.vertexCount)),
                triangles: mesh.triangles)
        }
        var rgba = FloatImage(width: camera.width, height: camera.height, channels: 4)
        for p in 0..<(camera.width * camera.height) where fragments.triangleIndex[p] >= 0 {
            for k in 0..<3 { rgba.samples[4 * p + k] = colour.samples[p * colour.channels + min(k, colour.channels - 1)] }
            rgba.samples[4 * p + 3] = 1
        }
        return (rgba, fragments)
    }
}

/// The z component of the 2D cross product `a × b`.
@inlinable func cross2(_ a: SIMD2<Float>, _ b: SIMD2<Float>) -> Float {
    a.x * b.y - a.y * b.x
}
