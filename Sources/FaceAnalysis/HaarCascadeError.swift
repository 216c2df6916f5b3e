/// A Haar cascade file that cannot be used: which file, where in it, and what to do.
public struct HaarCascadeError: Error, CustomStringConvertible {
    /// The cascade file (or `<memory>` for in-memory data).
    public var file: String
    /// 1-based line in the file when known.
    public var line: Int?
    /// What is wrong.
    public var message: String

    /// Creates an error for `file`, optionally pointing at `line`.
    public init(file: String, line: Int? = nil, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    /// `file:line: message` plus a hint to use an OpenCV 3/4 Haar cascade.
    public var description: String {
        let place = line.map { "\(file):\($0)" } ?? file
        return "\(place): \(message) — expected an OpenCV (3.x/4.x format) Haar cascade such as "
            + "/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml (Debian package opencv-data)"
    }
}
