/// Settings of a synthetic multi-view capture. Every value has a default; `validate()` checks ranges.
public struct SyntheticCaptureConfiguration: Sendable, Codable, Equatable {
    /// Seed of the subject (identity shape, skin, hair, performance, backdrop). Same seed, same bytes.
    public var seed: UInt64 = 1
    /// Training cameras on the arc (1–16).
    public var cameraCount: Int = 8
    /// Angle spanned by the training cameras, degrees (0–180).
    public var arcDegrees: Float = 120
    /// Rows of the training camera arc (1–2): with 2, cameras alternate between 10 cm above and
    /// 6 cm below the single-row height, staggered along the arc (a NeRSemble-like 16-camera rig
    /// is `cameraCount` 16, `cameraRows` 2 over 120°).
    public var cameraRows: Int = 1
    /// Extra held-out cameras for novel-view evaluation (0–4), placed between the training cameras and slightly higher.
    public var heldOutCameraCount: Int = 2
    /// Image width in pixels (32–2048).
    public var width: Int = 256
    /// Image height in pixels (32–2048).
    public var height: Int = 256
    /// Frames of the training sequence (2–1000; the quickstart uses 60–120).
    public var frameCount: Int = 90
    /// Frames of the held-out reenactment sequence with other expressions (0–1000).
    public var heldOutFrameCount: Int = 30
    /// Frame rate, frames per second (used for the hair simulation and animation timing).
    public var framesPerSecond: Float = 25
    /// Supersampling factor per axis (1–4): 2 renders at twice the size and box-filters, giving soft edges.
    public var supersampling: Int = 1
    /// Amplitude in metres of a slow sideways sway of the whole subject (head, hair and shoulders,
    /// period 4 s); 0 keeps the subject seated. Estimating a background plate as the temporal
    /// median needs every part of the subject to move off every pixel at some point.
    public var sway: Float = 0
    /// What the subject does (`talking`, `hair-swing`, `expressive`); each has its own held-out sequence.
    public var motion: SyntheticMotion = .talking
    /// Amplitude in metres of a slow, smooth hand-held motion of the training cameras (sums of
    /// 0.1–0.35 Hz sinusoids on the eye and a third of it on the look-at point); 0 = tripods.
    /// The true per-frame cameras are in groundtruth/<sequence>/cameras.f32.
    public var handheld: Float = 0
    /// Write the training cameras' images as H.264 MP4 files (`<camera>.mp4`, as from a phone)
    /// instead of PNG folders, with their background plates only under groundtruth/ — the
    /// own-video test clip. Lossless PNGs stay in groundtruth/<sequence>/images/.
    public var video: Bool = false
    /// Draw the subject's appearance from the population's wider ranges (skin tone and texture,
    /// seven hair colours, eye colour, hair length 4–30 cm, volume and parting); off keeps the
    /// default subject of each seed.
    public var identityVariety: Bool = false

    /// Creates the default configuration.
    public init() {}

    /// Throws a `SyntheticCaptureError` naming the first out-of-range value.
    public func validate() throws {
        func check(_ ok: Bool, _ message: String) throws {
            if !ok { throw SyntheticCaptureError("synthetic capture: \(message)") }
        }
        try check((1...16).contains(cameraCount), "cameraCount must be in 1…16, got \(cameraCount)")
        try check(arcDegrees >= 0 && arcDegrees <= 180, "arcDegrees must be in 0…180, got \(arcDegrees)")
        try check((1...2).contains(cameraRows), "cameraRows must be 1 or 2, got \(cameraRows)")
        try check((0...4).contains(heldOutCameraCount), "heldOutCameraCount must be in 0…4, got \(heldOutCameraCount)")
        try check((32...2048).contains(width) && (32...2048).contains(height), "width and height must be in 32…2048, got \(width)×\(height)")
        try check((2...1000).contains(frameCount), "frameCount must be in 2…1000, got \(frameCount)")
        try check((0...1000).contains(heldOutFrameCount), "heldOutFrameCount must be in 0…1000, got \(heldOutFrameCount)")
        try check(framesPerSecond >= 1 && framesPerSecond <= 240, "framesPerSecond must be in 1…240, got \(framesPerSecond)")
        try check((1...4).contains(supersampling), "supersampling must be in 1…4, got \(supersampling)")
        try check(sway >= 0 && sway <= 0.5, "sway must be in 0…0.5 m, got \(sway)")
        try check(handheld >= 0 && handheld <= 0.2, "handheld must be in 0…0.2 m, got \(handheld)")
    }
}
