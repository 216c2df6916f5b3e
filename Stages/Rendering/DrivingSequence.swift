import HeadModel

/// Temporal smoothing of a driving Tracking sequence: every per-frame quantity (rotation,
/// translation, jaw, neck, eyes, expression) is replaced by its mean over a window of ±`radius` frames
/// (clamped at the ends). Axis-angle vectors are averaged component-wise, which is accurate for
/// the small frame-to-frame rotations of a head.
enum DrivingSequence {
    static func smoothed(_ frames: [HeadTracking.Frame], radius: Int) -> [HeadTracking.Frame] {
        guard radius > 0, frames.count > 1 else { return frames }
        func average(_ values: [[Double]]) -> [Double] {
            var sum = [Double](repeating: 0, count: values[0].count)
            for value in values { for i in sum.indices where i < value.count { sum[i] += value[i] } }
            return sum.map { $0 / Double(values.count) }
        }
        return frames.indices.map { f in
            let window = Array(frames[max(0, f - radius)...min(frames.count - 1, f + radius)])
            var frame = frames[f]
            frame.rotation = average(window.map(\.rotation))
            frame.translation = average(window.map(\.translation))
            frame.jaw = average(window.map(\.jaw))
            frame.neck = average(window.map(\.neck))
            frame.leftEye = average(window.map(\.leftEye))
            frame.rightEye = average(window.map(\.rightEye))
            frame.expression = average(window.map(\.expression))
            return frame
        }
    }
}
