/// Semantic label of a head-model vertex, stored as Int32 in the model file.
public enum HeadRegion: Int32, Sendable, CaseIterable, Codable {
    /// Facial skin: forehead, brows, eyelids, nose, cheeks, lips, chin.
    case face = 0
    /// Hair-covered skin of the cranium (scalp, including the back of the head).
    case scalp = 1
    /// Neck below the jaw and the nape.
    case neck = 2
    /// Eyeballs (rotated by the eye joints).
    case eyes = 3
    /// The mouth cavity behind the lips (teeth, tongue), visible when the mouth opens.
    case mouthInterior = 4
    /// Outer ears.
    case ears = 5

    /// Lower-case name used in manifests and reports.
    public var name: String {
        switch self {
        case .face: "face"
        case .scalp: "scalp"
        case .neck: "neck"
        case .eyes: "eyes"
        case .mouthInterior: "mouth_interior"
        case .ears: "ears"
        }
    }
}
