import Foundation

/// Builders for multi-camera rigs.
public enum CameraRig {
    /// `count` cameras on a horizontal arc of `arcDegrees` centred on the +z direction from
    /// `target`, at distance `radius` (metres) and height offset `elevation` (metres, +y up),
    /// all looking at `target`, ids "cam00", "cam01", … ordered from −x (the subject's right)
    /// to +x. One camera sits straight in front.
    public static func arc(
        count: Int, arcDegrees: Float, radius: Float, elevation: Float = 0,
        target: SIMD3<Float>, width: Int, height: Int,
        horizontalFieldOfView: Float
    ) throws -> [PinholeCamera] {
        guard count >= 1 else { throw GeometryError("a camera arc needs at least one camera, got \(count)") }
        guard radius > 0 else { throw GeometryError("the camera arc radius must be positive, got \(radius)") }
        guard width > 0, height > 0 else { throw GeometryError("image size must be positive, got \(width)×\(height)") }
        return (0..<count).map { index in
            let fraction: Float = count == 1 ? 0.5 : Float(index) / Float(count - 1)
            let azimuth = (fraction - 0.5) * arcDegrees * .pi / 180
            let eye = target + SIMD3(radius * sin(azimuth), elevation, radius * cos(azimuth))
            return PinholeCamera(
                id: String(format: "cam%02d", index), width: width, height: height,
                horizontalFieldOfView: horizontalFieldOfView, eye: eye, target: target)
        }
    }
}
