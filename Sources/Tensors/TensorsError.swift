/// An error raised by the Tensors module for bad user input (files, shapes read from disk, indices).
public struct TensorsError: Error, CustomStringConvertible {
    /// What went wrong, where, and what to do about it.
    public let message: String

    /// Creates an error with an actionable message.
    public init(_ message: String) {
        self.message = message
    }

    /// The message, so the error prints as something a user can act on.
    public var description: String { message }
}
