/// Something with trainable parameters, enumerable by name for the optimiser and for checkpoints.
public protocol Layer {
    /// Parameters with stable, dot-separated names (e.g. `"layers.2.weight"`), in a fixed order.
    var namedParameters: [(name: String, parameter: Parameter)] { get }
}

extension Layer {
    /// Just the parameters, in `namedParameters` order (for `Adam`).
    public var parameters: [Parameter] { namedParameters.map(\.parameter) }

    /// Parameter values by name (for `Safetensors.write`).
    public var parameterTensors: [String: Tensor] {
        Dictionary(uniqueKeysWithValues: namedParameters.map { ($0.name, $0.parameter.value) })
    }

    /// Replaces parameter values from `tensors` (e.g. read with `Safetensors.read`).
    /// - Throws: `TensorsError` naming the parameter if one is missing or has the wrong shape.
    public func loadParameters(_ tensors: [String: Tensor]) throws {
        for (name, parameter) in namedParameters {
            guard let tensor = tensors[name] else {
                throw TensorsError("checkpoint has no tensor named \"\(name)\"; it holds \(tensors.keys.sorted())")
            }
            guard tensor.shape == parameter.shape else {
                throw TensorsError("checkpoint tensor \"\(name)\" has shape \(tensor.shape), the model expects \(parameter.shape)")
            }
            parameter.value = tensor
        }
    }
}

extension Parameter {
    /// This parameter on `tape` (gradients flow into it), or a constant when `tape` is nil.
    public func variable(on tape: Tape?) -> Variable {
        tape?.variable(for: self) ?? Variable(value)
    }
}

/// Prefixes every name of `layer`'s parameters with `prefix.` (for composing layers).
func prefixed(_ prefix: String, _ layer: some Layer) -> [(name: String, parameter: Parameter)] {
    layer.namedParameters.map { ("\(prefix).\($0.name)", $0.parameter) }
}

/// A pointwise activation function, selectable by value (for builders and configuration).
public enum Activation: Sendable, Equatable {
    /// Identity.
    case none
    /// max(x, 0).
    case relu
    /// x for x > 0 else slope·x.
    case leakyReLU(slope: Float)
    /// 1 / (1 + e^-x).
    case sigmoid
    /// tanh x.
    case tanh
    /// log(1 + e^x).
    case softplus
    /// e^x.
    case exp

    /// Applies the activation.
    public func callAsFunction(_ x: Variable) -> Variable {
        switch self {
        case .none: x
        case .relu: x.relu()
        case .leakyReLU(let slope): x.leakyReLU(slope: slope)
        case .sigmoid: x.sigmoid()
        case .tanh: x.tanh()
        case .softplus: x.softplus()
        case .exp: x.exp()
        }
    }

    /// Gain for Kaiming initialisation (He et al. 2015): √2 for ReLU, √(2/(1+a²)) for leaky ReLU, 1 otherwise.
    var kaimingGain: Float {
        switch self {
        case .relu: Float(2).squareRoot()
        case .leakyReLU(let slope): (2 / (1 + slope * slope)).squareRoot()
        default: 1
        }
    }
}

/// How a layer's weights are initialised (biases start at zero).
public enum Initialization: Sendable, Equatable {
    /// Kaiming/He normal: N(0, gain²/fanIn) with the gain of the following activation.
    case kaimingNormal
    /// Kaiming/He uniform: U(±gain·√(3/fanIn)).
    case kaimingUniform
    /// Xavier/Glorot uniform: U(±√(6/(fanIn + fanOut))).
    case xavierUniform
    /// Xavier/Glorot normal: N(0, 2/(fanIn + fanOut)).
    case xavierNormal
    /// All zeros (e.g. a residual head that must start as the identity).
    case zeros

    /// A weight tensor of `shape` with the given fans.
    func weights(shape: [Int], fanIn: Int, fanOut: Int, gain: Float, generator: inout SplitMix64) -> Tensor {
        switch self {
        case .kaimingNormal:
            return Tensor.normal(shape: shape, standardDeviation: gain / Float(fanIn).squareRoot(), generator: &generator)
        case .kaimingUniform:
            let bound = gain * (3 / Float(fanIn)).squareRoot()
            return Tensor.uniform(shape: shape, low: -bound, high: bound, generator: &generator)
        case .xavierUniform:
            let bound = (6 / Float(fanIn + fanOut)).squareRoot()
            return Tensor.uniform(shape: shape, low: -bound, high: bound, generator: &generator)
        case .xavierNormal:
            return Tensor.normal(shape: shape, standardDeviation: (2 / Float(fanIn + fanOut)).squareRoot(), generator: &generator)
        case .zeros:
            return Tensor(zeros: shape)
        }
    }
}
