import Foundation

/// Pictures a report needs that the engine cannot make: it decodes no media. The `avatarflow`
/// binary supplies an implementation built on MediaIO (`ProductionHost` in AvatarFlowStages);
/// without one, videos are listed and large pictures named instead of shown.
public protocol MediaPreviewing: Sendable {
    /// Up to `count` frames of the video at `url`, evenly spaced from the first to the last, as PNG
    /// data no wider than `maxWidth` pixels.
    func videoFrames(of url: URL, count: Int, maxWidth: Int) throws -> [Data]
    /// The PNG at `url` scaled down to at most `maxWidth` pixels wide, as PNG data.
    func thumbnail(ofPNG url: URL, maxWidth: Int) throws -> Data
}

/// What a report or an export knows beyond the run directory: the stage catalogue (for the
/// defaults parameters are compared against) and the media previewer.
public struct ReportContext: Sendable {
    /// The stage catalogue the run was made with; nil leaves out "parameters that differ from the defaults".
    public var registry: StageRegistry?
    /// Decodes videos and scales pictures; nil lists videos and names large pictures.
    public var previews: (any MediaPreviewing)?

    /// A context; the empty one gives the engine-only report.
    public init(registry: StageRegistry? = nil, previews: (any MediaPreviewing)? = nil) {
        self.registry = registry
        self.previews = previews
    }
}
