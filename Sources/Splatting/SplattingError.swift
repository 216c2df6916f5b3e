/// An error from the Splatting module: invalid Gaussian parameters, malformed PLY files or
/// mismatched buffer shapes. The message names the Gaussian, field or file position at fault.
public struct SplattingError: Error, CustomStringConvertible, Equatable {
    /// What went wrong, with the place (Gaussian index and field, or file and byte offset) and a hint.
    public var description: String

    /// Creates an error with a user-facing message.
    public init(_ description: String) { self.description = description }

    /// A NaN or infinite parameter: `field` is e.g. `"means"`, `component` the index within the
    /// Gaussian's entries of that field.
    static func nonFinite(field: String, gaussian: Int, component: Int, value: Float) -> SplattingError {
        SplattingError(
            "Gaussian \(gaussian) has a non-finite \(field)[\(component)] = \(value); "
                + "the optimisation diverged or the input is corrupt (lower the learning rate, or remove the Gaussian)")
    }
}
