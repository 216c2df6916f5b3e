/// The VGG weights for `VGGPerceptualLoss` cannot be used: the file is missing or unreadable, or a
/// tensor is missing or mis-shaped. The message names the file, the tensor and how to make a good file.
public struct VGGWeightsError: Error, CustomStringConvertible, Sendable {
    /// What is wrong and what to do.
    public let description: String

    /// Creates an error with a user-facing message.
    public init(_ description: String) { self.description = description }
}
