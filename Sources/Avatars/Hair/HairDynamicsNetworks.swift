import Tensors

/// Sizes and input encoding of HHAvatar's three hair MLPs (the paper states neither).
public struct HairDynamicsConfiguration: Codable, Sendable, Equatable {
    /// How the poses β_t, β_{t−1}, β_{t−2} enter the MLPs (the paper names the inputs, not their encoding).
    public enum PoseHistory: String, Codable, Sendable, CaseIterable {
        /// γ(β_t), γ(β_{t−1}), γ(β_{t−2}): each pose positionally encoded on its own.
        case absolute
        /// γ(β_t), v·(β_t − β_{t−1}), v·(β_{t−1} − β_{t−2}): the same information as the head's
        /// per-frame velocity and its change, scaled by `velocityScale`, so that a turn's few
        /// hundredths of a radian per frame are not differences of nearby sines.
        case differences
    }

    /// Hidden widths of each of f_hair^def, f_hair^col, f_hair^att.
    public var hidden: [Int]
    /// Frequencies of the positional encoding of X0 and of the poses β.
    public var frequencies: Int
    /// Colour channels C of the feature image (f_hair^col's output).
    public var colorChannels: Int
    /// Factor on the history offsets X'_{t−k} − X0 before they enter the MLPs (canonical offsets are
    /// a few hundredths; ×10 brings them near 1).
    public var historyScale: Float
    /// f_hair^def's output is tanh × this, canonical units.
    public var deformationScale: Float
    /// f_hair^att's output (log-scale 3, rotation 4, opacity 1 shifts) is × this (as GHA's attribute MLPs).
    public var attributeScale: Float
    /// The encoding of the three poses.
    public var poseHistory: PoseHistory
    /// Factor on the pose differences of `PoseHistory.differences` (radians and canonical units
    /// per frame; a quick turn moves ≈ 0.1 per frame, ×10 brings it near 1).
    public var velocityScale: Float

    enum CodingKeys: String, CodingKey {
        case hidden, frequencies
        case colorChannels = "color_channels"
        case historyScale = "history_scale"
        case deformationScale = "deformation_scale"
        case attributeScale = "attribute_scale"
        case poseHistory = "pose_history"
        case velocityScale = "velocity_scale"
    }

    /// Creates a configuration.
    public init(
        hidden: [Int], frequencies: Int = 4, colorChannels: Int, historyScale: Float = 10, deformationScale: Float = 0.2,
        attributeScale: Float = 0.2, poseHistory: PoseHistory = .absolute, velocityScale: Float = 10
    ) {
        self.hidden = hidden
        self.frequencies = frequencies
        self.colorChannels = colorChannels
        self.historyScale = historyScale
        self.deformationScale = deformationScale
        self.attributeScale = attributeScale
        self.poseHistory = poseHistory
        self.velocityScale = velocityScale
    }

    /// Reads a configuration; avatars written before `pose_history` existed encode the poses `absolute`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        hidden = try container.decode([Int].self, forKey: .hidden)
        frequencies = try container.decode(Int.self, forKey: .frequencies)
        colorChannels = try container.decode(Int.self, forKey: .colorChannels)
        historyScale = try container.decode(Float.self, forKey: .historyScale)
        deformationScale = try container.decode(Float.self, forKey: .deformationScale)
        attributeScale = try container.decode(Float.self, forKey: .attributeScale)
        poseHistory = try container.decodeIfPresent(PoseHistory.self, forKey: .poseHistory) ?? .absolute
        velocityScale = try container.decodeIfPresent(Float.self, forKey: .velocityScale) ?? 10
    }
}

/// HHAvatar's hair MLPs (eq. 6–8), all conditioned on the same input per hair Gaussian:
/// [γ(X0), s·(X'_{t−1} − X0), s·(X'_{t−2} − X0), poses] — the neutral position, the Gaussian's
/// own canonical positions at the two previous frames (offsets from X0, scaled by `historyScale`)
/// and the head poses of the current and two previous frames, encoded as `poseHistory` says.
/// Their last layers start at zero, so an untrained hair model is GHA's.
public struct HairDynamicsNetworks: Layer {
    /// Width of f_hair^att's output: 3 log-scale, 4 rotation, 1 opacity-logit shifts.
    public static let attributeWidth = 8
    /// The sizes.
    public let configuration: HairDynamicsConfiguration
    /// f_hair^def → ΔX (eq. 6).
    public let deformation: MLP
    /// f_hair^col → ΔC (eq. 7).
    public let color: MLP
    /// f_hair^att → Δ{S, Q, A} (eq. 8; the paper omits opacity, it is shifted here as GHA's f_att does).
    public let attributes: MLP
    /// γ.
    public let encoding: PositionalEncoding

    /// Randomly initialised networks with zero last layers.
    public init(configuration: HairDynamicsConfiguration, generator: inout SplitMix64) {
        self.configuration = configuration
        encoding = PositionalEncoding(frequencies: configuration.frequencies)
        let poses =
            switch configuration.poseHistory {
            case .absolute: 3 * encoding.outputWidth(inputWidth: 6)
            case .differences: encoding.outputWidth(inputWidth: 6) + 12
            }
        let input = encoding.outputWidth(inputWidth: 3) + 6 + poses
        func mlp(_ output: Int, _ final: Activation, _ scale: Float) -> MLP {
            MLP(
                widths: [input] + configuration.hidden + [output], activation: .leakyReLU(slope: 0.01), finalActivation: final,
                outputScale: scale, zeroLastLayer: true, generator: &generator)
        }
        deformation = mlp(3, .tanh, configuration.deformationScale)
        color = mlp(configuration.colorChannels, .none, 1)
        attributes = mlp(Self.attributeWidth, .none, configuration.attributeScale)
    }

    /// `hair_deform.*`, `hair_color.*`, `hair_attributes.*`.
    public var namedParameters: [(name: String, parameter: Parameter)] {
        [("hair_deform", deformation), ("hair_color", color), ("hair_attributes", attributes)]
            .flatMap { prefix, network in network.namedParameters.map { ("\(prefix).\($0.name)", $0.parameter) } }
    }

    /// The common input of the three MLPs, `[perPoint, poses]` per row: neutral positions `x0 [H, 3]`,
    /// previous canonical positions `previous [H, 3]` (t−1) and `beforePrevious [H, 3]` (t−2), poses
    /// β_t, β_{t−1}, β_{t−2} `[1, 6]` each. The encoded poses are one row shared by every point.
    public func input(x0: Variable, previous: Variable, beforePrevious: Variable, poses: [Variable]) -> HairNetworkInput {
        precondition(poses.count == 3, "the hair MLPs take the poses at t, t−1 and t−2")
        let s = configuration.historyScale
        let history = Variable.concat([(previous - x0) * s, (beforePrevious - x0) * s], axis: 1)
        let encodedPoses =
            switch configuration.poseHistory {
            case .absolute: poses.map { encoding($0) }
            case .differences:
                [encoding(poses[0]), (poses[0] - poses[1]) * configuration.velocityScale, (poses[1] - poses[2]) * configuration.velocityScale]
            }
        return HairNetworkInput(perPoint: Variable.concat([encoding(x0), history], axis: 1), poses: Variable.concat(encodedPoses, axis: 1))
    }
}

/// The hair MLPs' input: per-point columns `[H, P]` and the encoded poses `[1, Q]` shared by all
/// points (each row of the MLPs' input is `[perPoint row, poses]`; an MLP is called as
/// `mlp(perPoint, condition: poses, on:)`).
public struct HairNetworkInput {
    /// γ(x0) and the scaled history offsets.
    public let perPoint: Variable
    /// γ(β_t), γ(β_{t−1}), γ(β_{t−2}).
    public let poses: Variable
}
