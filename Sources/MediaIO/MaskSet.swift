import Foundation

/// The Masks artifact: a FrameSet of per-part masks plus `masks.json` naming the parts.
///
///     masks/
///       frameset.json, <camera>/%06d.png     the FrameSet (3 channels)
///       masks.json   {"format": "avatarflow.masks", "version": 1, "channels": [names],
///                     "encoding": "channels" | "labels", "labels": {name: grey}}
///
/// Two encodings: `channels` (the default, `parsing.head-hair`) stores one soft mask per colour
/// channel, named by `channels` in order (at most three); `labels` stores a hard label map as grey
/// (R = G = B), each part being the pixels whose grey equals its value in `labels` — any number
/// of parts (`synthetic.region-masks`'s hair, face, eyes, mouth, body).
public struct MaskSet: Sendable {
    /// Name of the description file inside the directory.
    public static let descriptionFileName = "masks.json"

    /// How the parts are stored in the FrameSet.
    public enum Encoding: String, Codable, Sendable {
        /// One soft mask per colour channel.
        case channels
        /// A hard label map stored as grey.
        case labels
    }

    /// `masks.json`.
    public struct Description: Codable, Sendable, Equatable {
        /// Always "avatarflow.masks".
        public var format = "avatarflow.masks"
        /// Format version (1).
        public var version = 1
        /// The part names, in channel order for the `channels` encoding.
        public var channels: [String]
        /// The encoding (absent = `channels`).
        public var encoding: Encoding?
        /// Grey value of each part for the `labels` encoding.
        public var labels: [String: Int]?

        /// Describes a `channels` or `labels` artifact.
        public init(channels: [String], encoding: Encoding = .channels, labels: [String: Int]? = nil) {
            self.channels = channels
            self.encoding = encoding
            self.labels = labels
        }
    }

    /// The FrameSet holding the masks.
    public let frames: FrameSet
    /// Its description.
    public let description: Description
    /// The grey value of each name (labels encoding; empty for channels), checked at opening.
    let greys: [UInt8]

    /// The part names.
    public var names: [String] { description.channels }

    /// Opens a Masks directory: the FrameSet and `masks.json` (checked for consistency).
    public static func open(_ directory: URL) throws -> MaskSet {
        let frames = try FrameSet.open(directory)
        let url = directory.appendingPathComponent(descriptionFileName)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw MediaIOError(.invalidLayout, path: url.path, "masks.json is missing: connect a Masks output (parsing.head-hair, synthetic.region-masks)")
        }
        let description: Description
        do {
            description = try JSONDecoder().decode(Description.self, from: data)
        } catch {
            throw MediaIOError(.invalidLayout, path: url.path, "cannot parse the masks description (\(error)); re-run the stage that produced it")
        }
        var greys: [UInt8] = []
        switch description.encoding ?? .channels {
        case .channels:
            guard description.channels.count <= frames.manifest.channels else {
                throw MediaIOError(
                    .invalidLayout, path: url.path,
                    "names \(description.channels.count) channels but the FrameSet has \(frames.manifest.channels); re-run the stage that produced it")
            }
        case .labels:
            let values = description.channels.compactMap { description.labels?[$0] }.filter { (0...255).contains($0) }
            guard values.count == description.channels.count else {
                throw MediaIOError(.invalidLayout, path: url.path, "the labels encoding needs a grey value in 0…255 for every name in `channels`")
            }
            greys = values.map { UInt8($0) }
        }
        return MaskSet(frames: frames, description: description, greys: greys)
    }

    /// Writes `description` as `masks.json` into `directory` (next to a finished FrameSet).
    public static func write(_ description: Description, to directory: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let url = directory.appendingPathComponent(descriptionFileName)
        do {
            try encoder.encode(description).write(to: url, options: .atomic)
        } catch {
            throw MediaIOError(.writeFailed, path: url.path, "cannot write the masks description (\(error.localizedDescription))")
        }
    }

    /// Every part's mask of `frame` of `camera`, `height × width` values in [0, 1] keyed by name.
    public func masks(frame: Int, camera: String) throws -> [String: [Float]] {
        let image = try frames.image(frame: frame, camera: camera)
        let pixels = image.width * image.height, stride = image.channels
        var result: [String: [Float]] = [:]
        for (index, name) in names.enumerated() {
            switch description.encoding ?? .channels {
            case .channels:
                result[name] = (0..<pixels).map { Float(image.samples[$0 * stride + index]) / 255 }
            case .labels:
                let grey = greys[index]
                result[name] = (0..<pixels).map { image.samples[$0 * stride] == grey ? 1 : 0 }
            }
        }
        return result
    }
}
