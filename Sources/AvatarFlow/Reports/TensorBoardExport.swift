import Foundation

/// Writes TensorBoard event files from a run's training metrics (`avatarflow report --tensorboard DIR`),
/// without TensorFlow or protobuf libraries: TFRecord framing (little-endian length, masked
/// CRC-32C of the length, the record, masked CRC-32C of the record) around hand-encoded
/// `tensorflow.Event` messages (`wall_time`, `step`, `file_version` or a `Summary` of
/// `simple_value` scalars).
///
/// Layout: `DIR/<run>/<stage>/events.out.tfevents.<seconds>.avatarflow`, one scalar tag per
/// metric (`loss`, `psnr_db`, …) at the step the stage reported it, with the event's wall time —
/// so `tensorboard --logdir DIR` shows each run's stages as runs and overlays runs exported to the same DIR.
/// The pictures the report shows of the outputs (score grids, first frames) go to
/// `DIR/<run>/outputs/` as image summaries tagged `<output>/<file>` (`Summary.Value.image`).
public enum TensorBoardExport {
    /// Exports every training curve of `run` under `directory`, and up to `imagesPerOutput`
    /// pictures of each output (large ones as thumbnails when `context` has a previewer); returns
    /// the files written.
    @discardableResult
    public static func write(_ run: RunContents, to directory: URL, context: ReportContext = ReportContext(), imagesPerOutput: Int = 4)
        throws -> [URL]
    {
        var files: [URL] = []
        var scalars: [String: [(time: Double, step: Int, values: [String: Double])]] = [:]
        for event in run.events where event.kind == .progress {
            guard let stage = event.stage, let metrics = event.metrics, let step = event.completed else { continue }
            scalars[stage, default: []].append((event.time, step, metrics))
        }
        for stage in scalars.keys.sorted() {
            let points = scalars[stage]!
            var data = Data()
            data += record(event(wallTime: points.first!.time, step: 0, fileVersion: "brain.Event:2"))
            for point in points {
                data += record(event(wallTime: point.time, step: point.step, scalars: point.values.sorted { $0.key < $1.key }))
            }
            files.append(try writeEvents(data, folder: directory.appendingPathComponent(run.name).appendingPathComponent(stage), time: points.first!.time))
        }

        let report = RunReport(run: run, context: context)
        var images: [(tag: String, png: Data, info: PNGInfo)] = []
        for output in run.outputs {
            for picture in RunReport.pictures(in: output.url, limit: imagesPerOutput) {
                guard let (png, info, _) = report.embeddable(picture, budget: report.images.maxFileBytes) else { continue }
                images.append(("\(output.name)/\(picture.path.dropFirst(output.url.path.count + 1))", png, info))
            }
        }
        if !images.isEmpty {
            let time = run.events.last?.time ?? Date().timeIntervalSince1970
            var data = record(event(wallTime: time, step: 0, fileVersion: "brain.Event:2"))
            for image in images { data += record(event(wallTime: time, step: 0, image: image)) }
            files.append(try writeEvents(data, folder: directory.appendingPathComponent(run.name).appendingPathComponent("outputs"), time: time))
        }
        return files
    }

    /// Writes `events.out.tfevents.<seconds>.avatarflow` in `folder` (created).
    static func writeEvents(_ data: Data, folder: URL, time: Double) throws -> URL {
        let file = folder.appendingPathComponent("events.out.tfevents.\(Int(time)).avatarflow")
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try data.write(to: file, options: .atomic)
        } catch {
            throw RunDirectoryError(
                path: folder.path, problem: "cannot write TensorBoard events: \(error.localizedDescription)",
                fix: "choose a writable directory with --tensorboard DIR")
        }
        return file
    }

    /// A `tensorflow.Event` holding one image summary: Summary { Value { tag = 1; image = 4 {
    /// height = 1, width = 2, colorspace = 3 (channels), encoded_image_string = 4 (the PNG) } } }.
    static func event(wallTime: Double, step: Int, image: (tag: String, png: Data, info: PNGInfo)) -> Data {
        var out = event(wallTime: wallTime, step: step)
        var picture = Data([0x08]) + varint(UInt64(image.info.height))
        picture += Data([0x10]) + varint(UInt64(image.info.width))
        picture += Data([0x18]) + varint(UInt64(image.info.channels))
        picture += lengthDelimited(field: 4, image.png)
        let value = lengthDelimited(field: 1, Data(image.tag.utf8)) + lengthDelimited(field: 4, picture)
        out += lengthDelimited(field: 5, lengthDelimited(field: 1, value))
        return out
    }

    /// One TFRecord: length, masked CRC of the length, payload, masked CRC of the payload.
    public static func record(_ payload: Data) -> Data {
        var out = Data()
        var length = UInt64(payload.count).littleEndian
        let lengthBytes = withUnsafeBytes(of: &length) { Data($0) }
        out += lengthBytes
        out += littleEndian(maskedCRC32C(lengthBytes))
        out += payload
        out += littleEndian(maskedCRC32C(payload))
        return out
    }

    /// A `tensorflow.Event`: wall_time (1, double), step (2, int64), then file_version (3, string)
    /// or summary (5, Summary { repeated Value value = 1 { tag = 1; simple_value = 2 (float) } }).
    public static func event(wallTime: Double, step: Int, fileVersion: String? = nil, scalars: [(key: String, value: Double)] = []) -> Data {
        var out = Data([0x09])
        var bits = wallTime.bitPattern.littleEndian
        out += withUnsafeBytes(of: &bits) { Data($0) }
        out.append(0x10)
        out += varint(UInt64(bitPattern: Int64(step)))
        if let fileVersion { out += lengthDelimited(field: 3, Data(fileVersion.utf8)) }
        if !scalars.isEmpty {
            var summary = Data()
            for (tag, value) in scalars {
                var entry = lengthDelimited(field: 1, Data(tag.utf8))
                entry.append(0x15)
                var float = Float(value).bitPattern.littleEndian
                entry += withUnsafeBytes(of: &float) { Data($0) }
                summary += lengthDelimited(field: 1, entry)
            }
            out += lengthDelimited(field: 5, summary)
        }
        return out
    }

    static func lengthDelimited(field: Int, _ payload: Data) -> Data {
        var out = Data([UInt8(field << 3 | 2)])
        out += varint(UInt64(payload.count))
        return out + payload
    }

    static func varint(_ value: UInt64) -> Data {
        var value = value, out = Data()
        repeat {
            let byte = UInt8(value & 0x7F)
            value >>= 7
            out.append(value == 0 ? byte : byte | 0x80)
        } while value != 0
        return out
    }

    static func littleEndian(_ value: UInt32) -> Data {
        var value = value.littleEndian
        return withUnsafeBytes(of: &value) { Data($0) }
    }

    /// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as TFRecord uses.
    public static func crc32c(_ data: Data) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in data { crc = crcTable[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }

    /// TFRecord's masked CRC: rotate right by 15 and add 0xa282ead8.
    public static func maskedCRC32C(_ data: Data) -> UInt32 {
        let crc = crc32c(data)
        return ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8
    }

    static let crcTable: [UInt32] = (0..<256).map { index in
        var crc = UInt32(index)
        for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        return crc
    }
}
