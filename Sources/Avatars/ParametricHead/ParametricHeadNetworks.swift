import Tensors

/// What GPHM's networks give for a set of canonical points (eq. 2 for the mesh, eq. 3 for the
/// Gaussians): the injected feature H, the identity and expression displacements and the colour.
public struct ParametricHeadOutput {
    /// H = f_inj(z^id, Γ), `[N, injectedWidth]`.
    public var injected: Variable
    /// δ_id = f_id(H), `[N, 3]`.
    public var identityDisplacement: Variable
    /// δ_exp = f_exp(H, z^exp), `[N, 3]`.
    public var expressionDisplacement: Variable
    /// C = f_col(H, z^exp), `[N, colorChannels]`.
    public var colors: Variable

    /// The canonical positions V0 + δ_id + δ_exp (eq. 2 / eq. 3) of `base [N, 3]`.
    public func canonicalPositions(base: Variable) -> Variable {
        base + identityDisplacement + expressionDisplacement
    }
}

/// GPHM's conditioned networks (§3.2): f_inj injects the identity code into per-point features,
/// f_id and f_exp displace the points, f_col colours them. Stage 1 trains them on the guiding
/// mesh; stage 2 inherits them (parameter transfer), hence one type in the Avatars library.
///
/// f_inj's form is not stated in the paper; ours is an MLP on [Γ, z^id] (the code repeated for
/// every point). f_id and f_exp end in tanh × `deformationScale` with a zero last layer, so fresh
/// networks do not move the points.
public struct ParametricHeadNetworks: Layer {
    /// The sizes.
    public let configuration: ParametricHeadConfiguration
    /// f_inj: [Γ, z^id] → H.
    public let injection: MLP
    /// f_id: H → δ_id.
    public let identityDeformation: MLP
    /// f_exp: [H, z^exp] → δ_exp.
    public let expressionDeformation: MLP
    /// f_col: [H, z^exp] → C.
    public let color: MLP

    /// Randomly initialised networks (Kaiming uniform, LeakyReLU 0.01).
    public init(configuration: ParametricHeadConfiguration, generator: inout SplitMix64) {
        self.configuration = configuration
        let c = configuration
        func mlp(_ widths: [Int], deformation: Bool, last: Activation = .none) -> MLP {
            MLP(
                widths: widths, activation: .leakyReLU(slope: 0.01), finalActivation: deformation ? .tanh : last,
                outputScale: deformation ? c.deformationScale : 1, zeroLastLayer: deformation, generator: &generator)
        }
        injection = mlp([c.featureWidth + c.identityWidth] + c.injectionHidden + [c.injectedWidth], deformation: false, last: .leakyReLU(slope: 0.01))
        identityDeformation = mlp([c.injectedWidth] + c.identityHidden + [3], deformation: true)
        expressionDeformation = mlp([c.injectedWidth + c.expressionWidth] + c.expressionHidden + [3], deformation: true)
        color = mlp([c.injectedWidth + c.expressionWidth] + c.colorHidden + [c.colorChannels], deformation: false)
    }

    /// `inject.*`, `id_deform.*`, `exp_deform.*`, `color.*`.
    public var namedParameters: [(name: String, parameter: Parameter)] {
        [("inject", injection), ("id_deform", identityDeformation), ("exp_deform", expressionDeformation), ("color", color)]
            .flatMap { prefix, network in network.namedParameters.map { ("\(prefix).\($0.name)", $0.parameter) } }
    }

    /// Eq. 2 / eq. 3 for per-point features `features [N, featureWidth]`, identity code `[1, identityWidth]`
    /// and expression code `[1, expressionWidth]`.
    public func callAsFunction(features: Variable, identity: Variable, expression: Variable, on tape: Tape?) -> ParametricHeadOutput {
        precondition(
            features.rank == 2 && features.shape[1] == configuration.featureWidth,
            "features are \(features.shape), expected [N, \(configuration.featureWidth)]")
        let injected = injection(features, condition: identity, on: tape)
        return ParametricHeadOutput(
            injected: injected, identityDisplacement: identityDeformation(injected, on: tape),
            expressionDisplacement: expressionDeformation(injected, condition: expression, on: tape),
            colors: color(injected, condition: expression, on: tape))
    }
}

/// GPHM's geometric loss terms shared by both stages.
public enum ParametricHeadLosses {
    /// Eq. 8, L_reg = ‖δV_id‖² + ‖δV_exp‖², each the mean over points of the squared displacement length
    /// (the reduction is our choice; the paper writes bare norms).
    public static func displacementRegularizer(_ output: ParametricHeadOutput) -> Variable {
        output.identityDisplacement.square().sum(axis: 1).mean() + output.expressionDisplacement.square().sum(axis: 1).mean()
    }

    /// Eq. 7, L_lmk = ‖P − P_gt‖₂ as the mean Euclidean distance per landmark, `predicted`/`target` `[K, 3]`.
    public static func landmarkDistance(_ predicted: Variable, _ target: Variable) -> Variable {
        (predicted - target).norm(axis: 1).mean()
    }
}
