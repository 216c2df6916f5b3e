import Avatars
import Tensors
import Testing

/// The check run after every training step finds a NaN or an infinity wherever it sits in a long
/// parameter (inside the 16-lane blocks or in the tail) and names the first one.
@Suite struct NonFiniteParameterTests {
    private func parameter(count: Int, bad: [(index: Int, value: Float)]) -> (name: String, parameter: Parameter) {
        var scalars = (0..<count).map { Float($0) * 0.5 - 10 }
        for (index, value) in bad { scalars[index] = value }
        return ("features", Parameter(Tensor(shape: [count], scalars: scalars)))
    }

    @Test func finiteParametersPass() {
        #expect(AvatarCheckpoint.firstNonFiniteParameter([parameter(count: 53, bad: []), parameter(count: 7, bad: [])]) == nil)
    }

    @Test func aNaNInsideTheBlocksIsNamedWithItsElement() {
        let problem = AvatarCheckpoint.firstNonFiniteParameter([parameter(count: 53, bad: [(20, .nan), (50, .infinity)])])
        #expect(problem == "parameter 'features' holds nan at element 20")
    }

    @Test func anInfinityInTheTailIsNamedWithItsElement() {
        let problem = AvatarCheckpoint.firstNonFiniteParameter([parameter(count: 53, bad: [(50, -.infinity)])])
        #expect(problem == "parameter 'features' holds -inf at element 50")
    }
}
