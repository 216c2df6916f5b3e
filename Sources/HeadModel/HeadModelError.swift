/// An error reading, writing or evaluating a head model: a malformed model directory, a blob of
/// the wrong size, or coefficient vectors of the wrong length.
public struct HeadModelError: Error, CustomStringConvertible, Sendable {
    /// What went wrong and what to do about it.
    public let description: String

    /// Creates an error with a user-facing message.
    public init(_ description: String) {
        self.description = description
    }
}
