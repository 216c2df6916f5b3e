/// An error configuring or writing a synthetic capture (out-of-range parameter, unwritable directory).
public struct SyntheticCaptureError: Error, CustomStringConvertible, Sendable {
    /// What went wrong and what to do about it.
    public let description: String

    /// Creates an error with a user-facing message.
    public init(_ description: String) {
        self.description = description
    }
}
