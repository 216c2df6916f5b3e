import Foundation

/// A uniquely named file under the temporary directory, removed when the value is released.
final class TemporaryFile {
    let url: URL

    init(_ bytes: [UInt8], suffix: String) throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("face-analysis-\(UUID().uuidString)\(suffix)")
        try Data(bytes).write(to: url)
    }

    deinit { try? FileManager.default.removeItem(at: url) }
}
