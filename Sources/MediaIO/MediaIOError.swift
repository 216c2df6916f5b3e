import Foundation

/// An error from reading or writing media: which file, what went wrong, and what to do about it.
public struct MediaIOError: Error, CustomStringConvertible, Equatable {
    /// The category of failure, for callers (and tests) that react to specific problems.
    public enum Kind: String, Sendable, Equatable {
        /// The file or directory does not exist.
        case fileNotFound
        /// The container or codec is not one the installed FFmpeg / libpng can handle.
        case unsupportedFormat
        /// The data is damaged or truncated; `frameIndex` says where decoding stopped.
        case corruptData
        /// The video contains no frames at all.
        case noFrames
        /// A caller-supplied option is out of range (crop outside the image, zero size, …).
        case invalidArgument
        /// Writing failed (disk full, permissions, encoder refused the settings).
        case writeFailed
        /// A capture or FrameSet directory is inconsistent (missing camera, mismatched counts, sizes or fps).
        case invalidLayout
    }

    /// The category of failure.
    public let kind: Kind
    /// The file or directory concerned.
    public let path: String
    /// The zero-based index of the frame at which the problem occurred, when it concerns one frame.
    public let frameIndex: Int?
    /// What went wrong and how to fix it.
    public let message: String

    /// Creates an error; `message` should say what happened and what the user can do.
    public init(_ kind: Kind, path: String, frameIndex: Int? = nil, _ message: String) {
        self.kind = kind
        self.path = path
        self.frameIndex = frameIndex
        self.message = message
    }

    /// One line: path, frame (if any), message.
    public var description: String {
        if let frameIndex {
            return "\(path): frame \(frameIndex): \(message)"
        }
        return "\(path): \(message)"
    }
}
