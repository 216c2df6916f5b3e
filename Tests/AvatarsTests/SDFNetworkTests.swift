import Tensors
import TestSupport
import Testing

@testable import Avatars

struct SDFNetworkTests {
    static func network() -> SDFNetwork {
        var generator = SplitMix64(seed: 5)
        return SDFNetwork(hidden: [16, 16, 16, 16], featureWidth: 6, frequencies: 2, generator: &generator)
    }

    static let points: [SIMD3<Float>] = [SIMD3(0.1, -0.2, 0.3), SIMD3(-0.4, 0.05, 0.2), SIMD3(0.25, 0.3, -0.1), SIMD3(0, 0, 0), SIMD3(0.45, -0.35, 0.4)]

    @Test func outputsSDFOffsetsAndFeaturesPerPoint() {
        let network = Self.network()
        let input = Variable(Tensor(shape: [Self.points.count, 3], scalars: Self.points.flatMap { [$0.x, $0.y, $0.z] }))
        let out = network(input, on: nil)
        #expect(out.sdf.shape == [5, 1] && out.offsets.shape == [5, 3] && out.features.shape == [5, 6])
        #expect(network.mlp.layers.count == 5, "four hidden layers and the output layer")
        #expect(network.namedParameters.count == 10, "a weight and a bias per layer")
    }

    @Test func evaluationWithoutATapeMatchesTheLayerInChunks() {
        let network = Self.network()
        let input = Variable(Tensor(shape: [Self.points.count, 3], scalars: Self.points.flatMap { [$0.x, $0.y, $0.z] }))
        let out = network(input, on: nil)
        let fast = network.evaluateWithoutTape(Self.points, chunk: 2)
        // Equal up to rounding: OpenBLAS may pick another kernel for a 1- or 2-row product than for
        // 5 rows (its Haswell kernels do), which sums in another order.
        for i in Self.points.indices {
            #expect(Swift.abs(fast.sdf[i] - out.sdf.value[flat: i]) <= 1e-6)
            for a in 0..<3 { #expect(Swift.abs(fast.offsets[i][a] - out.offsets.value[flat: 3 * i + a]) <= 1e-6) }
        }
    }

    @Test func pointGradientsMatchFiniteDifferences() throws {
        let network = Self.network()
        let input = Tensor(shape: [Self.points.count, 3], scalars: Self.points.flatMap { [$0.x, $0.y, $0.z] })
        try expectGradientsMatchFiniteDifferences(inputs: [input], step: 1e-3, tolerance: 2e-2) { variables in
            let out = network(variables[0], on: variables[0].tape)
            return [out.sdf, out.offsets, out.features]
        }
    }
}
