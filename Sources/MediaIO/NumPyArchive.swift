import Foundation

/// A numeric array read from a NumPy `.npy` file (or one member of an `.npz`), widened to Double.
public struct NumPyArray: Sendable, Equatable {
    /// Array shape (C order), e.g. [3, 4].
    public let shape: [Int]
    /// Elements in row-major (C) order.
    public let values: [Double]
}

/// Reads `.npy` arrays and uncompressed `.npz` archives (`np.savez`; zip entries stored, zip64
/// extra fields supported). `np.savez_compressed` (deflate) archives are rejected with a message,
/// because no zlib binding is available to MediaIO. Supported dtypes: little-endian f4, f8, i4, i8.
public enum NumPyArchive {
    /// All arrays of an `.npz` file, keyed by name without the `.npy` suffix.
    public static func readArchive(_ url: URL) throws -> [String: NumPyArray] {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw MediaIOError(.fileNotFound, path: url.path, "NumPy archive not found")
        }
        let bytes = [UInt8](data)
        var arrays: [String: NumPyArray] = [:]
        var offset = 0
        while offset + 30 <= bytes.count, readUInt32(bytes, offset) == 0x0403_4b50 {
            let flags = readUInt16(bytes, offset + 6)
            let method = readUInt16(bytes, offset + 8)
            var compressedSize = UInt64(readUInt32(bytes, offset + 18))
            var uncompressedSize = UInt64(readUInt32(bytes, offset + 22))
            let nameLength = Int(readUInt16(bytes, offset + 26))
            let extraLength = Int(readUInt16(bytes, offset + 28))
            let nameStart = offset + 30
            guard nameStart + nameLength + extraLength <= bytes.count else { break }
            let name = String(decoding: bytes[nameStart..<(nameStart + nameLength)], as: UTF8.self)
            var extra = nameStart + nameLength
            let extraEnd = extra + extraLength
            while extra + 4 <= extraEnd {
                let id = readUInt16(bytes, extra), size = Int(readUInt16(bytes, extra + 2))
                let fieldEnd = min(extra + 4 + size, extraEnd)
                if id == 0x0001 {
                    var field = extra + 4
                    if uncompressedSize == 0xFFFF_FFFF, field + 8 <= fieldEnd {
                        uncompressedSize = readUInt64(bytes, field)
                        field += 8
                    }
                    if compressedSize == 0xFFFF_FFFF, field + 8 <= fieldEnd { compressedSize = readUInt64(bytes, field) }
                }
                extra += 4 + size
            }
            guard method == 0 else {
                throw MediaIOError(
                    .unsupportedFormat, path: url.path,
                    "member '\(name)' is compressed (np.savez_compressed); re-save the archive with np.savez")
            }
            guard flags & 0x8 == 0 || compressedSize > 0 else {
                throw MediaIOError(.unsupportedFormat, path: url.path, "member '\(name)' uses a streamed zip entry without sizes")
            }
            let start = extraEnd
            guard compressedSize <= UInt64(bytes.count - start) else {
                throw MediaIOError(.corruptData, path: url.path, "member '\(name)' runs past the end of the file; the archive is truncated")
            }
            let end = start + Int(compressedSize)
            let key = name.hasSuffix(".npy") ? String(name.dropLast(4)) : name
            arrays[key] = try parseNPY(Array(bytes[start..<end]), path: "\(url.path)/\(name)")
            offset = end + (flags & 0x8 != 0 ? 16 : 0)
        }
        guard !arrays.isEmpty else {
            throw MediaIOError(.corruptData, path: url.path, "no arrays found; not an .npz archive")
        }
        return arrays
    }

    /// Parses one `.npy` payload.
    static func parseNPY(_ bytes: [UInt8], path: String) throws -> NumPyArray {
        guard bytes.count >= 10, bytes[0] == 0x93, Array(bytes[1..<6]) == Array("NUMPY".utf8) else {
            throw MediaIOError(.corruptData, path: path, "not a .npy array (bad magic)")
        }
        let major = bytes[6]
        guard (1...3).contains(major) else {
            throw MediaIOError(.unsupportedFormat, path: path, ".npy format version \(major) is not supported (1, 2 and 3 are); re-save the array with NumPy")
        }
        let headerStart = major == 1 ? 10 : 12
        guard headerStart <= bytes.count else {
            throw MediaIOError(.corruptData, path: path, ".npy header is truncated")
        }
        let headerLength = major == 1 ? Int(readUInt16(bytes, 8)) : Int(readUInt32(bytes, 8))
        guard headerStart + headerLength <= bytes.count else {
            throw MediaIOError(.corruptData, path: path, ".npy header is truncated")
        }
        let header = String(decoding: bytes[headerStart..<(headerStart + headerLength)], as: UTF8.self)
        guard let descr = field("descr", in: header), let shapeText = field("shape", in: header) else {
            throw MediaIOError(.corruptData, path: path, ".npy header lacks descr or shape: \(header)")
        }
        guard !header.contains("'fortran_order': True") else {
            throw MediaIOError(.unsupportedFormat, path: path, "Fortran-ordered arrays are not supported; save with np.ascontiguousarray")
        }
        var shape: [Int] = []
        for part in shapeText.trimmingCharacters(in: CharacterSet(charactersIn: "() ")).split(separator: ",") {
            let text = part.trimmingCharacters(in: .whitespaces)
            if text.isEmpty { continue }
            guard let dimension = Int(text), dimension >= 0 else {
                throw MediaIOError(.corruptData, path: path, ".npy shape \(shapeText) has the dimension '\(text)'; dimensions are non-negative integers")
            }
            shape.append(dimension)
        }
        var count = 1
        for dimension in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            guard !overflow else {
                throw MediaIOError(.corruptData, path: path, ".npy shape \(shapeText) has more than \(Int.max) values; the header is corrupt")
            }
            count = product
        }
        let type = descr.trimmingCharacters(in: CharacterSet(charactersIn: "' "))
        let widths = ["<f8": 8, "<f4": 4, "<i8": 8, "<i4": 4, "|u1": 1]
        guard let width = widths[type] else {
            throw MediaIOError(.unsupportedFormat, path: path, "dtype \(type) is not supported (use float32/float64/int32/int64)")
        }
        let start = headerStart + headerLength
        guard count <= (bytes.count - start) / width else {
            throw MediaIOError(.corruptData, path: path, ".npy data is truncated")
        }
        let values: [Double] = (0..<count).map { index in
            let at = start + index * width
            switch type {
            case "<f8": return Double(bitPattern: readUInt64(bytes, at))
            case "<f4": return Double(Float(bitPattern: readUInt32(bytes, at)))
            case "<i8": return Double(Int64(bitPattern: readUInt64(bytes, at)))
            case "<i4": return Double(Int32(bitPattern: readUInt32(bytes, at)))
            default: return Double(bytes[at])
            }
        }
        return NumPyArray(shape: shape, values: values)
    }

    /// The text value of `'key': value` in a Python dict literal (tuple values kept whole).
    private static func field(_ key: String, in header: String) -> String? {
        guard let keyRange = header.range(of: "'\(key)':") else { return nil }
        let rest = header[keyRange.upperBound...].drop { $0 == " " }
        if rest.first == "(" {
            guard let close = rest.firstIndex(of: ")") else { return nil }
            return String(rest[...close])
        }
        return String(rest.prefix { $0 != "," && $0 != "}" })
    }

    private static func readUInt16(_ bytes: [UInt8], _ at: Int) -> UInt16 {
        UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8
    }

    private static func readUInt32(_ bytes: [UInt8], _ at: Int) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[at + $1]) << (8 * UInt32($1)) }
    }

    private static func readUInt64(_ bytes: [UInt8], _ at: Int) -> UInt64 {
        (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[at + $1]) << (8 * UInt64($1)) }
    }
}
