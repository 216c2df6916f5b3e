/// A failure of `gaussians.dynamic` with a message naming the input, iteration or file and the fix.
public struct DynamicGaussiansError: Error, CustomStringConvertible, Sendable {
    /// What went wrong and what to do.
    public let description: String

    /// Creates an error with a user-facing message.
    public init(_ description: String) { self.description = description }
}
