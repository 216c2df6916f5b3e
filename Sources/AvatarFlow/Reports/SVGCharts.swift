import Foundation

/// A line chart drawn as inline SVG by our own code (no JavaScript, no plotting library): one or
/// more series of (x, y) points on linear axes with tick labels.
///
/// The `<svg>` carries `data-x-domain`, `data-y-domain` and `data-plot-area` and every
/// `<polyline>` its series' values in `data-values`, so a reader (or a test) can map the drawn
/// coordinates back to the numbers.
public struct LinePlot: Sendable {
    /// One named curve.
    public struct Series: Sendable {
        /// The legend text.
        public var name: String
        /// The points in data units, in drawing order; non-finite points are left out.
        public var points: [SIMD2<Double>]
        /// Creates a series.
        public init(name: String, points: [SIMD2<Double>]) {
            self.name = name
            self.points = points
        }
    }

    /// The title drawn above the plot.
    public var title: String
    /// The x axis label.
    public var xLabel: String
    /// The y axis label.
    public var yLabel: String
    /// The curves.
    public var series: [Series]
    /// Size of the whole SVG in pixels.
    public var width = 460.0, height = 250.0

    /// Margins around the plot area (left for the y tick labels, bottom for the x ones).
    static let margin = (left: 58.0, right: 14.0, top: 26.0, bottom: 38.0)
    /// Stroke colours, cycled over the series.
    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2"]

    /// Creates a plot.
    public init(title: String, xLabel: String, yLabel: String, series: [Series]) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series.map { Series(name: $0.name, points: $0.points.filter { $0.x.isFinite && $0.y.isFinite }) }
    }

    /// The data ranges shown: the points' extent, widened when flat, y padded by 5 %.
    public var domain: (x: ClosedRange<Double>, y: ClosedRange<Double>) {
        let points = series.flatMap(\.points)
        guard let first = points.first else { return (0...1, 0...1) }
        var x = (first.x, first.x), y = (first.y, first.y)
        for point in points {
            x = (min(x.0, point.x), max(x.1, point.x))
            y = (min(y.0, point.y), max(y.1, point.y))
        }
        if x.0 == x.1 { x = (x.0 - 1, x.1 + 1) }
        if y.0 == y.1 {
            let pad = max(abs(y.0) * 0.05, 1e-9)
            y = (y.0 - pad, y.1 + pad)
        } else {
            let pad = (y.1 - y.0) * 0.05
            y = (y.0 - pad, y.1 + pad)
        }
        return (x.0...x.1, y.0...y.1)
    }

    /// The plot area in SVG pixels: left, top, width, height.
    public var plotArea: (left: Double, top: Double, width: Double, height: Double) {
        let m = Self.margin
        return (m.left, m.top, width - m.left - m.right, height - m.top - m.bottom)
    }

    /// Maps a data point to SVG pixels (y grows downwards).
    public func position(_ point: SIMD2<Double>) -> SIMD2<Double> {
        let (xDomain, yDomain) = domain
        let area = plotArea
        let u = (point.x - xDomain.lowerBound) / (xDomain.upperBound - xDomain.lowerBound)
        let v = (point.y - yDomain.lowerBound) / (yDomain.upperBound - yDomain.lowerBound)
        return SIMD2(area.left + u * area.width, area.top + (1 - v) * area.height)
    }

    /// The SVG element.
    public func svg() -> String {
        let (xDomain, yDomain) = domain
        let area = plotArea
        let c = Markup.coordinate
        var body = ""
        body += Markup.text("title", [:], title)
        body += Markup.element(
            "rect",
            ["x": c(area.left), "y": c(area.top), "width": c(area.width), "height": c(area.height), "fill": "#fff", "stroke": "#999"])
        for tick in Self.ticks(xDomain) {
            let x = position(SIMD2(tick, yDomain.lowerBound)).x
            body += Markup.element(
                "line", ["x1": c(x), "y1": c(area.top), "x2": c(x), "y2": c(area.top + area.height), "stroke": "#eee"])
            body += Markup.text(
                "text", ["x": c(x), "y": c(area.top + area.height + 14), "text-anchor": "middle", "class": "tick"], Markup.tick(tick))
        }
        for tick in Self.ticks(yDomain) {
            let y = position(SIMD2(xDomain.lowerBound, tick)).y
            body += Markup.element(
                "line", ["x1": c(area.left), "y1": c(y), "x2": c(area.left + area.width), "y2": c(y), "stroke": "#eee"])
            body += Markup.text("text", ["x": c(area.left - 4), "y": c(y + 4), "text-anchor": "end", "class": "tick"], Markup.tick(tick))
        }
        body += Markup.text("text", ["x": c(area.left), "y": "16", "class": "plot-title"], title)
        body += Markup.text(
            "text", ["x": c(area.left + area.width / 2), "y": c(height - 6), "text-anchor": "middle", "class": "axis"], xLabel)
        body += Markup.text(
            "text",
            [
                "x": "12", "y": c(area.top + area.height / 2), "text-anchor": "middle", "class": "axis",
                "transform": "rotate(-90 12 \(c(area.top + area.height / 2)))",
            ], yLabel)
        for (index, curve) in series.enumerated() {
            let colour = Self.palette[index % Self.palette.count]
            let points = curve.points.map { position($0) }.map { "\(c($0.x)),\(c($0.y))" }.joined(separator: " ")
            let values = curve.points.map { "\($0.x),\($0.y)" }.joined(separator: " ")
            body += Markup.element(
                "polyline",
                [
                    "data-series": curve.name, "data-values": values, "points": points, "fill": "none", "stroke": colour,
                    "stroke-width": "1.5",
                ])
            if curve.points.count == 1, let only = curve.points.first {
                let p = position(only)
                body += Markup.element("circle", ["cx": c(p.x), "cy": c(p.y), "r": "3", "fill": colour])
            }
            if series.count > 1 {
                let y = area.top + 14 + Double(index) * 14
                body += Markup.text(
                    "text", ["x": c(area.left + area.width - 6), "y": c(y), "text-anchor": "end", "fill": colour, "class": "legend"],
                    curve.name)
            }
        }
        return Markup.element(
            "svg",
            [
                "xmlns": "http://www.w3.org/2000/svg", "width": c(width), "height": c(height),
                "viewBox": "0 0 \(c(width)) \(c(height))", "class": "plot", "role": "img",
                "data-x-domain": "\(xDomain.lowerBound) \(xDomain.upperBound)",
                "data-y-domain": "\(yDomain.lowerBound) \(yDomain.upperBound)",
                "data-plot-area": "\(area.left) \(area.top) \(area.width) \(area.height)",
            ], body)
    }

    /// Round tick values (steps of 1, 2 or 5 × 10ⁿ) inside `range`, about five of them.
    public static func ticks(_ range: ClosedRange<Double>) -> [Double] {
        let span = range.upperBound - range.lowerBound
        guard span > 0, span.isFinite else { return [range.lowerBound] }
        let raw = span / 5
        let power = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * power }.first { $0 >= raw } ?? 10 * power
        var ticks: [Double] = []
        var value = (range.lowerBound / step).rounded(.up) * step
        while value <= range.upperBound + step * 1e-9, ticks.count < 20 {
            ticks.append(abs(value) < step * 1e-9 ? 0 : value)
            value += step
        }
        return ticks
    }
}

/// When each stage ran, as horizontal bars on a shared time axis (inline SVG): the run's
/// critical path and its parallelism at a glance.
public struct TimelineChart: Sendable {
    /// One stage's bar.
    public struct Bar: Sendable {
        /// The stage's name.
        public var stage: String
        /// Seconds since the run started.
        public var start: Double
        /// Seconds since the run started (equal to `start` for a cached stage: drawn as a tick).
        public var end: Double
        /// `ran`, `cached`, `failed`, `skipped` or `running`; chooses the colour.
        public var status: String
        /// Creates a bar.
        public init(stage: String, start: Double, end: Double, status: String) {
            self.stage = stage
            self.start = start
            self.end = end
            self.status = status
        }
    }

    /// The bars, top to bottom.
    public var bars: [Bar]
    /// Width of the SVG in pixels.
    public var width = 720.0

    /// Creates a chart.
    public init(bars: [Bar]) { self.bars = bars }

    static func colour(_ status: String) -> String {
        switch status {
        case "ran": return "#2ca02c"
        case "cached": return "#7f7f7f"
        case "failed": return "#d62728"
        case "running": return "#ff7f0e"
        default: return "#bbbbbb"
        }
    }

    /// The SVG element.
    public func svg() -> String {
        let c = Markup.coordinate
        let label = 110.0, right = 70.0, row = 18.0, top = 8.0, axis = 26.0
        let height = top + Double(bars.count) * row + axis
        let span = max(bars.map(\.end).max() ?? 1, 1e-3)
        let scale = (width - label - right) / span
        var body = ""
        for tick in LinePlot.ticks(0...span) {
            let x = label + tick * scale
            body += Markup.element(
                "line", ["x1": c(x), "y1": c(top), "x2": c(x), "y2": c(height - axis + 4), "stroke": "#eee"])
            body += Markup.text(
                "text", ["x": c(x), "y": c(height - axis + 16), "text-anchor": "middle", "class": "tick"], Markup.duration(tick))
        }
        for (index, bar) in bars.enumerated() {
            let y = top + Double(index) * row
            body += Markup.text("text", ["x": c(label - 6), "y": c(y + 12), "text-anchor": "end", "class": "tick"], bar.stage)
            let x = label + bar.start * scale
            let w = max(2, (bar.end - bar.start) * scale)
            let tip = "\(bar.stage): \(bar.status), \(Markup.duration(bar.end - bar.start)) from \(Markup.duration(bar.start))"
            body += Markup.element(
                "rect",
                [
                    "x": c(x), "y": c(y + 3), "width": c(w), "height": c(row - 6), "fill": Self.colour(bar.status),
                    "data-stage": bar.stage, "data-start": "\(bar.start)", "data-end": "\(bar.end)",
                ], Markup.text("title", [:], tip))
            body += Markup.text(
                "text", ["x": c(x + w + 4), "y": c(y + 12), "class": "tick"],
                bar.status == "ran" ? Markup.duration(bar.end - bar.start) : bar.status)
        }
        body += Markup.text("text", ["x": c(label), "y": c(height - 2), "class": "axis"], "time since the run started")
        return Markup.element(
            "svg",
            [
                "xmlns": "http://www.w3.org/2000/svg", "width": c(width), "height": c(height), "viewBox": "0 0 \(c(width)) \(c(height))",
                "class": "timeline", "role": "img",
            ], body)
    }
}
