import DifferentiableMesh
import Foundation
import MediaIO
import Tensors

/// Pictures for people: for a few views, the frame beside the fitted mesh's render (RGB channels
/// over white) and the silhouettes overlaid (frame alpha red, mesh alpha green, both yellow).
enum GuidancePictures {
    static func write(trainer: SDFGuidanceTrainer, mesh: SDFGuidanceTrainer.NeutralMesh, to folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let adjacency = TriangleAdjacency(triangles: mesh.faces)
        let frames = trainer.data.trainingByFrame
        let chosenFrames = Array(Set([0, frames.count / 2])).sorted()
        for frame in chosenFrames where frames.indices.contains(frame) {
            let views = Array(frames[frame].prefix(4)) + trainer.data.heldOut.filter { $0.frame == frame }
            for view in views {
                let rendered = try trainer.render(view: view, mesh: mesh, adjacency: adjacency)
                let heldOut = trainer.data.heldOut.contains { $0.cameraID == view.cameraID }
                let name = String(format: "frame%04d_%@%@.png", frame, view.cameraID, heldOut ? "_heldout" : "")
                try PNGFile.write(
                    sideBySide(view: view, rgb: rendered.rgb, alpha: rendered.alpha, parts: rendered.parts), to: folder.appendingPathComponent(name))
            }
        }
    }

    /// [frame | render | silhouettes (red target, green render)], 8-bit RGB; with the visible head and
    /// hair of a two-part fit `parts` `[H, W, 2]`, a fourth panel shows them (head red, hair green).
    static func sideBySide(view: GuidanceView, rgb: Tensor, alpha: Tensor, parts: Tensor? = nil) -> Image8 {
        let h = view.rgb.shape[0], w = view.rgb.shape[1], panels = parts == nil ? 3 : 4
        var samples = [UInt8](repeating: 255, count: 3 * w * panels * h)
        let frame = view.rgb.scalars, render = rgb.scalars, target = view.alpha.scalars, coverage = alpha.scalars
        let byte = Image8.byte(unit:)
        for y in 0..<h {
            for x in 0..<w {
                let p = y * w + x, row = y * panels * w
                for c in 0..<3 {
                    samples[3 * (row + x) + c] = byte(frame[3 * p + c])
                    samples[3 * (row + w + x) + c] = byte(render[3 * p + c])
                }
                let overlay = [target[p], coverage[p], 0]
                for c in 0..<3 { samples[3 * (row + 2 * w + x) + c] = byte(overlay[c]) }
                if let parts {
                    let part = [parts.scalars[2 * p], parts.scalars[2 * p + 1], 0]
                    for c in 0..<3 { samples[3 * (row + 3 * w + x) + c] = byte(part[c]) }
                }
            }
        }
        return Image8(width: panels * w, height: h, channels: 3, samples: samples)
    }
}
