/// Settings of `HaarCascadeDetector.detect`, with OpenCV's `detectMultiScale` defaults.
public struct HaarDetectionOptions: Sendable, Equatable {
    /// Ratio between successive pyramid scales (> 1; OpenCV default 1.1).
    public var scaleFactor: Double
    /// A group of raw hits is kept when it has more than this many members (OpenCV default 3;
    /// 0 returns the raw, ungrouped window hits).
    public var minNeighbors: Int
    /// Smallest window considered, in pixels (0 = the cascade's window).
    public var minWidth: Int
    /// Smallest window height considered, in pixels.
    public var minHeight: Int
    /// Largest window considered, in pixels (0 = the image size).
    public var maxWidth: Int
    /// Largest window height considered, in pixels (0 = the image size).
    public var maxHeight: Int

    /// Creates options; the defaults equal `cv::CascadeClassifier::detectMultiScale`'s.
    public init(
        scaleFactor: Double = 1.1, minNeighbors: Int = 3, minWidth: Int = 0, minHeight: Int = 0,
        maxWidth: Int = 0, maxHeight: Int = 0
    ) {
        self.scaleFactor = scaleFactor
        self.minNeighbors = minNeighbors
        self.minWidth = minWidth
        self.minHeight = minHeight
        self.maxWidth = maxWidth
        self.maxHeight = maxHeight
    }

    /// Throws when a value cannot work (scale factor ≤ 1, negative sizes or neighbour count).
    public func validate() throws(FaceDetectionOptionsError) {
        guard scaleFactor > 1, scaleFactor.isFinite else {
            throw FaceDetectionOptionsError(message: "scale factor \(scaleFactor) must be greater than 1 (typical: 1.05–1.3)")
        }
        guard minNeighbors >= 0 else { throw FaceDetectionOptionsError(message: "min neighbours \(minNeighbors) must be ≥ 0") }
        guard minWidth >= 0, minHeight >= 0, maxWidth >= 0, maxHeight >= 0 else {
            throw FaceDetectionOptionsError(message: "window size limits must be ≥ 0 (0 means no limit)")
        }
    }
}

/// Detection options that cannot work; the message says which value and what range to use.
public struct FaceDetectionOptionsError: Error, CustomStringConvertible {
    /// What is wrong and how to fix it.
    public var message: String
    /// The message.
    public var description: String { message }
}
