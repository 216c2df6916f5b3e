import AvatarFlow
import AvatarFlowCLI
import Foundation
import MediaIO
import Tensors

/// What the `avatarflow` binary adds to the engine's CLI: the libraries' versions and settings
/// for each run's `environment.json`, and MediaIO-made video frames and thumbnails for reports.
public enum ProductionHost {
    /// The host the `avatarflow` binary runs the CLI with.
    public static let services = CLIHost(environmentComponents: components, previews: Previews())

    /// OpenBLAS kernel and thread counts, the Tensors thread pool, the FFmpeg versions.
    @Sendable static func components() -> [String: String] {
        let blas = OpenBLAS.shared
        var openBLAS = blas.coreName
        if let requested = blas.requestedCoreType { openBLAS += " (OPENBLAS_CORETYPE=\(requested) set by AvatarFlow)" }
        return [
            "OpenBLAS kernel": openBLAS,
            "Tensors threads": "\(ThreadPool.shared.threadCount) (one per usable CPU)",
            "FFmpeg": MediaPreviews.ffmpegVersions,
        ]
    }

    /// `MediaPreviewing` through MediaIO.
    struct Previews: MediaPreviewing {
        func videoFrames(of url: URL, count: Int, maxWidth: Int) throws -> [Data] {
            try MediaPreviews.videoFrames(of: url, count: count, maxWidth: maxWidth)
        }

        func thumbnail(ofPNG url: URL, maxWidth: Int) throws -> Data {
            try MediaPreviews.thumbnail(ofPNG: url, maxWidth: maxWidth)
        }
    }
}
