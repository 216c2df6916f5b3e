/// The iBUG-300W 68-point facial landmark convention (as used by dlib's shape predictor).
/// "Right"/"left" are the subject's: the subject's right side appears on the image left in a
/// frontal view, and point 0 is on the image left.
public enum IBUG68 {
    /// Number of landmarks.
    public static let count = 68
    /// Jaw contour, image left to right (subject's right ear to left ear via the chin).
    public static let jaw = 0...16
    /// Subject's right eyebrow, outer to inner.
    public static let rightBrow = 17...21
    /// Subject's left eyebrow, inner to outer.
    public static let leftBrow = 22...26
    /// Nose bridge, top to tip.
    public static let noseBridge = 27...30
    /// Lower nose, image left to right (31 right ala, 33 subnasale, 35 left ala).
    public static let lowerNose = 31...35
    /// Subject's right eye: 36 outer corner, 37–38 upper lid, 39 inner corner, 40–41 lower lid.
    public static let rightEye = 36...41
    /// Subject's left eye: 42 inner corner, 43–44 upper lid, 45 outer corner, 46–47 lower lid.
    public static let leftEye = 42...47
    /// Outer lip contour: 48 right corner, 49–53 upper lip, 54 left corner, 55–59 lower lip.
    public static let outerLip = 48...59
    /// Inner lip contour: 60 right corner, 61–63 upper, 64 left corner, 65–67 lower.
    public static let innerLip = 60...67

    /// For each landmark, the landmark at the mirrored position (left ↔ right).
    public static let mirrored: [Int] = {
        var map = Array(0..<68)
        func pair(_ a: [Int], _ b: [Int]) {
            for (x, y) in zip(a, b) {
                map[x] = y
                map[y] = x
            }
        }
        pair(Array(0...7), Array((9...16).reversed()))
        pair(Array(17...21), Array((22...26).reversed()))
        pair([31, 32], [35, 34])
        pair([36, 37, 38, 39, 40, 41], [45, 44, 43, 42, 47, 46])
        pair([48, 49, 50, 59, 58], [54, 53, 52, 55, 56])
        pair([60, 61, 67], [64, 63, 65])
        return map
    }()
}
