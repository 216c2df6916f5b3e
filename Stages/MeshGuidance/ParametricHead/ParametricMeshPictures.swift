import DifferentiableMesh
import Foundation
import MediaIO
import Tensors

/// GPHM's disentanglement picture (Fig. 3): rows are training identities' codes, columns the
/// expression codes of the first subject's frames, all rendered by Ψ in the first subject's
/// middle camera — expression transfer across the population.
enum ParametricMeshPictures {
    /// Writes `identities-x-expressions.png` (up to 4 × 6 tiles) into `folder`.
    static func writeGrid(
        trainer: ParametricMeshTrainer, mesh: (vertices: Tensor, faces: [SIMD3<Int32>], features: Tensor), to folder: URL
    ) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let data = trainer.data
        let firstSubject = data.frames.filter { $0.subject == 0 }
        guard let reference = firstSubject.first, !reference.views.isEmpty else { return }
        let view = reference.views[reference.views.count / 2]
        let rows = Array(0..<min(4, data.subjects.count)), columns = Array(firstSubject.prefix(6).map(\.expression))
        let h = view.high.shape[2], w = view.high.shape[3]
        var samples = [UInt8](repeating: 255, count: 3 * w * columns.count * h * rows.count)
        let adjacency = TriangleAdjacency(triangles: mesh.faces)
        let stride = 3 * w * columns.count
        for (r, identity) in rows.enumerated() {
            for (c, expression) in columns.enumerated() {
                let image = try trainer.render(identity: identity, expression: expression, view: view, mesh: mesh, adjacency: adjacency).high.value
                    .scalars
                for y in 0..<h {
                    for x in 0..<w {
                        for channel in 0..<3 {
                            samples[(r * h + y) * stride + 3 * (c * w + x) + channel] = Image8.byte(unit: image[(channel * h + y) * w + x])
                        }
                    }
                }
            }
        }
        try PNGFile.write(
            Image8(width: w * columns.count, height: h * rows.count, channels: 3, samples: samples),
            to: folder.appendingPathComponent("identities-x-expressions.png"))
    }
}
