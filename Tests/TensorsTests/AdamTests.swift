import Foundation
import Testing

@testable import Tensors

/// Gradient of Σ (p − 3)² set directly, so the test exercises only the optimiser.
private func setQuadraticGradient(_ parameter: Parameter) {
    parameter.gradient = parameter.value.map { 2 * ($0 - 3) }
}

@Test func adamMatchesReferenceUpdates() {
    let parameter = Parameter(Tensor(shape: [2], scalars: [0, 10]))
    let adam = Adam(groups: [.init(name: "p", parameters: [parameter], learningRate: 0.1, epsilon: 1e-8)])
    var reference: [Double] = [0, 10], m: [Double] = [0, 0], v: [Double] = [0, 0]
    for t in 1...5 {
        setQuadraticGradient(parameter)
        adam.step()
        for i in 0..<2 {
            let g = 2 * (reference[i] - 3)
            m[i] = 0.9 * m[i] + 0.1 * g
            v[i] = 0.999 * v[i] + 0.001 * g * g
            let mHat = m[i] / (1 - pow(0.9, Double(t))), vHat = v[i] / (1 - pow(0.999, Double(t)))
            reference[i] -= 0.1 * mHat / (vHat.squareRoot() + 1e-8)
        }
    }
    #expect(abs(Double(parameter.value[0]) - reference[0]) < 1e-5)
    #expect(abs(Double(parameter.value[1]) - reference[1]) < 1e-5)
}

@Test func adamUsesPerGroupLearningRates() {
    let fast = Parameter(Tensor(shape: [1], scalars: [0])), slow = Parameter(Tensor(shape: [1], scalars: [0]))
    let adam = Adam(groups: [
        .init(name: "fast", parameters: [fast], learningRate: 0.1),
        .init(name: "slow", parameters: [slow], learningRate: 0.001),
    ])
    setQuadraticGradient(fast)
    setQuadraticGradient(slow)
    adam.step()
    // The first Adam step moves each parameter by about its learning rate.
    #expect(abs(fast.value[0] - 0.1) < 1e-4)
    #expect(abs(slow.value[0] - 0.001) < 1e-6)
}

@Test func adamSkipsParametersWithoutGradient() {
    let untouched = Parameter(Tensor(shape: [1], scalars: [5]))
    let adam = Adam(groups: [.init(name: "p", parameters: [untouched], learningRate: 0.1)])
    adam.step()
    #expect(untouched.value[0] == 5)
    #expect(adam.moments(of: untouched) == nil)
}

@Test func schedulesFollowTheirFormulas() {
    #expect(LearningRateSchedule.constant.learningRate(base: 0.1, step: 50) == 0.1)
    #expect(abs(LearningRateSchedule.exponential(gamma: 0.5).learningRate(base: 1, step: 3) - 0.125) < 1e-7)
    #expect(LearningRateSchedule.step(interval: 10, gamma: 0.1).learningRate(base: 1, step: 9) == 1)
    #expect(abs(LearningRateSchedule.step(interval: 10, gamma: 0.1).learningRate(base: 1, step: 25) - 0.01) < 1e-8)
    let logLinear = LearningRateSchedule.logLinear(finalLearningRate: 1e-4, steps: 100)
    #expect(abs(logLinear.learningRate(base: 1e-2, step: 50) - 1e-3) < 1e-8)
    #expect(abs(logLinear.learningRate(base: 1e-2, step: 500) - 1e-4) < 1e-9)
}

@Test func scheduledRateAdvancesWithSteps() throws {
    let parameter = Parameter(Tensor(shape: [1], scalars: [0]))
    let adam = Adam(groups: [.init(name: "p", parameters: [parameter], learningRate: 1, schedule: .exponential(gamma: 0.5))])
    adam.step()
    adam.step()
    #expect(try #require(adam.learningRate(ofGroup: "p")) == 0.25)
}

@Test func appendRowsAddsZeroMoments() throws {
    let parameter = Parameter(Tensor(shape: [2, 2], scalars: [0, 0, 0, 0]))
    let adam = Adam(groups: [.init(name: "p", parameters: [parameter], learningRate: 0.1)])
    setQuadraticGradient(parameter)
    adam.step()
    adam.appendRows(to: parameter, values: Tensor(shape: [1, 2], scalars: [7, 8]))
    #expect(parameter.shape == [3, 2])
    #expect(parameter.value[2, 0] == 7 && parameter.value[2, 1] == 8)
    let moments = try #require(adam.moments(of: parameter))
    #expect(moments.first.shape == [3, 2])
    #expect(moments.first[2, 0] == 0 && moments.second[2, 1] == 0)
    #expect(moments.first[0, 0] != 0)
    #expect(try #require(parameter.gradient).shape == [3, 2])
}

@Test func keepRowsPrunesValuesMomentsAndGradients() throws {
    let parameter = Parameter(Tensor(shape: [3, 1], scalars: [0, 1, 2]))
    let adam = Adam(groups: [.init(name: "p", parameters: [parameter], learningRate: 0.1)])
    setQuadraticGradient(parameter)
    adam.step()
    let secondBefore = try #require(adam.moments(of: parameter)).second.scalars
    adam.keepRows(of: parameter, mask: [true, false, true])
    #expect(parameter.shape == [2, 1])
    let moments = try #require(adam.moments(of: parameter))
    #expect(moments.second.scalars == [secondBefore[0], secondBefore[2]])
    #expect(try #require(parameter.gradient).scalars == [-6, -2])
}

@Test func restoredOptimiserContinuesIdentically() throws {
    func makeModel() -> (Parameter, Adam) {
        let parameter = Parameter(Tensor(shape: [3], scalars: [0, 1, 2]))
        return (parameter, Adam(groups: [.init(name: "p", parameters: [parameter], learningRate: 0.05, schedule: .exponential(gamma: 0.9))]))
    }
    let (original, adam) = makeModel()
    for _ in 0..<3 {
        setQuadraticGradient(original)
        adam.step()
    }
    let state = adam.stateTensors(for: [("p", original)])
    let checkpoint = try Safetensors.decode(
        try Safetensors.encode(
            state.tensors.merging(["p": original.value]) { a, _ in a },
            metadata: state.metadata))
    let (resumed, resumedAdam) = makeModel()
    resumed.value = try #require(checkpoint.tensors["p"])
    try resumedAdam.loadState(checkpoint.tensors, metadata: checkpoint.metadata, for: [("p", resumed)])
    for _ in 0..<2 {
        setQuadraticGradient(original)
        adam.step()
        setQuadraticGradient(resumed)
        resumedAdam.step()
    }
    #expect(resumed.value.scalars == original.value.scalars)
    #expect(resumedAdam.iteration == 5)
}

@Test func optimiserStateWithoutIterationIsRejected() {
    let parameter = Parameter(Tensor(zeros: [1]))
    let adam = Adam(groups: [.init(name: "p", parameters: [parameter], learningRate: 0.1)])
    #expect(throws: TensorsError.self) { try adam.loadState([:], metadata: [:], for: [("p", parameter)]) }
}

@Test func adamUpdatesEveryElementOfALongParameterExactlyAsTheScalarFormula() {
    // 37 elements: two 16-lane blocks and a tail of 5, with gradients of mixed sign and size.
    let count = 37
    let start = (0..<count).map { Float($0) * 0.25 - 4 }
    let parameter = Parameter(Tensor(shape: [count], scalars: start))
    let adam = Adam(groups: [.init(name: "p", parameters: [parameter], learningRate: 0.01, epsilon: 1e-15)])
    var p = start, m = [Float](repeating: 0, count: count), v = [Float](repeating: 0, count: count)
    for t in 1...3 {
        let gradient = (0..<count).map { Float(($0 * 7 + t) % 11) - 5 + Float(t) * 0.1 }
        parameter.gradient = Tensor(shape: [count], scalars: gradient)
        adam.step()
        // Adam raises the Float β's (widened to Double) to the step.
        let correction1 = 1 - Float(pow(Double(Float(0.9)), Double(t))), correction2 = 1 - Float(pow(Double(Float(0.999)), Double(t)))
        let stepSize: Float = 0.01 / correction1, rootCorrection2 = correction2.squareRoot()
        for i in 0..<count {
            let g = gradient[i]
            m[i] = 0.9 * m[i] + (1 - 0.9) * g
            v[i] = 0.999 * v[i] + (1 - 0.999) * g * g
            p[i] -= stepSize * m[i] / (v[i].squareRoot() / rootCorrection2 + 1e-15)
        }
    }
    #expect(parameter.value.scalars == p)
}

@Test func adamLeavesEntriesThatNeverHadAGradientExactlyAsTheyWere() {
    // 48 values per row as SH features: the first 16 get gradients, the rest (bands not yet used) never do.
    let count = 96
    let start = (0..<count).map { Float($0) * 0.01 - 0.3 }
    let parameter = Parameter(Tensor(shape: [2, 48], scalars: start))
    let adam = Adam(groups: [.init(name: "features", parameters: [parameter], learningRate: 0.01, epsilon: 1e-15)])
    for _ in 0..<3 {
        parameter.gradient = Tensor(shape: [2, 48], scalars: (0..<count).map { $0 % 48 < 16 ? 0.5 : 0 })
        adam.step()
    }
    let values = parameter.value.scalars
    for i in 0..<count where i % 48 >= 16 { #expect(values[i] == start[i]) }
    for i in 0..<count where i % 48 < 16 { #expect(Swift.abs(values[i] - (start[i] - 0.03)) < 1e-4) }
    let moments = adam.moments(of: parameter)!
    #expect((0..<count).allSatisfy { $0 % 48 < 16 || (moments.first[flat: $0] == 0 && moments.second[flat: $0] == 0) })
}
