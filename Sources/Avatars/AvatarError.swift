/// A problem with an avatar artifact or its inputs, with a message saying which file or value
/// is wrong and what to do about it.
public struct AvatarError: Error, CustomStringConvertible, Sendable {
    /// What went wrong, where, and how to fix it.
    public let description: String

    /// Creates an error with a user-facing message.
    public init(_ description: String) { self.description = description }
}
