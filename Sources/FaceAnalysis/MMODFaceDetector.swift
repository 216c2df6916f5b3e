import Foundation
import Tensors

/// One detection of `MMODFaceDetector`: dlib's `mmod_rect`.
public struct MMODDetection: Sendable, Equatable {
    /// The box, in image pixels (dlib's inclusive rectangle, stored as x, y, width, height).
    public var rectangle: FaceRectangle
    /// The window's score (> the threshold; dlib's `detection_confidence`).
    public var confidence: Double

    /// Creates a detection.
    public init(rectangle: FaceRectangle, confidence: Double) {
        self.rectangle = rectangle
        self.confidence = confidence
    }
}

/// dlib's CNN face detector (max-margin object detection, King 2015, "Max-Margin Object
/// Detection", arXiv:1502.00046) — `mmod_human_face_detector.dat` read by `DlibNetworkReader`
/// and run on our own code, giving the boxes of dlib's `net(image)`:
/// 1. the image and its `pyramid_down<6>` copies (each 5/6 of the last, down to 5 rows) are tiled
///    into one tensor (`create_tiled_pyramid`, bilinear downscaling), (value − mean)/256;
/// 2. the network scores every position; a score above the threshold is a window centred on the
///    position's input point (`output_tensor_to_input_tensor`), of the loss's window size;
/// 3. the window is mapped from the tile it lies in back to the image (`tiled_pyramid_to_image`),
///    rounded to whole pixels;
/// 4. windows, best first, are kept unless they overlap a kept one (dlib's `test_box_overlap`:
///    intersection / bounding-box union above the model's threshold, or one box covered).
public final class MMODFaceDetector: Sendable {
    /// The network.
    public let network: DlibNetwork
    /// Its pyramid.
    public let pyramid: DlibImagePyramid
    /// Its loss options.
    public let options: MMODOptions

    /// Reads a detector model (default: the file scripts/setup.sh fetches).
    /// - Throws: `DlibFileError`; a missing file says to run scripts/setup.sh.
    public convenience init(contentsOf url: URL = DlibModelFiles.mmodFaceDetector) throws(DlibFileError) {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw DlibFileError.network(file: url.path, message: "the CNN face detector model is missing; run scripts/setup.sh once to fetch it")
        }
        try self.init(network: DlibNetworkReader.read(contentsOf: url, definition: .mmodFaceDetector), file: url.path)
    }

    /// Wraps a network read with `DlibNetworkDefinition.mmodFaceDetector` (or another MMOD network
    /// on an RGB image pyramid).
    public init(network: DlibNetwork, file: String = "<network>") throws(DlibFileError) {
        guard case .rgbImagePyramid(let pyramid) = network.input, case .mmod(let options) = network.loss else {
            throw DlibFileError.network(file: file, message: "not an MMOD detector on an RGB image pyramid")
        }
        guard !options.usesBoundingBoxRegression else {
            throw DlibFileError.network(file: file, message: "MMOD bounding-box regression is not supported (the face detector does not use it)")
        }
        self.network = network
        self.pyramid = pyramid
        self.options = options
    }

    private static let cache = ModelCache<MMODFaceDetector>()

    /// The detector for `url`, read once per process and shared (stages call this per run).
    public static func cached(contentsOf url: URL = DlibModelFiles.mmodFaceDetector) throws(DlibFileError) -> MMODFaceDetector {
        if let known = cache.value(for: url.path) { return known }
        let detector = try MMODFaceDetector(contentsOf: url)
        cache.store(detector, for: url.path)
        return detector
    }

    /// Faces in an interleaved 8-bit RGB (or RGBA: alpha ignored) image, best first, after
    /// non-maximum suppression. `threshold` is dlib's `adjust_threshold` (0 = dlib's default).
    /// - Throws: `DlibFileError` when `rgb` does not hold width·height·channels samples.
    ///
    /// `upsample` doubles the image that many times first (bilinear), so faces smaller than the
    /// 80-pixel window are found, and maps the boxes back; dlib's Python API does the same with
    /// its own `pyramid_up` filter, so upsampled boxes may differ from it by a pixel.
    public func detect(rgb: [UInt8], width: Int, height: Int, channels: Int = 3, threshold: Double = 0, upsample: Int = 0) throws(DlibFileError)
        -> [MMODDetection]
    {
        guard width > 0, height > 0, channels == 3 || channels == 4, rgb.count == width * height * channels else {
            throw DlibFileError.network(file: "<image>", message: "the image must be \(width)×\(height) RGB or RGBA (\(rgb.count) samples given)")
        }
        guard upsample > 0 else { return try detectAtScale(rgb: rgb, width: width, height: height, channels: channels, threshold: threshold) }
        guard upsample <= 3 else { throw DlibFileError.network(file: "<image>", message: "upsample \(upsample) is too large (at most 3: 8× the image)") }
        let factor = 1 << upsample
        let bigWidth = width * factor, bigHeight = height * factor
        var big = [UInt8](repeating: 0, count: bigWidth * bigHeight * 3)
        let xScale = Double(width - 1) / Double(max(bigWidth - 1, 1)), yScale = Double(height - 1) / Double(max(bigHeight - 1, 1))
        for y in 0..<bigHeight {
            let sy = Double(y) * yScale, top = Int(sy), bottom = min(top + 1, height - 1), fy = sy - Double(top)
            for x in 0..<bigWidth {
                let sx = Double(x) * xScale, left = Int(sx), right = min(left + 1, width - 1), fx = sx - Double(left)
                for c in 0..<3 {
                    func at(_ yy: Int, _ xx: Int) -> Double { Double(rgb[(yy * width + xx) * channels + c]) }
                    let value = (1 - fy) * ((1 - fx) * at(top, left) + fx * at(top, right)) + fy * ((1 - fx) * at(bottom, left) + fx * at(bottom, right))
                    big[(y * bigWidth + x) * 3 + c] = UInt8(min(255, max(0, value + 0.5)))
                }
            }
        }
        return try detectAtScale(rgb: big, width: bigWidth, height: bigHeight, channels: 3, threshold: threshold).map { detection in
            let r = detection.rectangle
            func down(_ v: Int) -> Int { Int((Double(v) / Double(factor)).rounded()) }
            return MMODDetection(
                rectangle: FaceRectangle(left: down(r.x), top: down(r.y), right: down(r.right), bottom: down(r.bottom)), confidence: detection.confidence)
        }
    }

    private func detectAtScale(rgb: [UInt8], width: Int, height: Int, channels: Int, threshold: Double) throws(DlibFileError) -> [MMODDetection] {
        let layout = TiledPyramidLayout(width: width, height: height, pyramid: pyramid)
        guard !layout.levels.isEmpty else { return [] }
        let input = tensor(rgb: rgb, width: width, height: height, channels: channels, layout: layout)
        let scores = try network.forward(input)
        let rows = scores.shape[1], columns = scores.shape[2]
        var candidates: [MMODDetection] = []
        scores.withUnsafeBufferPointer { values in
            for (k, window) in options.detectorWindows.enumerated() {
                for r in 0..<rows {
                    for c in 0..<columns {
                        let score = Double(values[(k * rows + r) * columns + c])
                        guard score > threshold else { continue }
                        let centre = network.inputPosition(ofOutput: SIMD2(Double(c), Double(r)))
                        let w = Double(window.width - 1), h = Double(window.height - 1)
                        let box = layout.imageRectangle(
                            ofTensorRectangle: DlibBox(left: centre.x - w / 2, top: centre.y - h / 2, right: centre.x + w / 2, bottom: centre.y + h / 2))
                        candidates.append(MMODDetection(rectangle: box.rounded, confidence: score))
                    }
                }
            }
        }
        // dlib sorts with std::sort on reverse iterators; equal scores keep no particular order there either.
        candidates.sort { $0.confidence > $1.confidence }
        var kept: [MMODDetection] = []
        for candidate in candidates where !kept.contains(where: { overlaps($0.rectangle, candidate.rectangle) }) {
            kept.append(candidate)
        }
        return kept
    }

    /// dlib's `test_box_overlap`: intersection over the bounding box of both (dlib's `a + b`) above
    /// the NMS threshold, or intersection covering more than `percent_covered` of either box.
    func overlaps(_ a: FaceRectangle, _ b: FaceRectangle) -> Bool {
        let inner = Double(a.intersection(b).area)
        guard inner > 0 else { return false }
        let left = min(a.x, b.x), top = min(a.y, b.y)
        let outer = Double((max(a.right, b.right) - left + 1) * (max(a.bottom, b.bottom) - top + 1))
        return inner / outer > options.nmsIntersectionOverUnion || inner / Double(a.area) > options.nmsPercentCovered
            || inner / Double(b.area) > options.nmsPercentCovered
    }

    /// The input tensor: the image in the first tile, (value − mean)/256 per channel, and each
    /// further tile resized from the one before (dlib `tt::resize_bilinear`).
    private func tensor(rgb: [UInt8], width: Int, height: Int, channels: Int, layout: TiledPyramidLayout) -> Tensor {
        var tensor = Tensor(zeros: [3, layout.rows, layout.columns])
        let plane = layout.rows * layout.columns
        let first = layout.levels[0]
        tensor.withUnsafeMutableBufferPointer { data in
            for channel in 0..<3 {
                let mean = pyramid.mean[channel]
                for y in 0..<height {
                    let row = (first.top + y) * layout.columns + first.left + channel * plane
                    for x in 0..<width { data[row + x] = (Float(rgb[(y * width + x) * channels + channel]) - mean) / 256 }
                }
            }
            for level in 1..<layout.levels.count {
                for channel in 0..<3 {
                    Self.resizeBilinear(
                        data.baseAddress! + channel * plane, stride: layout.columns, from: layout.levels[level - 1], to: layout.levels[level])
                }
            }
        }
        return tensor
    }

    /// dlib's `resize_image` for float planes (interpolation.h, the SIMD grey-image path): scale
    /// (n−1)/(m−1) per axis, rows accumulated in double, four columns at a time in float.
    static func resizeBilinear(_ plane: UnsafeMutablePointer<Float>, stride: Int, from source: PixelRectangle, to target: PixelRectangle) {
        let sourceWidth = source.width, sourceHeight = source.height
        let xScale = Double(sourceWidth - 1) / Double(max(target.width - 1, 1))
        let yScale = Double(sourceHeight - 1) / Double(max(target.height - 1, 1))
        func at(_ row: Int, _ column: Int) -> Float { plane[(source.top + row) * stride + source.left + column] }
        var y = -yScale
        for r in 0..<target.height {
            y += yScale
            let top = Int(y.rounded(.down)), bottom = min(top + 1, sourceHeight - 1)
            let tbFraction = y - Double(top)
            let out = plane + (target.top + r) * stride + target.left
            let inverseTB = Float(1 - tbFraction), tb = Float(tbFraction)
            let step = Float(4 * xScale)
            let start = -4 * xScale
            var lanes = SIMD4<Float>(Float(start), Float(start + xScale), Float(start + 2 * xScale), Float(start + 3 * xScale))
            var c = 0
            while true {
                lanes += SIMD4(repeating: step)
                let left = SIMD4<Int32>(truncatingIfNeeded: SIMD4<Int>(Int(lanes[0]), Int(lanes[1]), Int(lanes[2]), Int(lanes[3])))
                let lr = lanes - SIMD4<Float>(Float(left[0]), Float(left[1]), Float(left[2]), Float(left[3]))
                let inverseLR = 1 - lr
                if Int(left[3]) + 1 >= sourceWidth { break }
                for lane in 0..<4 {
                    let l = Int(left[lane]), rr = l + 1
                    let value =
                        inverseTB * inverseLR[lane] * at(top, l) + inverseTB * lr[lane] * at(top, rr) + tb * inverseLR[lane] * at(bottom, l) + tb * lr[lane]
                        * at(bottom, rr)
                    out[c + lane] = value
                }
                c += 4
            }
            var x = -xScale + Double(c) * xScale
            while c < target.width {
                x += xScale
                let left = Int(x.rounded(.down)), right = min(left + 1, sourceWidth - 1)
                let lr = Float(x - Double(left))
                let value =
                    (1 - tbFraction) * Double((1 - lr) * at(top, left) + lr * at(top, right)) + tbFraction
                    * Double((1 - lr) * at(bottom, left) + lr * at(bottom, right))
                out[c] = Float(value)
                c += 1
            }
        }
    }
}

/// dlib's inclusive integer `rectangle` (left…right, top…bottom), used for pyramid tiles.
struct PixelRectangle: Equatable {
    var left: Int, top: Int, right: Int, bottom: Int
    var width: Int { right - left + 1 }
    var height: Int { bottom - top + 1 }
    var isEmpty: Bool { left > right || top > bottom }

    func intersection(_ other: PixelRectangle) -> PixelRectangle {
        PixelRectangle(left: max(left, other.left), top: max(top, other.top), right: min(right, other.right), bottom: min(bottom, other.bottom))
    }

    func contains(_ x: Int, _ y: Int) -> Bool { x >= left && x <= right && y >= top && y <= bottom }

    /// dlib's `nearest_point` distance from (x, y).
    func distance(_ x: Int, _ y: Int) -> Double {
        let nx = min(max(x, left), right), ny = min(max(y, top), bottom)
        let dx = Double(nx - x), dy = Double(ny - y)
        return (dx * dx + dy * dy).squareRoot()
    }
}

/// dlib's `drectangle`: real-valued inclusive corners.
struct DlibBox {
    var left: Double, top: Double, right: Double, bottom: Double

    /// dlib's drectangle → rectangle conversion: every corner to floor(v + 0.5).
    var rounded: FaceRectangle {
        func round(_ v: Double) -> Int { Int((v + 0.5).rounded(.down)) }
        return FaceRectangle(left: round(left), top: round(top), right: round(right), bottom: round(bottom))
    }
}

/// Where each pyramid level sits in the tiled input tensor
/// (dlib `impl::compute_tiled_image_pyramid_details`).
struct TiledPyramidLayout {
    /// Tile of each level, level 0 = the image itself.
    var levels: [PixelRectangle] = []
    /// Tensor rows and columns.
    var rows = 0, columns = 0
    /// (N−1)/N, and N/(N−1) for mapping back up (dlib's `point_up` ratio).
    let rate: Double, upRatio: Double

    init(width: Int, height: Int, pyramid: DlibImagePyramid) {
        rate = Double(pyramid.downscale - 1) / Double(pyramid.downscale)
        upRatio = Double(pyramid.downscale) / Double(pyramid.downscale - 1)
        guard width > 0, height > 0 else { return }
        let padding = pyramid.padding, outerPadding = pyramid.outerPadding
        var sizes = [(width: width, height: height)]
        var w = width, h = height
        while true {
            w = Int((rate * Double(w)).rounded(.down))
            h = Int((rate * Double(h)).rounded(.down))
            if w * h == 0 || h < 5 { break }
            sizes.append((w, h))
        }
        var totalHeight = sizes.reduce(0) { $0 + $1.height + padding }
        totalHeight -= padding * 2
        var columnHeight = 0, previousWidth = 0
        for size in sizes {
            if size.width <= sizes[0].width - previousWidth - padding, (columnHeight - sizes[0].height) * 2 >= totalHeight - sizes[0].height {
                break
            }
            columnHeight += size.height + padding
            previousWidth = size.width
        }
        columnHeight -= padding
        rows = columnHeight + outerPadding * 2
        columns = width + outerPadding * 2
        var placed: [PixelRectangle] = []
        var y = outerPadding, index = 0
        while y < columnHeight + outerPadding, index < sizes.count {
            placed.append(PixelRectangle(left: outerPadding, top: y, right: outerPadding + sizes[index].width - 1, bottom: y + sizes[index].height - 1))
            y += sizes[index].height + padding
            index += 1
        }
        y -= padding
        while index < sizes.count {
            let right = outerPadding + width - 1, bottom = y - 1
            let rect = PixelRectangle(left: right - (sizes[index].width - 1), top: bottom - (sizes[index].height - 1), right: right, bottom: bottom)
            if !placed[0].intersection(rect).isEmpty { break }
            placed.append(rect)
            y -= sizes[index].height + padding
            index += 1
        }
        levels = placed
    }

    /// dlib `tiled_pyramid_to_image`: the tile nearest the box centre (rounded), then the box
    /// relative to that tile scaled up level by level (`p ↦ p·N/(N−1) + 0.3`).
    func imageRectangle(ofTensorRectangle box: DlibBox) -> DlibBox {
        let cx = Int(((box.left + box.right) / 2 + 0.5).rounded(.down)), cy = Int(((box.top + box.bottom) / 2 + 0.5).rounded(.down))
        var level = 0
        if let inside = levels.firstIndex(where: { $0.contains(cx, cy) }) {
            level = inside
        } else {
            var best = Double.infinity
            for (index, tile) in levels.enumerated() {
                let distance = tile.distance(cx, cy)
                if distance < best {
                    best = distance
                    level = index
                }
            }
        }
        let origin = levels[level]
        func up(_ v: Double) -> Double {
            var p = v
            for _ in 0..<level { p = p * upRatio + 0.3 }
            return p
        }
        return DlibBox(
            left: up(box.left - Double(origin.left)), top: up(box.top - Double(origin.top)),
            right: up(box.right - Double(origin.left)), bottom: up(box.bottom - Double(origin.top)))
    }
}
