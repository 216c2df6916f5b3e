import Geometry
import Tensors
import Testing

@testable import DifferentiableMesh

struct DifferentiableMeshRendererTests {
    static let camera = PinholeCamera(
        id: "test", width: 24, height: 20, horizontalFieldOfView: 0.9,
        eye: SIMD3(0.4, 0.3, 2.5), target: SIMD3(0, 0, 0))

    /// A coarse closed sphere (triangles a few pixels wide) with random per-vertex features.
    static func scene(channels: Int, seed: UInt64) throws -> (positions: [Float], features: [Float], triangles: [SIMD3<Int32>]) {
        let mesh = try sphereMesh(resolution: 5, radius: 0.55)
        var random = TestRandom(seed: seed)
        let features = (0..<(mesh.positions.count * channels)).map { _ in random.uniform(0...1) }
        return (mesh.positions.flatMap { [$0.x, $0.y, $0.z] }, features, mesh.triangles)
    }

    static func render(
        _ positions: [Float], _ features: [Float], _ triangles: [SIMD3<Int32>], channels: Int,
        on tape: Tape? = nil
    ) throws -> (image: Variable, alpha: Variable, inputs: (Variable, Variable)) {
        let v = Tensor(shape: [positions.count / 3, 3], scalars: positions)
        let f = Tensor(shape: [positions.count / 3, channels], scalars: features)
        let vertices = tape.map { $0.variable(v) } ?? Variable(v)
        let colours = tape.map { $0.variable(f) } ?? Variable(f)
        let out = try DifferentiableMeshRenderer().render(
            vertices: vertices, features: colours, triangles: triangles,
            adjacency: TriangleAdjacency(triangles: triangles), camera: camera)
        return (out.image, out.alpha, (vertices, colours))
    }

    @Test func interiorPixelsShowInterpolatedFeaturesAndFullCoverage() throws {
        let (positions, features, triangles) = try Self.scene(channels: 1, seed: 1)
        let constant = [Float](repeating: 0.25, count: features.count)
        let out = try Self.render(positions, constant, triangles, channels: 1)
        let alpha = out.alpha.value.scalars, image = out.image.value.scalars
        let centre = 10 * 24 + 12
        #expect(alpha[centre] == 1)
        #expect(abs(image[centre] - 0.25) < 1e-5)
        #expect(alpha[0] == 0 && image[0] == 0)
        // Premultiplied: every pixel's feature equals 0.25 · alpha, anti-aliased edges included.
        for (a, c) in zip(alpha, image) { #expect(abs(c - 0.25 * a) < 1e-5) }
        #expect(alpha.contains { $0 > 0 && $0 < 1 })
    }

    @Test func gradientsMatchFiniteDifferences() throws {
        let channels = 3
        var (positions, features, triangles) = try Self.scene(channels: channels, seed: 3)
        var random = TestRandom(seed: 11)
        let pixels = Self.camera.width * Self.camera.height
        let imageWeights = (0..<(pixels * channels)).map { _ in random.uniform(-1...1) }
        let alphaWeights = (0..<pixels).map { _ in random.uniform(-1...1) }
        func loss() throws -> Double {
            let out = try Self.render(positions, features, triangles, channels: channels)
            return weightedSum(out.image.value.scalars, imageWeights) + weightedSum(out.alpha.value.scalars, alphaWeights)
        }
        let tape = Tape()
        let out = try Self.render(positions, features, triangles, channels: channels, on: tape)
        let objective =
            (out.image * Variable(Tensor(shape: out.image.shape, scalars: imageWeights))).sum()
            + (out.alpha * Variable(Tensor(shape: out.alpha.shape, scalars: alphaWeights))).sum()
        let gradients = tape.backward(from: objective)
        let positionGradient = try #require(gradients[out.inputs.0]).scalars.map(Double.init)
        let featureGradient = try #require(gradients[out.inputs.1]).scalars.map(Double.init)

        let h: Float = 2e-4
        var positionNumeric: [Double] = []
        for i in 0..<positions.count {
            let original = positions[i]
            positions[i] = original + h
            let plus = try loss()
            positions[i] = original - h
            let minus = try loss()
            positions[i] = original
            positionNumeric.append((plus - minus) / Double(2 * h))
        }
        var featureNumeric: [Double] = []
        for i in stride(from: 0, to: features.count, by: 5) {
            let original = features[i]
            features[i] = original + 1e-2
            let plus = try loss()
            features[i] = original - 1e-2
            let minus = try loss()
            features[i] = original
            featureNumeric.append((plus - minus) / 2e-2)
        }
        #expect(positionGradient.contains { abs($0) > 1 })
        #expect(gradientsAgree(positionGradient, positionNumeric, relativeTolerance: 0.005, absoluteTolerance: 0.01))
        #expect(
            gradientsAgree(
                stride(from: 0, to: features.count, by: 5).map { featureGradient[$0] }, featureNumeric,
                relativeTolerance: 1e-3, absoluteTolerance: 1e-3))
    }

    @Test func silhouetteGradientAloneMovesVerticesOutwardToGrowCoverage() throws {
        let (positions, features, triangles) = try Self.scene(channels: 1, seed: 5)
        let tape = Tape()
        let out = try Self.render(positions, features, triangles, channels: 1, on: tape)
        let gradients = tape.backward(from: out.alpha.sum())
        let g = try #require(gradients[out.inputs.0]).scalars
        // Growing the sphere (moving every vertex along its position) increases coverage.
        var directional = 0.0
        for i in 0..<g.count { directional += Double(g[i]) * Double(positions[i]) }
        #expect(directional > 1)
    }
}
