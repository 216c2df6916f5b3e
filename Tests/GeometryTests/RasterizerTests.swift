import Testing

@testable import Geometry

@Suite struct RasterizerTests {
    /// A camera at the origin looking down +z (identity extrinsics).
    static func axisCamera(width: Int = 64, height: Int = 64, focal: Float = 64) -> PinholeCamera {
        PinholeCamera(
            id: "a", width: width, height: height, fx: focal, fy: focal,
            cx: Float(width - 1) / 2, cy: Float(height - 1) / 2, worldToCamera: .identity)
    }

    @Test func coveredPixelCountMatchesProjectedArea() {
        let camera = Self.axisCamera(width: 200, height: 200, focal: 100)
        let positions: [SIMD3<Float>] = [SIMD3(-0.5, -0.5, 1), SIMD3(0.6, -0.4, 1), SIMD3(0.0, 0.7, 1)]
        let fragments = MeshRasterizer().rasterize(positions: positions, triangles: [SIMD3(0, 1, 2)], camera: camera)
        let covered = fragments.triangleIndex.filter { $0 == 0 }.count
        let area = abs(simdCross(positions[1] - positions[0], positions[2] - positions[0]).z) / 2 * 100 * 100
        #expect(abs(Float(covered) - area) < 0.02 * area)
    }

    @Test func depthOfATiltedPlaneIsExact() {
        let camera = Self.axisCamera()
        let plane = TriangleMesh.grid(width: 8, height: 8, columns: 1, rows: 1)
            .transformed(by: RigidTransform(rotation: Matrix3x3(rotationVector: SIMD3(0.5, 0, 0)), translation: SIMD3(0, 0, 3)))
        let fragments = MeshRasterizer().rasterize(positions: plane.positions, triangles: plane.triangles, camera: camera)
        let n = plane.faceNormals()[0], p0 = plane.positions[0]
        var checked = 0
        for y in 0..<64 {
            for x in 0..<64 where fragments.triangleIndex[y * 64 + x] >= 0 {
                let ray = camera.unproject(u: Float(x), v: Float(y), depth: 1)
                let expected = simdDot(n, p0) / simdDot(n, ray)
                #expect(abs(fragments.depth[y * 64 + x] - expected) < 1e-4 * expected)
                checked += 1
            }
        }
        #expect(checked == 64 * 64)
    }

    @Test func perspectiveCorrectInterpolationReproducesWorldCoordinates() {
        let camera = Self.axisCamera()
        let positions: [SIMD3<Float>] = [SIMD3(-1, -1, 2), SIMD3(1.5, -1, 4), SIMD3(0, 1.2, 3)]
        let triangles: [SIMD3<Int32>] = [SIMD3(0, 1, 2)]
        let fragments = MeshRasterizer().rasterize(positions: positions, triangles: triangles, camera: camera)
        let world = fragments.interpolate(VertexAttribute(vectors: positions), triangles: triangles)
        var checked = 0
        for y in 0..<64 {
            for x in 0..<64 where fragments.triangleIndex[y * 64 + x] == 0 {
                let p = SIMD3(world[x, y, 0], world[x, y, 1], world[x, y, 2])
                let projected = camera.project(p)
                #expect(abs(projected.x - Float(x)) < 1e-3 && abs(projected.y - Float(y)) < 1e-3)
                #expect(abs(projected.z - fragments.depth[y * 64 + x]) < 1e-4)
                checked += 1
            }
        }
        #expect(checked > 100)
    }

    @Test func zBufferKeepsTheNearerTriangle() {
        let camera = Self.axisCamera()
        let far: [SIMD3<Float>] = [SIMD3(-2, -2, 3), SIMD3(2, -2, 3), SIMD3(0, 2, 3)]
        let near: [SIMD3<Float>] = [SIMD3(-2, -2, 2), SIMD3(2, -2, 2), SIMD3(0, 2, 2)]
        for order in [[0, 1], [1, 0]] {
            let positions = order[0] == 0 ? far + near : near + far
            let fragments = MeshRasterizer().rasterize(positions: positions, triangles: [SIMD3(0, 1, 2), SIMD3(3, 4, 5)], camera: camera)
            let nearID: Int32 = order[0] == 0 ? 1 : 0
            #expect(fragments.triangleIndex[32 * 64 + 32] == nearID)
            #expect(abs(fragments.depth[32 * 64 + 32] - 2) < 1e-5)
        }
    }

    @Test func backFaceCullingDropsTrianglesFacingAway() {
        let camera = Self.axisCamera()
        let facingCamera = TriangleMesh.grid(width: 4, height: 4, columns: 1, rows: 1)
            .transformed(by: RigidTransform(rotation: Matrix3x3(rotationVector: SIMD3(0, .pi, 0)), translation: SIMD3(0, 0, 3)))
        let facingAway = TriangleMesh.grid(width: 4, height: 4, columns: 1, rows: 1)
            .transformed(by: RigidTransform(translation: SIMD3(0, 0, 3)))
        let culling = MeshRasterizer(cullBackFaces: true)
        #expect(culling.rasterize(positions: facingCamera.positions, triangles: facingCamera.triangles, camera: camera).alpha().samples.allSatisfy { $0 == 1 })
        #expect(culling.rasterize(positions: facingAway.positions, triangles: facingAway.triangles, camera: camera).alpha().samples.allSatisfy { $0 == 0 })
    }

    @Test func texturedQuadShowsTheTexture() throws {
        let camera = Self.axisCamera(width: 32, height: 32, focal: 32)
        let quad = TriangleMesh.grid(width: 1, height: 1, columns: 1, rows: 1)
            .transformed(by: RigidTransform(rotation: Matrix3x3(rotationVector: SIMD3(0, .pi, 0)), translation: SIMD3(0, 0, 1)))
        var texels = FloatImage(width: 2, height: 2, channels: 3)
        for (i, value) in [Float(1), 0, 0, 1].enumerated() { for c in 0..<3 { texels.samples[i * 3 + c] = value } }
        let (rgba, _) = try MeshRasterizer().renderColor(quad, camera: camera, texture: Texture(image: texels))
        // Identity extrinsics: image x = world x, image y (down) = world y. The quad was turned by π
        // about y, so u grows towards the image left and v (down the texture) towards the image top.
        // Texels (0,0) and (1,1) are white.
        #expect(rgba[8, 8, 0] > 0.9 && rgba[24, 8, 0] < 0.1)
        #expect(rgba[24, 24, 0] > 0.9 && rgba[8, 24, 0] < 0.1)
        #expect(rgba[0, 0, 3] == 1)
    }

    @Test func textureSamplingIsBilinearAndWrapsU() {
        let texture = Texture(image: FloatImage(width: 2, height: 1, channels: 1, samples: [0, 1]))
        #expect(abs(texture.sample(u: 0.5, v: 0.5)[0] - 0.5) < 1e-6)
        #expect(abs(texture.sample(u: 0.25, v: 0.5)[0] - 0) < 1e-6)
        #expect(abs(texture.sample(u: 0.0, v: 0.5)[0] - 0.5) < 1e-6, "u = 0 blends the last and first columns")
    }

    @Test func trianglesBehindTheCameraAreDropped() {
        let camera = Self.axisCamera()
        let positions: [SIMD3<Float>] = [SIMD3(-1, -1, -1), SIMD3(1, -1, 2), SIMD3(0, 1, 2)]
        let fragments = MeshRasterizer().rasterize(positions: positions, triangles: [SIMD3(0, 1, 2)], camera: camera)
        #expect(fragments.triangleIndex.allSatisfy { $0 == -1 })
    }
}

@Suite struct RasterOutputTests {
    @Test func outputImagesAgreeWithTheFragmentBuffers() {
        let camera = RasterizerTests.axisCamera(width: 16, height: 16, focal: 16)
        let positions: [SIMD3<Float>] = [SIMD3(-1, -1, 2), SIMD3(1, -1, 2), SIMD3(0, 1, 2)]
        let fragments = MeshRasterizer().rasterize(positions: positions, triangles: [SIMD3(0, 1, 2)], camera: camera)
        let alpha = fragments.alpha(), depth = fragments.depthImage(background: -1), bary = fragments.barycentricImage()
        for p in 0..<(16 * 16) {
            let covered = fragments.triangleIndex[p] == 0
            #expect(alpha.samples[p] == (covered ? 1 : 0))
            #expect(depth.samples[p] == (covered ? fragments.depth[p] : -1))
            let sum = bary.samples[3 * p] + bary.samples[3 * p + 1] + bary.samples[3 * p + 2]
            #expect(abs(sum - (covered ? 1 : 0)) < 1e-5)
        }
        #expect(alpha.samples.contains(1) && alpha.samples.contains(0))
    }
}
