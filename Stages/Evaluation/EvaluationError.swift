/// A failure of an evaluation stage with a message naming the input and the fix.
public struct EvaluationError: Error, CustomStringConvertible, Sendable {
    /// What went wrong and what to do.
    public let description: String

    /// Creates an error with a user-facing message.
    public init(_ description: String) { self.description = description }
}
