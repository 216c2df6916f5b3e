import Geometry
import HeadModel

extension HeadTracking {
    /// The tracking with learnt per-frame rigid corrections folded in (see `RigidOffset`): each
    /// frame's root rotation becomes R(δ_f)·R_root and its translation gains τ_f. `rotations` and
    /// `translations` hold 3 floats per frame (axis-angle radians, world units). The composition is
    /// exact because the correction rotates the posed head about its posed pivot, as the root joint does.
    public func applyingRigidCorrections(rotations: [Float], translations: [Float]) -> HeadTracking {
        precondition(
            rotations.count == 3 * frames.count && translations.count == 3 * frames.count,
            "one rotation and one translation correction per tracked frame")
        var refined = self
        for f in refined.frames.indices {
            let delta = SIMD3(rotations[3 * f], rotations[3 * f + 1], rotations[3 * f + 2])
            let root = SIMD3<Float>(refined.frames[f].rotation.map(Float.init))
            let composed = (Matrix3x3(rotationVector: delta) * Matrix3x3(rotationVector: root)).rotationVector
            refined.frames[f].rotation = [Double(composed.x), Double(composed.y), Double(composed.z)]
            for a in 0..<3 { refined.frames[f].translation[a] += Double(translations[3 * f + a]) }
        }
        return refined
    }
}
