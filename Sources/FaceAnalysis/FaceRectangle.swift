/// An axis-aligned pixel rectangle covering columns `x ..< x + width` and rows `y ..< y + height`.
///
/// This is OpenCV's `Rect` convention. dlib's `rectangle` is inclusive
/// (`right = x + width - 1`, `bottom = y + height - 1`); `right`/`bottom` give those values.
public struct FaceRectangle: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Left column in pixels.
    public var x: Int
    /// Top row in pixels.
    public var y: Int
    /// Width in pixels.
    public var width: Int
    /// Height in pixels.
    public var height: Int

    /// Creates a rectangle from its top-left corner and size, all in pixels.
    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }

    /// Creates a rectangle from dlib's inclusive corners (`left…right`, `top…bottom`).
    public init(left: Int, top: Int, right: Int, bottom: Int) {
        self.init(x: left, y: top, width: right - left + 1, height: bottom - top + 1)
    }

    /// dlib's inclusive right column, `x + width - 1`.
    public var right: Int { x + width - 1 }
    /// dlib's inclusive bottom row, `y + height - 1`.
    public var bottom: Int { y + height - 1 }
    /// Area in pixels (0 for empty rectangles).
    public var area: Int { max(width, 0) * max(height, 0) }

    /// The overlap with `other` (empty: zero width/height at the origin), like OpenCV's `Rect &`.
    public func intersection(_ other: FaceRectangle) -> FaceRectangle {
        let left = max(x, other.x), top = max(y, other.y)
        let rightEdge = min(x + width, other.x + other.width), bottomEdge = min(y + height, other.y + other.height)
        guard rightEdge > left, bottomEdge > top else { return FaceRectangle(x: 0, y: 0, width: 0, height: 0) }
        return FaceRectangle(x: left, y: top, width: rightEdge - left, height: bottomEdge - top)
    }

    /// Intersection over union of the two pixel areas, in [0, 1].
    public func intersectionOverUnion(_ other: FaceRectangle) -> Double {
        let overlap = intersection(other).area
        let union = area + other.area - overlap
        return union > 0 ? Double(overlap) / Double(union) : 0
    }

    /// `x y width height`.
    public var description: String { "(\(x), \(y), \(width)×\(height))" }
}
