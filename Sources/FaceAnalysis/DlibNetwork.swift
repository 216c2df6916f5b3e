import Tensors

/// A dlib DNN (`dlib/dnn.h`) read from its `serialize` file: the input layer, the computational
/// layers in forward order, and the loss layer.
///
/// dlib stores a network as nested C++ types, so the stream alone does not say where one layer
/// ends and the next begins; `DlibNetworkDefinition` plays the role of the C++ type (as in dlib's
/// examples, e.g. `dnn_mmod_face_detection_ex.cpp`) and `DlibNetworkReader` checks every layer's
/// own tag (`con_4`, `bn_con2`, `relu_`, …) against it. One reader serves every dlib network:
/// the MMOD face detector and the ResNet face descriptor (`FaceDescriptor`).
public struct DlibNetwork: Sendable {
    /// The input layer (how an image becomes the first tensor).
    public var input: DlibInputLayer
    /// Layers in forward order (the one next to the input first).
    public var layers: [DlibLayer]
    /// The loss layer (how the last tensor becomes a result).
    public var loss: DlibLossLayer

    /// Creates a network from its parts.
    public init(input: DlibInputLayer, layers: [DlibLayer], loss: DlibLossLayer) {
        self.input = input
        self.layers = layers
        self.loss = loss
    }

    /// Maps a position in the last layer's output to the input tensor position it is centred on,
    /// like dlib's `output_tensor_to_input_tensor`: through every convolution and pooling from the
    /// top down, `p ↦ p·stride − padding + window/2` (integer `window/2`); other layers keep positions.
    public func inputPosition(ofOutput point: SIMD2<Double>) -> SIMD2<Double> {
        var p = point
        for layer in layers.reversed() {
            let window: (width: Int, height: Int, strideX: Int, strideY: Int, paddingX: Int, paddingY: Int)
            switch layer {
            case .convolution(let c): window = (c.kernelWidth, c.kernelHeight, c.strideX, c.strideY, c.paddingX, c.paddingY)
            case .maxPool(let w), .averagePool(let w): window = (w.windowWidth, w.windowHeight, w.strideX, w.strideY, w.paddingX, w.paddingY)
            default: continue
            }
            p.x = p.x * Double(window.strideX) - Double(window.paddingX) + Double(window.width / 2)
            p.y = p.y * Double(window.strideY) - Double(window.paddingY) + Double(window.height / 2)
        }
        return p
    }
}

/// A dlib input layer.
public enum DlibInputLayer: Sendable, Equatable {
    /// `input_rgb_image_pyramid<pyramid_down<N>>`: an RGB image and its downscaled copies tiled
    /// into one tensor, each channel as (value − mean)/256.
    case rgbImagePyramid(DlibImagePyramid)
    /// `input_rgb_image_sized<rows, columns>`: one RGB image of exactly this size, each channel as
    /// (value − mean)/256.
    case rgbImageSized(mean: SIMD3<Float>, rows: Int, columns: Int)
}

/// The tiling of `input_rgb_image_pyramid` (dlib `create_tiled_pyramid`).
public struct DlibImagePyramid: Sendable, Equatable {
    /// Per-channel mean (red, green, blue) subtracted before dividing by 256.
    public var mean: SIMD3<Float>
    /// Gap between tiled levels, in pixels.
    public var padding: Int
    /// Zero border around the whole tiling, in pixels.
    public var outerPadding: Int
    /// `N` of `pyramid_down<N>`: each level is (N−1)/N the size of the one before.
    public var downscale: Int

    /// Creates a pyramid description.
    public init(mean: SIMD3<Float>, padding: Int, outerPadding: Int, downscale: Int) {
        self.mean = mean
        self.padding = padding
        self.outerPadding = outerPadding
        self.downscale = downscale
    }
}

/// One computational layer of a dlib network.
public enum DlibLayer: Sendable {
    /// `con_`: a 2-D convolution.
    case convolution(DlibConvolution)
    /// `affine_` (or a `bn_con2` batch normalisation, folded into one the way dlib converts it):
    /// `y = scale[c]·x + shift[c]` per channel.
    case affine(scale: [Float], shift: [Float])
    /// `relu_`: max(0, x).
    case relu
    /// `add_tag_layer<ID>`: remembers its input under `ID` and passes it on.
    case tag(Int)
    /// `add_skip_layer<TAG>`: continues from the tensor remembered under `TAG`.
    case skip(Int)
    /// `add_prev_<TAG>`: adds the tensor remembered under `TAG` to its input; when the two
    /// differ in size the result has the larger size in each dimension and the missing values
    /// count as zero (dlib's `tt::add`), as in the ResNet's downsampling blocks.
    case addPrevious(Int)
    /// `fc_`: every input value (channel-major, then rows, then columns) times `weights`
    /// `[inputs, outputs]`, plus `bias` (nil for `fc_no_bias`); the output is `[outputs, 1, 1]`.
    case fullyConnected(weights: Tensor, bias: [Float]?)
    /// `max_pool_`: the largest value in each window.
    case maxPool(DlibPooling)
    /// `avg_pool_`: the mean of each window.
    case averagePool(DlibPooling)

    /// dlib's name of the layer kind, for messages.
    public var kindName: String {
        switch self {
        case .convolution: "con"
        case .affine: "affine"
        case .relu: "relu"
        case .tag(let id): "tag\(id)"
        case .skip(let id): "skip\(id)"
        case .addPrevious(let id): "add_prev\(id)"
        case .fullyConnected: "fc"
        case .maxPool: "max_pool"
        case .averagePool: "avg_pool"
        }
    }
}

/// The window of a dlib pooling layer (`max_pool_`, `avg_pool_`).
///
/// Output size per axis: `1 + (size + 2·padding − window)/stride`; output position `o` covers
/// inputs `o·stride − padding … o·stride − padding + window − 1`, clipped to the input (dlib's CPU
/// pooling; an average is taken over the clipped window). A window of 0 spans the whole input
/// (`avg_pool_everything`).
public struct DlibPooling: Sendable, Equatable {
    /// Window rows and columns in pixels (0 = the whole input).
    public var windowHeight: Int, windowWidth: Int
    /// Vertical and horizontal stride in pixels.
    public var strideY: Int, strideX: Int
    /// Padding above/below and left/right in pixels.
    public var paddingY: Int, paddingX: Int

    /// Creates a pooling window.
    public init(windowHeight: Int, windowWidth: Int, strideY: Int, strideX: Int, paddingY: Int, paddingX: Int) {
        self.windowHeight = windowHeight
        self.windowWidth = windowWidth
        self.strideY = strideY
        self.strideX = strideX
        self.paddingY = paddingY
        self.paddingX = paddingX
    }
}

/// The parameters of a dlib `con_` layer.
public struct DlibConvolution: Sendable {
    /// Filters `[outputChannels, inputChannels, kernelHeight, kernelWidth]`.
    public var filters: Tensor
    /// One bias per output channel, or nil when the layer has its bias disabled.
    public var bias: [Float]?
    /// Vertical and horizontal stride in pixels.
    public var strideY: Int, strideX: Int
    /// Zero padding above/below and left/right in pixels.
    public var paddingY: Int, paddingX: Int

    /// Output channels.
    public var outputChannels: Int { filters.shape[0] }
    /// Input channels.
    public var inputChannels: Int { filters.shape[1] }
    /// Kernel rows.
    public var kernelHeight: Int { filters.shape[2] }
    /// Kernel columns.
    public var kernelWidth: Int { filters.shape[3] }

    /// Creates a convolution from its parameters.
    public init(filters: Tensor, bias: [Float]?, strideY: Int, strideX: Int, paddingY: Int, paddingX: Int) {
        self.filters = filters
        self.bias = bias
        self.strideY = strideY
        self.strideX = strideX
        self.paddingY = paddingY
        self.paddingX = paddingX
    }
}

/// A dlib loss layer.
public enum DlibLossLayer: Sendable, Equatable {
    /// `loss_mmod_`: max-margin object detection over sliding windows.
    case mmod(MMODOptions)
    /// `loss_metric_`: the last layer's output is the result (an embedding; dlib's face
    /// descriptor is 128 values); `margin` and `distanceThreshold` are its training settings
    /// (two embeddings closer than the threshold belong to the same identity).
    case metric(margin: Float, distanceThreshold: Float)
}

/// `mmod_options` as far as detection uses them.
public struct MMODOptions: Sendable, Equatable {
    /// One sliding-window shape.
    public struct DetectorWindow: Sendable, Equatable {
        /// Window width and height in input-tensor pixels.
        public var width: Int, height: Int
        /// Class label ("" for single-class detectors).
        public var label: String

        /// Creates a window.
        public init(width: Int, height: Int, label: String) {
            self.width = width
            self.height = height
            self.label = label
        }
    }

    /// The windows; the network's last layer has one output channel per window.
    public var detectorWindows: [DetectorWindow]
    /// Non-maximum suppression: two boxes overlap when intersection / bounding-box union exceeds
    /// this (dlib's `test_box_overlap` iou threshold)…
    public var nmsIntersectionOverUnion: Double
    /// …or when the intersection covers more than this fraction of either box.
    public var nmsPercentCovered: Double
    /// Whether the network also regresses box offsets (4 extra channels per window).
    public var usesBoundingBoxRegression: Bool

    /// Creates options.
    public init(detectorWindows: [DetectorWindow], nmsIntersectionOverUnion: Double, nmsPercentCovered: Double, usesBoundingBoxRegression: Bool) {
        self.detectorWindows = detectorWindows
        self.nmsIntersectionOverUnion = nmsIntersectionOverUnion
        self.nmsPercentCovered = nmsPercentCovered
        self.usesBoundingBoxRegression = usesBoundingBoxRegression
    }
}

/// The shape of a dlib network — what the C++ type says and the file does not: the loss, the
/// layers from the top (next to the loss) down to the input, and the input layer.
public struct DlibNetworkDefinition: Sendable, Equatable {
    /// One level of the C++ type.
    public enum Node: Sendable, Equatable {
        /// `add_layer<DETAILS, …>` with DETAILS of this kind: "con", "affine", "relu", "fc",
        /// "max_pool", "avg_pool".
        case layer(String)
        /// `add_layer<add_prev_<tagN>, …>` (`add_prevN`); the tag number is in the type, not in the file.
        case addPrevious(Int)
        /// `add_tag_layer<ID, …>`.
        case tag(Int)
        /// `add_skip_layer<TAG, …>`.
        case skip(Int)
    }

    /// The loss kind: "mmod" or "metric".
    public var loss: String
    /// Nodes from the top down.
    public var nodes: [Node]
    /// `N` of the input's `pyramid_down<N>` (a template argument, not stored in the file; unused
    /// by other inputs).
    public var pyramidDownscale: Int

    /// Creates a definition.
    public init(loss: String, nodes: [Node], pyramidDownscale: Int = 0) {
        self.loss = loss
        self.nodes = nodes
        self.pyramidDownscale = pyramidDownscale
    }

    /// dlib's CNN face detector (`dnn_mmod_face_detection_ex.cpp`):
    /// `loss_mmod<con<1,9,9,1,1, rcon5<rcon5<rcon5<downsampler<input_rgb_image_pyramid<pyramid_down<6>>>>>>>>`
    /// with `rcon5 = relu<affine<con5<45>>>` and `downsampler` = three `relu<affine<con5d<…>>>`
    /// (5×5, stride 2; 16, 32, 32 filters).
    public static let mmodFaceDetector = DlibNetworkDefinition(
        loss: "mmod",
        nodes: [.layer("con")] + Array(repeating: [Node.layer("relu"), .layer("affine"), .layer("con")], count: 6).joined(),
        pyramidDownscale: 6)

    /// dlib's ResNet face descriptor (`dnn_face_recognition_ex.cpp`, file
    /// `dlib_face_recognition_resnet_model_v1.dat`):
    /// `loss_metric<fc_no_bias<128, avg_pool_everything<alevel0<alevel1<alevel2<alevel3<alevel4<
    /// max_pool<3,3,2,2, relu<affine<con<32,7,7,2,2, input_rgb_image_sized<150>>>>>>>>>>>>>` with
    /// `alevel0 = ares_down<256>`, `alevel1 = ares<256, ares<256, ares_down<256>>>`,
    /// `alevel2` the same with 128, `alevel3 = ares<64>³, ares_down<64>`, `alevel4 = ares<32>³`;
    /// `ares<N> = relu<add_prev1<block<N, 1, tag1>>>`,
    /// `ares_down<N> = relu<add_prev2<avg_pool<2,2,2,2, skip1<tag2<block<N, 2, tag1>>>>>>`,
    /// `block<N, stride> = affine<con<N,3,3,1,1, relu<affine<con<N,3,3,stride,stride>>>>>`.
    public static let resnetFaceDescriptor: DlibNetworkDefinition = {
        let block: [Node] = [.layer("affine"), .layer("con"), .layer("relu"), .layer("affine"), .layer("con")]
        let residual: [Node] = [.layer("relu"), .addPrevious(1)] + block + [.tag(1)]
        let residualDown: [Node] = [.layer("relu"), .addPrevious(2), .layer("avg_pool"), .skip(1), .tag(2)] + block + [.tag(1)]
        func repeated(_ nodes: [Node], _ count: Int) -> [Node] { Array(Array(repeating: nodes, count: count).joined()) }
        let levels: [Node] =
            residualDown  // alevel0
            + repeated(residual, 2) + residualDown  // alevel1
            + repeated(residual, 2) + residualDown  // alevel2
            + repeated(residual, 3) + residualDown  // alevel3
            + repeated(residual, 3)  // alevel4
        return DlibNetworkDefinition(
            loss: "metric",
            nodes: [.layer("fc"), .layer("avg_pool")] + levels + [.layer("max_pool"), .layer("relu"), .layer("affine"), .layer("con")])
    }()
}
