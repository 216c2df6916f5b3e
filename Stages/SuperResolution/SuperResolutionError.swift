/// A failure of a super-resolution stage with a message naming the input, parameter or file and the fix.
public struct SuperResolutionError: Error, CustomStringConvertible, Sendable {
    /// What went wrong and what to do.
    public let description: String

    /// Creates an error with a user-facing message.
    public init(_ description: String) { self.description = description }
}
