/// A face stage could not run: the stage id and what to change.
public struct FaceStageError: Error, CustomStringConvertible {
    /// The stage id (`face.detect-haar`, `face.landmarks-ert68`).
    public var stage: String
    /// What is wrong and what to do.
    public var message: String

    /// Creates an error for `stage`.
    public init(stage: String, _ message: String) {
        self.stage = stage
        self.message = message
    }

    /// `stage: message`.
    public var description: String { "\(stage): \(message)" }
}
