import Foundation

/// Reading and writing tensors in the safetensors format (Hugging Face): an 8-byte little-endian
/// header length N, N bytes of JSON `{name: {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]},
/// "__metadata__": {string: string}}` (padded with spaces to a multiple of 8), then the raw
/// little-endian data. Only F32 is written or read. Readable by `safetensors.numpy.load_file`.
public enum Safetensors {
    /// Serialises `tensors` (data in sorted-name order) with optional string `metadata`.
    public static func encode(_ tensors: [String: Tensor], metadata: [String: String] = [:]) throws -> Data {
        var header: [String: Any] = [:]
        var offset = 0
        let names = tensors.keys.sorted()
        for name in names {
            let tensor = tensors[name]!
            let bytes = tensor.count * 4
            header[name] = ["dtype": "F32", "shape": tensor.shape, "data_offsets": [offset, offset + bytes]] as [String: Any]
            offset += bytes
        }
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while json.count % 8 != 0 { json.append(0x20) }
        var data = Data(capacity: 8 + json.count + offset)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(json)
        for name in names {
            tensors[name]!.withUnsafeBufferPointer { buffer in
                #if _endian(little)
                    data.append(contentsOf: UnsafeRawBufferPointer(buffer))
                #else
                    for value in buffer { withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
                #endif
            }
        }
        return data
    }

    /// Writes `tensors` to `url` atomically (temporary file, then rename).
    /// - Throws: `TensorsError` naming the file if it cannot be written.
    public static func write(_ tensors: [String: Tensor], metadata: [String: String] = [:], to url: URL) throws {
        let data = try encode(tensors, metadata: metadata)
        do {
            try data.write(to: url, options: .atomic)
        } catch {
            throw TensorsError("cannot write safetensors file \(url.path): \(error.localizedDescription); check the directory exists and is writable")
        }
    }

    /// Reads every tensor and the metadata from `url`.
    /// - Throws: `TensorsError` naming the file and the problem (truncated, bad JSON, non-F32 dtype...).
    public static func read(from url: URL) throws -> (tensors: [String: Tensor], metadata: [String: String]) {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw TensorsError("cannot read safetensors file \(url.path): \(error.localizedDescription)")
        }
        return try decode(data, source: url.path)
    }

    /// Parses a safetensors byte buffer; `source` names it in error messages.
    public static func decode(_ data: Data, source: String = "<data>") throws -> (tensors: [String: Tensor], metadata: [String: String]) {
        guard data.count >= 8 else { throw TensorsError("\(source): only \(data.count) bytes, not a safetensors file (needs an 8-byte header length)") }
        let bytes = [UInt8](data)
        var headerLength: UInt64 = 0
        for i in 0..<8 { headerLength |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        guard headerLength <= UInt64(bytes.count - 8) else {
            throw TensorsError("\(source): header length \(headerLength) exceeds the file size \(bytes.count); the file is truncated or not safetensors")
        }
        let dataStart = 8 + Int(headerLength)
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(bytes[8..<dataStart]))
        } catch {
            throw TensorsError("\(source): header is not valid JSON (\(error.localizedDescription))")
        }
        guard let header = object as? [String: Any] else { throw TensorsError("\(source): header JSON is not an object") }
        var tensors: [String: Tensor] = [:]
        var metadata: [String: String] = [:]
        for (name, entry) in header {
            if name == "__metadata__" {
                guard let values = entry as? [String: String] else { throw TensorsError("\(source): __metadata__ must map strings to strings") }
                metadata = values
                continue
            }
            guard let fields = entry as? [String: Any], let dtype = fields["dtype"] as? String,
                let shape = fields["shape"] as? [Int], let offsets = fields["data_offsets"] as? [Int], offsets.count == 2
            else {
                throw TensorsError("\(source): tensor \"\(name)\" lacks dtype, shape or data_offsets")
            }
            guard dtype == "F32" else { throw TensorsError("\(source): tensor \"\(name)\" has dtype \(dtype); only F32 is supported, convert it to float32") }
            guard shape.allSatisfy({ $0 >= 0 }) else { throw TensorsError("\(source): tensor \"\(name)\" has a negative extent in \(shape)") }
            // Checked arithmetic throughout: shapes and offsets come from the file and may be anything.
            let dataLength = bytes.count - dataStart
            var count = 1
            for extent in shape {
                let (product, overflow) = count.multipliedReportingOverflow(by: extent)
                guard !overflow else {
                    throw TensorsError("\(source): tensor \"\(name)\" has shape \(shape), more than \(Int.max) values; the header is corrupt")
                }
                count = product
            }
            guard offsets[0] >= 0, offsets[0] <= offsets[1], offsets[1] <= dataLength, count <= dataLength / 4, offsets[1] - offsets[0] == count * 4
            else {
                throw TensorsError("\(source): tensor \"\(name)\" data_offsets \(offsets) do not match shape \(shape) or exceed the file")
            }
            let begin = dataStart + offsets[0]
            var tensor = Tensor(zeros: shape)
            tensor.withUnsafeMutableBufferPointer { destination in
                bytes.withUnsafeBytes { source in
                    for i in 0..<count {
                        destination[i] = Float(bitPattern: UInt32(littleEndian: source.loadUnaligned(fromByteOffset: begin + 4 * i, as: UInt32.self)))
                    }
                }
            }
            tensors[name] = tensor
        }
        return (tensors, metadata)
    }
}
