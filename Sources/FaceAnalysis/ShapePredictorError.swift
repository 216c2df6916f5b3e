/// A dlib shape-predictor file that cannot be used: which file, at which byte, and what to do.
public struct ShapePredictorError: Error, CustomStringConvertible {
    /// The model file (or `<memory>`).
    public var file: String
    /// Byte offset where reading failed, when known.
    public var byteOffset: Int?
    /// What is wrong.
    public var message: String

    /// Creates an error for `file`, optionally pointing at a byte offset.
    public init(file: String, byteOffset: Int? = nil, message: String) {
        self.file = file
        self.byteOffset = byteOffset
        self.message = message
    }

    /// `file (byte N): message` plus where to get a valid model.
    public var description: String {
        let place = byteOffset.map { "\(file) (byte \($0))" } ?? file
        return "\(place): \(message) — expected a dlib shape_predictor file such as "
            + "/usr/share/dlib/shape_predictor_68_face_landmarks.dat (Debian package libdlib-data); "
            + "re-install it if it was truncated or modified"
    }
}
