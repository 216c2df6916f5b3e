/// The per-pixel result of rasterising a triangle list: for each pixel the nearest visible
/// triangle, its perspective-correct barycentric coordinates and the camera depth.
///
/// Everything else (colour, alpha, normals, any attribute) is derived from these buffers by
/// deferred interpolation, which is also what a differentiable renderer builds on: given
/// `triangleIndex` and `barycentrics`, a pixel's value is a known linear function of the
/// three vertex values.
public struct RasterFragments: Sendable {
    /// Image width in pixels.
    public let width: Int
    /// Image height in pixels.
    public let height: Int
    /// Camera-space depth z (metres) per pixel; `+infinity` where nothing is visible.
    public var depth: [Float]
    /// Index of the visible triangle (into the rasterised triangle list) per pixel; −1 for background.
    public var triangleIndex: [Int32]
    /// Perspective-correct barycentric coordinates of the visible point, 3 per pixel (weights of
    /// the triangle's first, second and third vertex, summing to 1); zeros for background.
    public var barycentrics: [Float]

    /// Creates empty (all background) fragments.
    public init(width: Int, height: Int) {
        self.width = width
        self.height = height
        depth = [Float](repeating: .infinity, count: width * height)
        triangleIndex = [Int32](repeating: -1, count: width * height)
        barycentrics = [Float](repeating: 0, count: width * height * 3)
    }

    /// Coverage: 1 where a triangle is visible, 0 elsewhere (one channel).
    public func alpha() -> FloatImage {
        FloatImage(width: width, height: height, channels: 1, samples: triangleIndex.map { $0 >= 0 ? 1 : 0 })
    }

    /// Depth as a one-channel image, `background` where nothing is visible.
    public func depthImage(background: Float = 0) -> FloatImage {
        FloatImage(width: width, height: height, channels: 1, samples: depth.map { $0.isFinite ? $0 : background })
    }

    /// Barycentric coordinates as a three-channel image.
    public func barycentricImage() -> FloatImage {
        FloatImage(width: width, height: height, channels: 3, samples: barycentrics)
    }

    /// Interpolates a per-vertex attribute at every covered pixel with the perspective-correct
    /// barycentrics; background pixels get `background`. `triangles` must be the list that was
    /// rasterised.
    public func interpolate(_ attribute: VertexAttribute, triangles: [SIMD3<Int32>], background: Float = 0) -> FloatImage {
        let c = attribute.channels
        var image = FloatImage(width: width, height: height, channels: c, filledWith: background)
        let rows = height, w = width
        image.samples.withUnsafeMutableBufferPointer { out in
            let outBase = out.baseAddress!
            attribute.values.withUnsafeBufferPointer { values in
                triangleIndex.withUnsafeBufferPointer { ids in
                    barycentrics.withUnsafeBufferPointer { bary in
                        triangles.withUnsafeBufferPointer { tris in
                            parallelFor(rows) { y in
                                for x in 0..<w {
                                    let p = y * w + x
                                    let t = Int(ids[p])
                                    if t < 0 { continue }
                                    let tri = tris[t]
                                    let b0 = bary[3 * p], b1 = bary[3 * p + 1], b2 = bary[3 * p + 2]
                                    let i0 = Int(tri.x) * c, i1 = Int(tri.y) * c, i2 = Int(tri.z) * c
                                    for k in 0..<c {
                                        outBase[p * c + k] = b0 * values[i0 + k] + b1 * values[i1 + k] + b2 * values[i2 + k]
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return image
    }

    /// Samples `texture` bilinearly at the interpolated "uv" attribute of every covered pixel;
    /// background pixels are 0.
    public func sampleTexture(_ texture: Texture, uv: VertexAttribute, triangles: [SIMD3<Int32>]) -> FloatImage {
        precondition(uv.channels == 2, "texture coordinates have 2 channels")
        let coordinates = interpolate(uv, triangles: triangles)
        let c = texture.image.channels
        var image = FloatImage(width: width, height: height, channels: c)
        let w = width
        image.samples.withUnsafeMutableBufferPointer { out in
            let outBase = out.baseAddress!
            coordinates.samples.withUnsafeBufferPointer { uvs in
                triangleIndex.withUnsafeBufferPointer { ids in
                    parallelFor(height) { y in
                        for x in 0..<w where ids[y * w + x] >= 0 {
                            let p = y * w + x
                            texture.sample(u: uvs[2 * p], v: uvs[2 * p + 1], into: outBase + p * c)
                        }
                    }
                }
            }
        }
        return image
    }
}
