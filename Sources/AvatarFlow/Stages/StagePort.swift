/// A named, typed input or output of a stage.
public struct StagePort: Sendable, Hashable, Codable {
    /// The port name used in pipelines (`in: {frames: decode.frames}`).
    public var name: String
    /// The artifact type flowing through it.
    public var type: ArtifactType
    /// An optional input may be left unconnected; outputs are never optional.
    public var optional: Bool
    /// One line saying what flows through the port.
    public var doc: String

    /// Creates a port.
    public init(_ name: String, _ type: ArtifactType, optional: Bool = false, doc: String) {
        self.name = name
        self.type = type
        self.optional = optional
        self.doc = doc
    }
}
