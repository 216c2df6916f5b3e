import Foundation

/// The `eval.images` report: overall and per-camera means, as JSON and as a Markdown table.
struct MetricsReport: Codable {
    var frames: Int
    var cameras: [String]
    var overall: ImageMetrics
    var perCamera: [String: ImageMetrics]
    /// Region scores (`regions:`), absent without a masks input.
    var regions: [String: RegionReport]?

    /// One region's scores: overall and per camera (cameras where it never appears are left out).
    struct RegionReport: Codable {
        var overall: RegionMetrics
        var perCamera: [String: RegionMetrics]

        enum CodingKeys: String, CodingKey {
            case overall
            case perCamera = "per_camera"
        }
    }

    enum CodingKeys: String, CodingKey {
        case frames, cameras, overall, regions
        case perCamera = "per_camera"
    }

    var markdown: String {
        func cell(_ value: Double?, _ format: String) -> String { value.map { String(format: format, $0) } ?? "–" }
        var lines = ["| camera | PSNR (dB) | SSIM | L1 | masked PSNR (dB) | masked SSIM | masked L1 |", "|---|---|---|---|---|---|---|"]
        for (name, m) in cameras.map({ ($0, perCamera[$0]!) }) + [("overall", overall)] {
            lines.append(
                "| \(name) | \(cell(m.psnr, "%.2f")) | \(cell(m.ssim, "%.4f")) | \(cell(m.l1, "%.4f")) | "
                    + "\(cell(m.maskedPSNR, "%.2f")) | \(cell(m.maskedSSIM, "%.4f")) | \(cell(m.maskedL1, "%.4f")) |")
        }
        var text = lines.joined(separator: "\n") + "\n\n\(frames) frames per camera.\n"
        if let regions, !regions.isEmpty {
            var table = ["| region | PSNR (dB) | SSIM | L1 | coverage |", "|---|---|---|---|---|"]
            for name in regions.keys.sorted() {
                let m = regions[name]!.overall
                table.append("| \(name) | \(cell(m.psnr, "%.2f")) | \(cell(m.ssim, "%.4f")) | \(cell(m.l1, "%.4f")) | \(cell(m.coverage, "%.4f")) |")
            }
            text += "\nInside each region (all cameras):\n\n" + table.joined(separator: "\n") + "\n"
        }
        return text
    }

    func write(to directory: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: directory.appendingPathComponent("metrics.json"), options: .atomic)
        try Data(markdown.utf8).write(to: directory.appendingPathComponent("metrics.md"), options: .atomic)
    }
}
