import Foundation
import Geometry

/// A face that cannot be turned into a descriptor: wrong landmark count, wrong image layout, a
/// missing model. The message names the input and what to do.
public struct FaceDescriptorError: Error, CustomStringConvertible {
    /// What is wrong and how to fix it.
    public var message: String

    /// Creates an error.
    public init(_ message: String) { self.message = message }

    /// The message.
    public var description: String { message }
}

/// Where a face chip lies in an image: dlib's `chip_details` (a rectangle in image pixels
/// rotated by `angle` about its centre, sampled into `rows × columns` pixels).
public struct FaceChipDetails: Sendable, Equatable {
    /// The rectangle before rotation, in image pixels: left, top, right, bottom (dlib's
    /// `drectangle`, inclusive: width = right − left + 1).
    public var left: Double, top: Double, right: Double, bottom: Double
    /// Rotation of the rectangle about its centre, in radians (image axes, y down).
    public var angle: Double
    /// Chip size in pixels.
    public var rows: Int, columns: Int

    /// Creates details from their parts.
    public init(left: Double, top: Double, right: Double, bottom: Double, angle: Double, rows: Int, columns: Int) {
        self.left = left
        self.top = top
        self.right = right
        self.bottom = bottom
        self.angle = angle
        self.rows = rows
        self.columns = columns
    }

    /// dlib's `get_face_chip_details(det, size, padding)`: the similarity transform (Umeyama,
    /// least squares, no reflection) that takes dlib's mean face — 5 points, or 33 of the 68
    /// (nose, eyes, outer and upper-inner lips; not the jaw, eyebrows or lower lip) — scaled into
    /// a `size × size` chip with `padding` (fraction of the face width on each side) onto the
    /// landmarks, as the rectangle it maps the chip to.
    ///
    /// Landmarks are rounded to whole pixels first (⌊x + 0.5⌋), as dlib's
    /// `full_object_detection` stores them. The transform is computed in closed form
    /// (for 2-D points Umeyama's SVD reduces to A = Σ(f·t), B = Σ(f×t) over centred points:
    /// scale·rotation = [[A, −B], [B, A]] / Σ|f|²); dlib's numerical SVD may differ in the last
    /// bits, which can move a chip pixel by one grey level (measured in the oracle test).
    /// - Throws: `FaceDescriptorError` unless there are 5 or 68 finite landmarks, `size` > 0 and
    ///   `padding` ≥ 0.
    public init(landmarks: [SIMD2<Double>], size: Int = 150, padding: Double = 0.25) throws(FaceDescriptorError) {
        guard size > 0, padding >= 0, padding.isFinite else {
            throw FaceDescriptorError("face chip size must be positive and padding ≥ 0 (got size \(size), padding \(padding))")
        }
        guard landmarks.count == 68 || landmarks.count == 5 else {
            throw FaceDescriptorError(
                "a face chip needs dlib's 5-point or 68-point landmarks, got \(landmarks.count) points; use face.landmarks-ert68 or the 5-point model")
        }
        guard landmarks.allSatisfy({ $0.x.isFinite && $0.y.isFinite }) else {
            throw FaceDescriptorError("the face landmarks contain a non-finite coordinate")
        }
        let rounded = landmarks.map { SIMD2(($0.x + 0.5).rounded(.down), ($0.y + 0.5).rounded(.down)) }
        var from: [SIMD2<Double>] = [], to: [SIMD2<Double>] = []
        let chipSize = Double(size)
        if landmarks.count == 5 {
            for (index, point) in Self.meanFivePointFace.enumerated() {
                from.append((padding + point) / (2 * padding + 1) * chipSize)
                to.append(rounded[index])
            }
        } else {
            for index in 17..<68 where !((55...59).contains(index) || (65...67).contains(index) || (17...26).contains(index)) {
                let mean = SIMD2(Self.meanFaceX[index - 17], Self.meanFaceY[index - 17])
                from.append((padding + mean) / (2 * padding + 1) * chipSize)
                to.append(rounded[index])
            }
        }
        let count = Double(from.count)
        let meanFrom = from.reduce(SIMD2<Double>.zero, +) / count, meanTo = to.reduce(SIMD2<Double>.zero, +) / count
        var spread = 0.0, a = 0.0, b = 0.0
        for (f, t) in zip(from, to) {
            let df = f - meanFrom, dt = t - meanTo
            spread += (df * df).sum()
            a += df.x * dt.x + df.y * dt.y
            b += df.x * dt.y - df.y * dt.x
        }
        // scale·rotation applied to (1, 0): its direction is the angle, its length the scale.
        let column = spread > 0 ? SIMD2(a, b) / spread : SIMD2(1, 0)
        let translation = meanTo - SIMD2(column.x * meanFrom.x - column.y * meanFrom.y, column.y * meanFrom.x + column.x * meanFrom.y)
        angle = atan2(column.y, column.x)
        let scale = (column * column).sum().squareRoot()
        let half = SIMD2(chipSize, chipSize) / 2
        let centre = SIMD2(column.x * half.x - column.y * half.y, column.y * half.x + column.x * half.y) + translation
        // dlib's centered_drect(p, w, h): p ± (w − 1)/2.
        let width = chipSize * scale - 1, height = chipSize * scale - 1
        left = centre.x - width / 2
        top = centre.y - height / 2
        right = centre.x + width / 2
        bottom = centre.y + height / 2
        rows = size
        columns = size
    }

    /// dlib's mean face for the 5-point model (`shape_predictor_5_face_landmarks.dat` order:
    /// right eye outer, right eye inner, left eye outer, left eye inner, nose), in units of the face box.
    static let meanFivePointFace: [SIMD2<Double>] = [
        SIMD2(0.8595674595992, 0.2134981538014), SIMD2(0.6460604764104, 0.2289674387677), SIMD2(0.1205750620789, 0.2137274526848),
        SIMD2(0.3340850613712, 0.2290642403242), SIMD2(0.4901123135679, 0.6277975316475),
    ]

    /// dlib's mean positions of the 68-point landmarks 17…67.
    static let meanFaceX: [Double] = [
        0.000213256, 0.0752622, 0.18113, 0.29077, 0.393397, 0.586856, 0.689483, 0.799124,
        0.904991, 0.98004, 0.490127, 0.490127, 0.490127, 0.490127, 0.36688, 0.426036,
        0.490127, 0.554217, 0.613373, 0.121737, 0.187122, 0.265825, 0.334606, 0.260918,
        0.182743, 0.645647, 0.714428, 0.793132, 0.858516, 0.79751, 0.719335, 0.254149,
        0.340985, 0.428858, 0.490127, 0.551395, 0.639268, 0.726104, 0.642159, 0.556721,
        0.490127, 0.423532, 0.338094, 0.290379, 0.428096, 0.490127, 0.552157, 0.689874,
        0.553364, 0.490127, 0.42689,
    ]
    static let meanFaceY: [Double] = [
        0.106454, 0.038915, 0.0187482, 0.0344891, 0.0773906, 0.0773906, 0.0344891,
        0.0187482, 0.038915, 0.106454, 0.203352, 0.307009, 0.409805, 0.515625, 0.587326,
        0.609345, 0.628106, 0.609345, 0.587326, 0.216423, 0.178758, 0.179852, 0.231733,
        0.245099, 0.244077, 0.231733, 0.179852, 0.178758, 0.216423, 0.244077, 0.245099,
        0.780233, 0.745405, 0.727388, 0.742578, 0.727388, 0.745405, 0.780233, 0.864805,
        0.902192, 0.909281, 0.902192, 0.864805, 0.784792, 0.778746, 0.785343, 0.778746,
        0.784792, 0.824182, 0.831803, 0.824182,
    ]

    /// dlib `drectangle::area()`.
    var area: Double { Self.area(left, top, right, bottom) }

    static func area(_ l: Double, _ t: Double, _ r: Double, _ b: Double) -> Double {
        (t > b || l > r) ? 0 : (r - l + 1) * (b - t + 1)
    }
}

/// dlib's `extract_image_chip(img, details, chip)` with bilinear interpolation on 8-bit RGB:
/// a chip whose source is more than twice its size is taken from a `pyramid_down<2>` level of a
/// crop around the face (5-tap [1 4 6 4 1] filter, integer arithmetic), then every chip pixel
/// maps through the affine transform of the chip's corners to the rotated rectangle and is
/// interpolated in double precision and truncated to 8 bits; samples outside the crop are black.
public enum FaceChipExtraction {
    /// Extracts the chip from an interleaved RGB (or RGBA, alpha ignored) 8-bit image.
    /// - Throws: `FaceDescriptorError` for images that are not 3- or 4-channel.
    public static func extract(_ image: Image8, _ details: FaceChipDetails) throws(FaceDescriptorError) -> Image8 {
        guard image.channels == 3 || image.channels == 4 else {
            throw FaceDescriptorError("face chips are cut from RGB images, got \(image.channels) channel(s)")
        }
        guard details.rows > 0, details.columns > 0 else { throw FaceDescriptorError("a face chip needs a positive size") }
        let rgb = image.channels == 3 ? image : dropAlpha(image)
        let size = Double(details.rows * details.columns)
        let rect = (details.left, details.top, details.right, details.bottom)
        if details.angle == 0, Double(details.rows) == height(rect), Double(details.columns) == width(rect) {
            return basicExtract(rgb, rect)
        }
        // Pyramid depth and the crop (dlib's bounding_box: the rotated rectangle grown by a margin
        // that doubles with each level, clipped to the image, rounded to whole pixels).
        var depth = 0, grow = 2.0
        var down = rectDown(rect)
        while area(down) > size {
            down = rectDown(down)
            depth += 1
            grow = grow * 2 + 2
        }
        let centre = SIMD2((details.left + details.right) / 2, (details.top + details.bottom) / 2)
        let corners = [
            SIMD2(details.left, details.top), SIMD2(details.right, details.top), SIMD2(details.left, details.bottom), SIMD2(details.right, details.bottom),
        ].map { rotate($0, about: centre, by: details.angle) }
        var bounds = (corners.map(\.x).min()!, corners.map(\.y).min()!, corners.map(\.x).max()!, corners.map(\.y).max()!)
        bounds = (
            max(bounds.0 - grow, 0), max(bounds.1 - grow, 0), min(bounds.2 + grow, Double(rgb.width - 1)), min(bounds.3 + grow, Double(rgb.height - 1))
        )
        let crop = (
            Int((bounds.0 + 0.5).rounded(.down)), Int((bounds.1 + 0.5).rounded(.down)), Int((bounds.2 + 0.5).rounded(.down)),
            Int((bounds.3 + 0.5).rounded(.down))
        )
        var source = subImage(rgb, left: crop.0, top: crop.1, right: crop.2, bottom: crop.3)
        // The level to sample from and the rectangle in its coordinates.
        var level = -1
        var local = (rect.0 - Double(crop.0), rect.1 - Double(crop.1), rect.2 - Double(crop.0), rect.3 - Double(crop.1))
        while area(rectDown(local)) > size {
            level += 1
            local = rectDown(local)
        }
        if level >= 0 {
            for _ in 0...level { source = pyramidDown(source) }
        }
        let localCentre = SIMD2((local.0 + local.2) / 2, (local.1 + local.3) / 2)
        let topLeft = rotate(SIMD2(local.0, local.1), about: localCentre, by: details.angle)
        let topRight = rotate(SIMD2(local.2, local.1), about: localCentre, by: details.angle)
        let bottomLeft = rotate(SIMD2(local.0, local.3), about: localCentre, by: details.angle)
        // Affine map of chip (0,0), (columns−1, 0), (0, rows−1) onto those corners.
        let xAxis = (topRight - topLeft) / Double(max(details.columns - 1, 1))
        let yAxis = (bottomLeft - topLeft) / Double(max(details.rows - 1, 1))
        return bilinearTransform(source, rows: details.rows, columns: details.columns, xAxis: xAxis, yAxis: yAxis, origin: topLeft)
    }

    typealias Rect = (Double, Double, Double, Double)

    static func width(_ r: Rect) -> Double { (r.1 > r.3 || r.0 > r.2) ? 0 : r.2 - r.0 + 1 }
    static func height(_ r: Rect) -> Double { (r.1 > r.3 || r.0 > r.2) ? 0 : r.3 - r.1 + 1 }
    static func area(_ r: Rect) -> Double { FaceChipDetails.area(r.0, r.1, r.2, r.3) }

    /// `pyramid_down<2>::rect_down`: corners p ↦ p/2 − (1.25, 0.75).
    static func rectDown(_ r: Rect) -> Rect {
        let a = (r.0 / 2 - 1.25, r.1 / 2 - 0.75), b = (r.2 / 2 - 1.25, r.3 / 2 - 0.75)
        return (min(a.0, b.0), min(a.1, b.1), max(a.0, b.0), max(a.1, b.1))
    }

    /// dlib `rotate_point(centre, p, angle)`.
    static func rotate(_ p: SIMD2<Double>, about centre: SIMD2<Double>, by angle: Double) -> SIMD2<Double> {
        let s = sin(angle), c = cos(angle), d = p - centre
        return SIMD2(c * d.x - s * d.y, s * d.x + c * d.y) + centre
    }

    static func dropAlpha(_ image: Image8) -> Image8 {
        var samples = [UInt8](repeating: 0, count: image.width * image.height * 3)
        for i in 0..<(image.width * image.height) {
            for c in 0..<3 { samples[3 * i + c] = image.samples[4 * i + c] }
        }
        return Image8(width: image.width, height: image.height, channels: 3, samples: samples)
    }

    /// The pixels of the inclusive rectangle (empty when it is).
    static func subImage(_ image: Image8, left: Int, top: Int, right: Int, bottom: Int) -> Image8 {
        guard right >= left, bottom >= top else { return Image8(width: 0, height: 0, channels: 3) }
        let width = right - left + 1, height = bottom - top + 1
        var samples = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            let from = ((top + y) * image.width + left) * 3
            samples[(y * width * 3)..<((y + 1) * width * 3)] = image.samples[from..<(from + width * 3)]
        }
        return Image8(width: width, height: height, channels: 3, samples: samples)
    }

    /// dlib's `basic_extract_image_chip`: a plain copy of the rounded rectangle, black outside the image.
    static func basicExtract(_ image: Image8, _ r: Rect) -> Image8 {
        let left = Int((r.0 + 0.5).rounded(.down)), top = Int((r.1 + 0.5).rounded(.down))
        let right = Int((r.2 + 0.5).rounded(.down)), bottom = Int((r.3 + 0.5).rounded(.down))
        let width = max(0, right - left + 1), height = max(0, bottom - top + 1)
        var chip = Image8(width: width, height: height, channels: 3)
        for y in 0..<height where top + y >= 0 && top + y < image.height {
            for x in 0..<width where left + x >= 0 && left + x < image.width {
                for c in 0..<3 { chip.samples[(y * width + x) * 3 + c] = image.samples[((top + y) * image.width + left + x) * 3 + c] }
            }
        }
        return chip
    }

    /// dlib `pyramid_down<2>` on RGB: rows filtered [1 4 6 4 1] at every other column into
    /// 16-bit sums, then columns at every other row, divided by 256 (integer division);
    /// (n − 3)/2 pixels per axis, nothing for images of 8 pixels or fewer.
    static func pyramidDown(_ image: Image8) -> Image8 {
        guard image.width > 8, image.height > 8 else { return Image8(width: 0, height: 0, channels: 3) }
        let tempWidth = (image.width - 3) / 2, outHeight = (image.height - 3) / 2
        var temp = [UInt16](repeating: 0, count: image.height * tempWidth * 3)
        image.samples.withUnsafeBufferPointer { p in
            for r in 0..<image.height {
                for c in 0..<tempWidth {
                    let base = (r * image.width + 2 * c) * 3
                    for k in 0..<3 {
                        let sum = Int(p[base + k]) + 4 * Int(p[base + 3 + k]) + 6 * Int(p[base + 6 + k]) + 4 * Int(p[base + 9 + k]) + Int(p[base + 12 + k])
                        temp[(r * tempWidth + c) * 3 + k] = UInt16(truncatingIfNeeded: sum)
                    }
                }
            }
        }
        var out = Image8(width: tempWidth, height: outHeight, channels: 3)
        var row = 0
        var r = 2
        while r < image.height - 2 {
            for c in 0..<tempWidth {
                for k in 0..<3 {
                    func t(_ y: Int) -> Int { Int(temp[(y * tempWidth + c) * 3 + k]) }
                    let sum = UInt16(truncatingIfNeeded: t(r - 2) + 4 * t(r - 1) + 6 * t(r) + 4 * t(r + 1) + t(r + 2))
                    out.samples[(row * tempWidth + c) * 3 + k] = UInt8(sum / 256)
                }
            }
            row += 1
            r += 2
        }
        return out
    }

    /// dlib `transform_image(src, chip, interpolate_bilinear(), affine)` with a black background.
    static func bilinearTransform(_ source: Image8, rows: Int, columns: Int, xAxis: SIMD2<Double>, yAxis: SIMD2<Double>, origin: SIMD2<Double>)
        -> Image8
    {
        var chip = Image8(width: columns, height: rows, channels: 3)
        let width = source.width, height = source.height
        source.samples.withUnsafeBufferPointer { s in
            chip.samples.withUnsafeMutableBufferPointer { out in
                for r in 0..<rows {
                    for c in 0..<columns {
                        let x = c, y = r
                        let px = (xAxis.x * Double(x) + yAxis.x * Double(y)) + origin.x
                        let py = (xAxis.y * Double(x) + yAxis.y * Double(y)) + origin.y
                        let fx = px.rounded(.down), fy = py.rounded(.down)
                        guard fx >= 0, fy >= 0, fx + 1 < Double(width), fy + 1 < Double(height) else { continue }
                        let left = Int(fx), top = Int(fy)
                        let lr = px - fx, tb = py - fy
                        for k in 0..<3 {
                            let tl = Double(s[(top * width + left) * 3 + k]), tr = Double(s[(top * width + left + 1) * 3 + k])
                            let bl = Double(s[((top + 1) * width + left) * 3 + k]), br = Double(s[((top + 1) * width + left + 1) * 3 + k])
                            let value = (1 - tb) * ((1 - lr) * tl + lr * tr) + tb * ((1 - lr) * bl + lr * br)
                            out[(r * columns + c) * 3 + k] = UInt8(max(0, min(255, value)))
                        }
                    }
                }
            }
        }
        return chip
    }
}
