import Foundation

/// The largest picture MediaIO decodes, so that a small file declaring huge dimensions (a 4.6 MB
/// PNG of 40000² pixels) is refused with a clear error instead of allocating gigabytes per frame.
/// Raise it with `AVATARFLOW_LIMIT_IMAGE_PIXELS=<pixels>`.
public struct ImageLimits: Sendable, Equatable {
    /// Pixels per picture (width × height); default 100 million (e.g. 10000 × 10000).
    public var pixels = 100_000_000

    /// The default limit.
    public init() {}

    /// The default with `AVATARFLOW_LIMIT_IMAGE_PIXELS` applied when it is a positive integer; read
    /// once per process (every frame read consults it).
    public static let current: ImageLimits = {
        var limits = ImageLimits()
        if let text = ProcessInfo.processInfo.environment["AVATARFLOW_LIMIT_IMAGE_PIXELS"], let value = Int(text), value > 0 {
            limits.pixels = value
        }
        return limits
    }()

    /// Throws when a `width` × `height` picture at `path` is empty or over the limit.
    public func check(width: Int, height: Int, path: String) throws {
        guard width > 0, height > 0 else {
            throw MediaIOError(.corruptData, path: path, "the picture declares \(width)×\(height) pixels; the file is damaged")
        }
        guard width.multipliedReportingOverflow(by: height).overflow == false, width * height <= pixels else {
            throw MediaIOError(
                .unsupportedFormat, path: path,
                "the picture declares \(width)×\(height) pixels, more than the \(pixels) AvatarFlow decodes; scale it down (e.g. `ffmpeg -i in -vf scale=2048:-2 out`) or raise the limit with AVATARFLOW_LIMIT_IMAGE_PIXELS"
            )
        }
    }
}
