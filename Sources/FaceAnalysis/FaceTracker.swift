/// Detect-then-track for one camera's frame sequence: follows one subject, fills detector gaps
/// from the previous frame's landmarks, restarts at shot cuts, and marks every frame it cannot
/// trust as untracked with its reason — it never guesses a box.
///
/// Per frame, in order:
/// 1. a shot cut (grey-histogram distance to the previous frame above `cutThreshold`) ends the track;
/// 2. without a track, the largest detection starts one (size decides the subject);
/// 3. with a track, the detection overlapping the previous box most (IoU ≥ `minimumOverlap`) continues it;
/// 4. when detection fails or jumps elsewhere, the previous frame's landmarks give the box (with the
///    box-to-landmark relation of the last detected frame), for at most `maximumPropagatedFrames`
///    frames in a row, and only while the landmarks predicted in that box stay in it
///    (IoU of their own box with the one used ≥ `minimumOverlap`);
/// 5. otherwise the frame is untracked and the track ends.
public struct FaceTracker: Sendable {
    /// Thresholds of the tracker.
    public struct Options: Sendable, Equatable {
        /// IoU a detection needs with the previous frame's box to be the same subject, and that
        /// propagated landmarks need with their box to be trusted.
        public var minimumOverlap: Double
        /// Most consecutive frames whose box comes from the previous landmarks.
        public var maximumPropagatedFrames: Int
        /// Histogram distance (total variation of 32-bin grey histograms, 0…1) that marks a shot cut.
        public var cutThreshold: Double

        /// Creates options.
        public init(minimumOverlap: Double = 0.3, maximumPropagatedFrames: Int = 10, cutThreshold: Double = 0.5) {
            self.minimumOverlap = minimumOverlap
            self.maximumPropagatedFrames = maximumPropagatedFrames
            self.cutThreshold = cutThreshold
        }
    }

    /// What the tracker decided for one frame.
    public enum Outcome: Sendable, Equatable {
        /// A detection (in the landmark model's box convention) gave the box.
        case detected(box: FaceRectangle, landmarks: [SIMD2<Double>])
        /// The previous frame's landmarks gave the box.
        case propagated(box: FaceRectangle, landmarks: [SIMD2<Double>])
        /// No trustworthy face; the reason says why.
        case untracked(reason: String)

        /// The landmarks, or nil when untracked.
        public var landmarks: [SIMD2<Double>]? {
            switch self {
            case .detected(_, let points), .propagated(_, let points): points
            case .untracked: nil
            }
        }
    }

    /// One camera's tracked sequence: what each frame got, and what a user should hear about.
    public struct Track: Sendable, Equatable {
        /// Per frame, in order.
        public var outcomes: [Outcome]
        /// Frames that begin a new shot (a cut before them restarted the track).
        public var shotCuts: [Int]
        /// Frames where the detector found more than one face (the tracker followed one of them).
        public var framesWithSeveralFaces: [Int]
    }

    /// The thresholds.
    public var options: Options

    /// Creates a tracker.
    public init(options: Options = Options()) {
        self.options = options
    }

    /// Tracks `frameCount` frames. `detections(f)` gives frame f's boxes (already in the landmark
    /// model's convention), `histogram(f)` its grey histogram (`GreyImage.greyHistogram`), and
    /// `landmarks(f, box)` the landmarks predicted in a box. Returns every frame's outcome with the
    /// shot cuts and the frames that showed more than one face.
    public func track(
        frameCount: Int, detections: (Int) throws -> [FaceRectangle], histogram: (Int) throws -> [Double],
        landmarks: (Int, FaceRectangle) throws -> [SIMD2<Double>]
    ) rethrows -> Track {
        var outcomes: [Outcome] = []
        var shotCuts: [Int] = [], framesWithSeveralFaces: [Int] = []
        var previousBox: FaceRectangle?, previousLandmarks: [SIMD2<Double>]?
        var relation: BoxRelation?
        var propagatedInRow = 0
        var previousHistogram: [Double]?
        for frame in 0..<frameCount {
            let currentHistogram = try histogram(frame)
            var cut = false
            if let previousHistogram, Self.distance(previousHistogram, currentHistogram) > options.cutThreshold {
                cut = true
                shotCuts.append(frame)
                previousBox = nil
                previousLandmarks = nil
                relation = nil
            }
            previousHistogram = currentHistogram
            let boxes = try detections(frame)
            if boxes.count > 1 { framesWithSeveralFaces.append(frame) }
            guard let lastBox = previousBox else {
                guard let largest = boxes.max(by: { $0.area < $1.area }) else {
                    outcomes.append(.untracked(reason: cut ? "no face detected after a shot cut" : "no face detected"))
                    continue
                }
                let points = try landmarks(frame, largest)
                outcomes.append(.detected(box: largest, landmarks: points))
                (previousBox, previousLandmarks, relation, propagatedInRow) = (largest, points, BoxRelation(box: largest, landmarks: points), 0)
                continue
            }
            let best = boxes.map { ($0, $0.intersectionOverUnion(lastBox)) }.max { $0.1 < $1.1 }
            if let best, best.1 >= options.minimumOverlap {
                let points = try landmarks(frame, best.0)
                outcomes.append(.detected(box: best.0, landmarks: points))
                (previousBox, previousLandmarks, relation, propagatedInRow) = (best.0, points, BoxRelation(box: best.0, landmarks: points), 0)
                continue
            }
            let why = boxes.isEmpty ? "no face detected" : "detections jumped away from the tracked face"
            guard propagatedInRow < options.maximumPropagatedFrames, let relation, let lastLandmarks = previousLandmarks else {
                outcomes.append(.untracked(reason: "\(why) for more than \(options.maximumPropagatedFrames) frames"))
                previousBox = nil
                continue
            }
            let box = relation.box(for: lastLandmarks)
            let points = try landmarks(frame, box)
            let own = relation.box(for: points)
            guard own.intersectionOverUnion(box) >= options.minimumOverlap else {
                outcomes.append(.untracked(reason: "\(why); landmarks from the previous frame's box drifted out of it"))
                previousBox = nil
                continue
            }
            outcomes.append(.propagated(box: box, landmarks: points))
            previousBox = box
            previousLandmarks = points
            propagatedInRow += 1
        }
        return Track(outcomes: outcomes, shotCuts: shotCuts, framesWithSeveralFaces: framesWithSeveralFaces)
    }

    /// Total variation distance of two normalised histograms, in [0, 1].
    public static func distance(_ a: [Double], _ b: [Double]) -> Double {
        guard a.count == b.count else { return 1 }
        return zip(a, b).reduce(0) { $0 + abs($1.0 - $1.1) } / 2
    }
}

/// How a detector box sits relative to the bounding box of the landmarks predicted in it (side
/// ratio and centre offset in units of the landmark extent), to place boxes from landmarks.
struct BoxRelation: Sendable {
    var ratio: Double, offsetX: Double, offsetY: Double

    init(box: FaceRectangle, landmarks: [SIMD2<Double>]) {
        let (centre, extent) = Self.bounds(landmarks)
        ratio = Double(box.width) / extent
        offsetX = (Double(box.x) + Double(box.width - 1) / 2 - centre.x) / extent
        offsetY = (Double(box.y) + Double(box.height - 1) / 2 - centre.y) / extent
    }

    func box(for landmarks: [SIMD2<Double>]) -> FaceRectangle {
        let (centre, extent) = Self.bounds(landmarks)
        let side = max(1, Int((ratio * extent).rounded()))
        let cx = centre.x + offsetX * extent, cy = centre.y + offsetY * extent
        return FaceRectangle(x: Int((cx - Double(side - 1) / 2).rounded()), y: Int((cy - Double(side - 1) / 2).rounded()), width: side, height: side)
    }

    /// Centre and larger side of the points' bounding box (at least 1 px).
    static func bounds(_ points: [SIMD2<Double>]) -> (centre: SIMD2<Double>, extent: Double) {
        var low = SIMD2(repeating: Double.infinity), high = SIMD2(repeating: -Double.infinity)
        for p in points {
            low = pointwiseMin(low, p)
            high = pointwiseMax(high, p)
        }
        guard low.x.isFinite, high.x.isFinite else { return (.zero, 1) }
        return ((low + high) / 2, max(1, max(high.x - low.x, high.y - low.y)))
    }
}

extension GreyImage {
    /// The 32-bin histogram of channel 0 (grey levels), normalised to sum 1 (for shot-cut detection).
    public var greyHistogram: [Double] {
        var bins = [Double](repeating: 0, count: 32)
        let count = width * height
        guard count > 0 else { return bins }
        samples.withUnsafeBufferPointer { values in
            for pixel in 0..<count { bins[Int(values[pixel * channels]) >> 3] += 1 }
        }
        return bins.map { $0 / Double(count) }
    }
}
