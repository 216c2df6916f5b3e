/// A multilayer perceptron in the style of Gaussian Head Avatar's per-point MLPs.
///
/// `widths = [in, h1, …, out]` gives `widths.count - 1` linear layers. Hidden layers are followed by
/// `activation`; the last by `finalActivation` and then multiplied by `outputScale` (GHA's deformation
/// heads: tanh × 0.3). If `inputSkipLayers` contains layer index s, the network input is concatenated
/// to that layer's input (`[h, x]` along features), as GHA/NeRF do at the middle layer.
public struct MLP: Layer {
    /// The linear layers, in order.
    public let layers: [Linear]
    /// Activation after each hidden layer.
    public let activation: Activation
    /// Activation after the last layer.
    public let finalActivation: Activation
    /// Factor applied after `finalActivation`.
    public let outputScale: Float
    /// Layer indices whose input is `[hidden, network input]`.
    public let inputSkipLayers: Set<Int>

    /// Builds the layers with the given initialisation; `zeroLastLayer` makes the initial output
    /// exactly `finalActivation(0)·outputScale` (e.g. zero offsets for a deformation field).
    public init(
        widths: [Int], activation: Activation = .leakyReLU(slope: 0.01), finalActivation: Activation = .none,
        outputScale: Float = 1, inputSkipLayers: Set<Int> = [], initialization: Initialization = .kaimingUniform,
        zeroLastLayer: Bool = false, generator: inout SplitMix64
    ) {
        precondition(widths.count >= 2, "an MLP needs at least input and output widths")
        var layers: [Linear] = []
        for index in 0..<(widths.count - 1) {
            let inputs = widths[index] + (inputSkipLayers.contains(index) && index > 0 ? widths[0] : 0)
            let isLast = index == widths.count - 2
            layers.append(
                Linear(
                    inputs: inputs, outputs: widths[index + 1],
                    initialization: isLast && zeroLastLayer ? .zeros : initialization,
                    activation: isLast ? finalActivation : activation, generator: &generator))
        }
        self.layers = layers
        self.activation = activation
        self.finalActivation = finalActivation
        self.outputScale = outputScale
        self.inputSkipLayers = inputSkipLayers
    }

    /// `layers.<i>.weight`, `layers.<i>.bias`.
    public var namedParameters: [(name: String, parameter: Parameter)] {
        layers.enumerated().flatMap { prefixed("layers.\($0.offset)", $0.element) }
    }

    /// Evaluates the MLP on `[N, widths[0]]`; parameters join `tape` (nil: inference).
    public func callAsFunction(_ x: Variable, on tape: Tape?) -> Variable {
        var hidden = x
        for (index, layer) in layers.enumerated() {
            if index > 0 && inputSkipLayers.contains(index) { hidden = Variable.concat([hidden, x], axis: 1) }
            hidden = layer(hidden, on: tape)
            hidden = index == layers.count - 1 ? finalActivation(hidden) : activation(hidden)
        }
        return outputScale == 1 ? hidden : hidden * outputScale
    }

    /// Evaluates the MLP on `[x, c]` for per-row inputs `x [N, widths[0] − C]` and one condition row
    /// `c [1, C]` shared by all rows (a code or pose): the same function as
    /// `self(concat([x, c repeated N times]))` without building the repeated rows, whose share of the
    /// first (and skip) layer's product is computed once (`Linear.callAsFunction(_:condition:on:)`).
    public func callAsFunction(_ x: Variable, condition: Variable, on tape: Tape?) -> Variable {
        var hidden = x
        for (index, layer) in layers.enumerated() {
            if index == 0 {
                hidden = layer(hidden, condition: condition, on: tape)
            } else if inputSkipLayers.contains(index) {
                hidden = layer(Variable.concat([hidden, x], axis: 1), condition: condition, on: tape)
            } else {
                hidden = layer(hidden, on: tape)
            }
            hidden = index == layers.count - 1 ? finalActivation(hidden) : activation(hidden)
        }
        return outputScale == 1 ? hidden : hidden * outputScale
    }
}
