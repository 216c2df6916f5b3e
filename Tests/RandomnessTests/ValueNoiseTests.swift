import Randomness
import Testing

@Suite struct ValueNoiseTests {
    @Test func latticePointsTakeTheirHashedValues() {
        let noise = ValueNoise(seed: 42)
        for (x, y, z) in [(0, 0, 0), (3, -2, 7), (-5, 11, -1)] as [(Int32, Int32, Int32)] {
            #expect(noise.value(SIMD3(Float(x), Float(y), Float(z))) == noise.lattice(x, y, z))
        }
    }

    @Test func valuesStayInRangeAndDependOnlyOnSeedAndPoint() {
        let noise = ValueNoise(seed: 7), same = ValueNoise(seed: 7), other = ValueNoise(seed: 8)
        var differs = 0
        for i in 0..<500 {
            let p = SIMD3<Float>(Float(i % 13) * 0.37 - 2, Float(i % 7) * 0.61 - 1.5, Float(i) * 0.013)
            let value = noise.value(p)
            #expect(value >= -1 && value <= 1)
            #expect(value == same.value(p))
            #expect(abs(noise.fractal(p)) <= 1)
            if value != other.value(p) { differs += 1 }
        }
        #expect(differs > 450, "another seed gives other noise")
    }

    @Test func noiseIsContinuousAcrossLatticeCells() {
        // The quintic fade has zero slope at the cell faces: tiny steps across a face change the value a little.
        let noise = ValueNoise(seed: 3)
        for face in [Float(1), 2, 5] {
            let below = noise.value(SIMD3(face - 1e-4, 0.3, 0.7)), above = noise.value(SIMD3(face + 1e-4, 0.3, 0.7))
            #expect(abs(below - above) < 1e-3)
        }
        #expect(ValueNoise.fade(0) == 0 && ValueNoise.fade(1) == 1 && ValueNoise.fade(0.5) == 0.5)
    }
}
