import CPNG
import Foundation

/// Reading and writing PNG files with libpng. Samples are exact as stored: no gamma, colour
/// management or alpha premultiplication. Palette and 1/2/4-bit grey files are expanded to 8-bit,
/// and a tRNS chunk becomes an alpha channel.
public enum PNGFile {
    /// A decoded PNG: 8-bit files become `.eightBit`, 16-bit files `.sixteenBit`.
    public enum Contents: Sendable, Equatable {
        /// An 8-bit-per-sample image.
        case eightBit(Image8)
        /// A 16-bit-per-sample image.
        case sixteenBit(Image16)

        /// The image as 8-bit (16-bit samples rounded down to 8 bits).
        public var image8: Image8 {
            switch self {
            case .eightBit(let image): return image
            case .sixteenBit(let image): return Image8(rounding: image)
            }
        }

        /// The image as Float32 in [0, 1].
        public var floatImage: FloatImage {
            switch self {
            case .eightBit(let image): return FloatImage(image)
            case .sixteenBit(let image): return FloatImage(image)
            }
        }
    }

    /// Reads a PNG file of any bit depth and colour type. A file whose header declares more than
    /// `ImageLimits.current.pixels` pixels is refused before anything is allocated.
    public static func read(_ url: URL) throws -> Contents {
        let path = url.path
        guard FileManager.default.fileExists(atPath: path) else {
            throw MediaIOError(.fileNotFound, path: path, "PNG file not found; check the path")
        }
        if let header = try? FileHandle(forReadingFrom: url).readData(ofLength: 24), header.count == 24,
            header.prefix(8).elementsEqual([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        {
            func big(_ offset: Int) -> Int { header[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) } }
            try ImageLimits.current.check(width: big(16), height: big(20), path: path)
        }
        var decoded = cpng_image()
        defer { cpng_free(&decoded) }
        guard cpng_read_file(path, &decoded) == 0 else {
            let reason = withUnsafeBytes(of: decoded.message) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            throw MediaIOError(.corruptData, path: path, "cannot decode PNG (\(reason)); the file is damaged or not a PNG, re-export it")
        }
        let width = Int(decoded.width)
        let height = Int(decoded.height)
        let channels = Int(decoded.channels)
        let count = width * height * channels
        if decoded.bit_depth == 16 {
            let samples = [UInt16](unsafeUninitializedCapacity: count) { buffer, initialized in
                memcpy(buffer.baseAddress!, decoded.pixels, count * 2)
                initialized = count
            }
            return .sixteenBit(Image16(width: width, height: height, channels: channels, samples: samples))
        }
        let samples = [UInt8](UnsafeBufferPointer(start: decoded.pixels, count: count))
        return .eightBit(Image8(width: width, height: height, channels: channels, samples: samples))
    }

    /// Reads a PNG file as 8-bit samples (16-bit files are rounded).
    public static func read8(_ url: URL) throws -> Image8 { try read(url).image8 }

    /// Writes an 8-bit image. `compressionLevel` is zlib's 0…9: 1 is several times faster than 6
    /// for slightly larger files (the FrameSet writer uses 1).
    public static func write(_ image: Image8, to url: URL, compressionLevel: Int = 6) throws {
        try image.samples.withUnsafeBytes { bytes in
            try write(
                bytes, width: image.width, height: image.height, channels: image.channels,
                bitDepth: 8, to: url, compressionLevel: compressionLevel)
        }
    }

    /// Encodes an 8-bit image as PNG bytes in memory (for embedding, e.g. in reports).
    public static func encode(_ image: Image8, compressionLevel: Int = 6) throws -> Data {
        guard image.width > 0, image.height > 0 else {
            throw MediaIOError(.invalidArgument, path: "<memory>", "cannot encode an empty (\(image.width)×\(image.height)) PNG")
        }
        var message = [CChar](repeating: 0, count: 256)
        var bytes: UnsafeMutablePointer<UInt8>?
        var count = 0
        let status = image.samples.withUnsafeBufferPointer { samples in
            cpng_write_memory(
                &bytes, &count, samples.baseAddress!, UInt32(image.width), UInt32(image.height), Int32(image.channels), 8,
                Int32(min(max(compressionLevel, 0), 9)), &message, message.count)
        }
        guard status == 0, let bytes else {
            let reason = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw MediaIOError(.writeFailed, path: "<memory>", "cannot encode PNG (\(reason))")
        }
        defer { cpng_free_bytes(bytes) }
        return Data(bytes: bytes, count: count)
    }

    /// Writes a 16-bit image.
    public static func write(_ image: Image16, to url: URL, compressionLevel: Int = 6) throws {
        try image.samples.withUnsafeBytes { bytes in
            try write(
                bytes, width: image.width, height: image.height, channels: image.channels,
                bitDepth: 16, to: url, compressionLevel: compressionLevel)
        }
    }

    private static func write(
        _ bytes: UnsafeRawBufferPointer, width: Int, height: Int, channels: Int,
        bitDepth: Int, to url: URL, compressionLevel: Int
    ) throws {
        guard width > 0, height > 0 else {
            throw MediaIOError(.invalidArgument, path: url.path, "cannot write an empty (\(width)×\(height)) PNG")
        }
        var message = [CChar](repeating: 0, count: 256)
        let status = cpng_write_file(
            url.path, bytes.baseAddress!.assumingMemoryBound(to: UInt8.self),
            UInt32(width), UInt32(height), Int32(channels), Int32(bitDepth),
            Int32(min(max(compressionLevel, 0), 9)), &message, message.count)
        guard status == 0 else {
            let reason = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw MediaIOError(.writeFailed, path: url.path, "cannot write PNG (\(reason)); check the directory exists and is writable")
        }
    }
}
