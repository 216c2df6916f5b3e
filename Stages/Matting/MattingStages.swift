import AvatarFlow
import MediaIO

/// The matting stage family.
public enum MattingStages {
    /// Every matting stage.
    public static let all: [any Stage.Type] = [DifferenceMattingStage.self, GrabCutMattingStage.self, HeadHairParsingStage.self, RemovePartsStage.self]

    /// Mean alpha over all pixels of RGBA images (the fraction of the picture that is foreground), for the stages' logs.
    static func meanAlpha(_ images: [Image8]) -> Double {
        guard let first = images.first else { return 0 }
        let total = images.reduce(0.0) { sum, image in
            sum + stride(from: 3, to: image.samples.count, by: 4).reduce(0.0) { $0 + Double(image.samples[$1]) } / 255
        }
        return total / Double(images.count * first.width * first.height)
    }
}
