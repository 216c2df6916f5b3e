import Tensors

/// An auto-decoded code table (GPHM §3.2: one identity code z^id per subject, one expression code
/// z^exp per training frame), optimised jointly with the networks; rows are named so that an
/// artifact can say which subject or frame a code belongs to.
///
/// There is no encoder: a new person's codes are found by inverse rendering (§3.4).
public struct LatentCodeTable: Layer {
    /// Row names, e.g. "subject003" or "subject003/smile", unique.
    public let names: [String]
    /// The codes, `[names.count, width]`.
    public let codes: Parameter

    /// Codes drawn from N(0, `standardDeviation`²) (DeepSDF's auto-decoder initialisation).
    /// - Throws: `AvatarError` when a name repeats or the table is empty.
    public init(names: [String], width: Int, standardDeviation: Float, generator: inout SplitMix64) throws {
        try self.init(names: names, codes: Tensor.normal(shape: [names.count, width], standardDeviation: standardDeviation, generator: &generator))
    }

    /// A table with the given code values (e.g. read from an artifact), `[names.count, width]`.
    /// - Throws: `AvatarError` when a name repeats, the table is empty or the shape disagrees.
    public init(names: [String], codes: Tensor) throws {
        guard !names.isEmpty else { throw AvatarError("a latent code table needs at least one named row") }
        guard Set(names).count == names.count else {
            throw AvatarError("latent code names repeat: \(names.filter { n in names.filter { $0 == n }.count > 1 }.sorted().first!)")
        }
        guard codes.rank == 2, codes.shape[0] == names.count, codes.shape[1] >= 1 else {
            throw AvatarError("latent codes have shape \(codes.shape), expected [\(names.count), width ≥ 1]")
        }
        self.names = names
        self.codes = Parameter(codes)
    }

    /// Dimension of one code.
    public var width: Int { codes.shape[1] }

    /// The row of `name`, or nil.
    public func row(of name: String) -> Int? { names.firstIndex(of: name) }

    /// Code `row` as `[1, width]` on `tape` (gradients reach only that row), or a constant when nil.
    public func code(_ row: Int, on tape: Tape?) -> Variable {
        precondition(names.indices.contains(row), "code row \(row) outside 0..<\(names.count)")
        return codes.variable(on: tape).gatherRows([Int32(row)])
    }

    /// `codes`.
    public var namedParameters: [(name: String, parameter: Parameter)] { [("codes", codes)] }
}
