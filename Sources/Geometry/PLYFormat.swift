import Foundation

/// Stanford PLY reading and writing of triangle meshes.
///
/// Writing produces `binary_little_endian 1.0` with float vertex properties: x y z, then
/// "normal" as nx ny nz, "uv" as s t, any other attribute `name` with k channels as
/// `name_0 … name_{k-1}`, and the face list `vertex_indices` (uchar count, int indices).
/// Reading accepts ascii and binary_little_endian with any scalar property types, maps the
/// names above back (also u/v, texture_u/texture_v, red/green/blue → "color", uchar scaled to
/// [0, 1]), fan-triangulates polygons and skips other elements.
public enum PLYFormat {
    /// Serialises a mesh as binary little-endian PLY.
    public static func write(_ mesh: TriangleMesh) -> Data {
        let layout = attributeLayout(mesh)
        var header = "ply\nformat binary_little_endian 1.0\ncomment AvatarFlow\n"
        header += "element vertex \(mesh.vertexCount)\nproperty float x\nproperty float y\nproperty float z\n"
        for (_, names) in layout { for name in names { header += "property float \(name)\n" } }
        header += "element face \(mesh.triangles.count)\nproperty list uchar int vertex_indices\nend_header\n"
        var data = Data(header.utf8)
        var floats: [Float] = []
        floats.reserveCapacity(mesh.vertexCount * (3 + layout.reduce(0) { $0 + $1.names.count }))
        for v in 0..<mesh.vertexCount {
            let p = mesh.positions[v]
            floats += [p.x, p.y, p.z]
            for (attributeName, names) in layout {
                let attribute = mesh.attributes[attributeName]!
                for k in 0..<names.count { floats.append(attribute.values[v * attribute.channels + k]) }
            }
        }
        floats.withUnsafeBytes { data.append(contentsOf: $0) }
        var faceBytes = [UInt8]()
        faceBytes.reserveCapacity(mesh.triangles.count * 13)
        for tri in mesh.triangles {
            faceBytes.append(3)
            for index in [tri.x, tri.y, tri.z] {
                withUnsafeBytes(of: index.littleEndian) { faceBytes += $0 }
            }
        }
        data.append(contentsOf: faceBytes)
        return data
    }

    /// Writes a mesh to a binary PLY file.
    public static func write(_ mesh: TriangleMesh, to url: URL) throws {
        do {
            try write(mesh).write(to: url, options: .atomic)
        } catch {
            throw GeometryError("cannot write PLY file \(url.path): \(error.localizedDescription)")
        }
    }

    /// Reads a PLY file; see `parse`.
    public static func read(from url: URL) throws -> TriangleMesh {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw GeometryError("cannot read PLY file \(url.path): it does not exist or is unreadable")
        }
        return try parse(data, source: url.path)
    }

    /// Attribute names in sorted order with the PLY property names written for each.
    static func attributeLayout(_ mesh: TriangleMesh) -> [(name: String, names: [String])] {
        mesh.attributes.keys.sorted().map { name in
            let attribute = mesh.attributes[name]!
            if name == "normal" && attribute.channels == 3 { return (name, ["nx", "ny", "nz"]) }
            if name == "uv" && attribute.channels == 2 { return (name, ["s", "t"]) }
            return (name, (0..<attribute.channels).map { "\(name)_\($0)" })
        }
    }

    enum ScalarType {
        case int8, uint8, int16, uint16, int32, uint32, float32, float64

        init?(_ name: Substring) {
            switch name {
            case "char", "int8": self = .int8
            case "uchar", "uint8": self = .uint8
            case "short", "int16": self = .int16
            case "ushort", "uint16": self = .uint16
            case "int", "int32": self = .int32
            case "uint", "uint32": self = .uint32
            case "float", "float32": self = .float32
            case "double", "float64": self = .float64
            default: return nil
            }
        }

        var size: Int {
            switch self {
            case .int8, .uint8: 1
            case .int16, .uint16: 2
            case .int32, .uint32, .float32: 4
            case .float64: 8
            }
        }
    }

    struct Property {
        var name: String
        var type: ScalarType
        var listCountType: ScalarType?
    }

    struct Element {
        var name: String
        var count: Int
        var properties: [Property]
    }

    /// Reads little-endian scalars and ascii tokens from the body.
    struct BodyReader {
        let bytes: [UInt8]
        var offset: Int
        let ascii: Bool
        let source: String
        var tokens: [Substring] = []
        var tokenIndex = 0

        mutating func next(_ type: ScalarType) throws -> Double {
            if ascii {
                guard tokenIndex < tokens.count, let value = Double(tokens[tokenIndex]) else {
                    throw GeometryError("\(source): PLY body ends early or holds a non-number (token \(tokenIndex))")
                }
                tokenIndex += 1
                return value
            }
            guard offset + type.size <= bytes.count else {
                throw GeometryError("\(source): PLY body is truncated at byte \(offset)")
            }
            defer { offset += type.size }
            func load<T: FixedWidthInteger>(_: T.Type) -> T {
                var value: T = 0
                for k in 0..<MemoryLayout<T>.size { value |= T(truncatingIfNeeded: bytes[offset + k]) << (8 * k) }
                return value
            }
            switch type {
            case .int8: return Double(Int8(bitPattern: bytes[offset]))
            case .uint8: return Double(bytes[offset])
            case .int16: return Double(Int16(bitPattern: load(UInt16.self)))
            case .uint16: return Double(load(UInt16.self))
            case .int32: return Double(Int32(bitPattern: load(UInt32.self)))
            case .uint32: return Double(load(UInt32.self))
            case .float32: return Double(Float(bitPattern: load(UInt32.self)))
            case .float64: return Double(bitPattern: load(UInt64.self))
            }
        }
    }

    /// Parses PLY bytes (ascii or binary little-endian) into a triangle mesh.
    public static func parse(_ data: Data, source: String = "<data>") throws -> TriangleMesh {
        let bytes = [UInt8](data)
        guard let headerEnd = findHeaderEnd(bytes) else {
            throw GeometryError("\(source): not a PLY file (no 'end_header' line found)")
        }
        let headerText = String(decoding: bytes[0..<headerEnd.start], as: UTF8.self)
        var lines = headerText.split(whereSeparator: { $0 == "\n" || $0 == "\r" })
        guard lines.first == "ply" else { throw GeometryError("\(source): not a PLY file (first line is not 'ply')") }
        lines.removeFirst()
        var ascii = false
        var elements: [Element] = []
        for (number, line) in lines.enumerated() {
            let fields = line.split(separator: " ")
            guard let keyword = fields.first else { continue }
            switch keyword {
            case "format":
                guard fields.count >= 2 else { throw GeometryError("\(source): header line \(number + 2): incomplete format line") }
                if fields[1] == "ascii" {
                    ascii = true
                } else if fields[1] != "binary_little_endian" {
                    throw GeometryError("\(source): PLY format '\(fields[1])' is not supported; convert to binary_little_endian or ascii")
                }
            case "element":
                guard fields.count == 3, let count = Int(fields[2]) else {
                    throw GeometryError("\(source): header line \(number + 2): malformed element line '\(line)'")
                }
                elements.append(Element(name: String(fields[1]), count: count, properties: []))
            case "property":
                guard !elements.isEmpty else { throw GeometryError("\(source): header line \(number + 2): property before any element") }
                if fields.count == 5, fields[1] == "list", let countType = ScalarType(fields[2]), let itemType = ScalarType(fields[3]) {
                    elements[elements.count - 1].properties.append(Property(name: String(fields[4]), type: itemType, listCountType: countType))
                } else if fields.count == 3, let type = ScalarType(fields[1]) {
                    elements[elements.count - 1].properties.append(Property(name: String(fields[2]), type: type, listCountType: nil))
                } else {
                    throw GeometryError("\(source): header line \(number + 2): unsupported property '\(line)'")
                }
            default:
                continue
            }
        }
        var reader = BodyReader(bytes: bytes, offset: headerEnd.end, ascii: ascii, source: source)
        if ascii {
            reader.tokens = String(decoding: bytes[headerEnd.end...], as: UTF8.self)
                .split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\r" || $0 == "\t" })
        }
        var positions: [SIMD3<Float>] = []
        var columns: [String: [Float]] = [:]
        var triangles: [SIMD3<Int32>] = []
        for element in elements {
            let isVertex = element.name == "vertex", isFace = element.name == "face"
            for _ in 0..<element.count {
                var values: [String: Float] = [:]
                for property in element.properties {
                    if let countType = property.listCountType {
                        let count = Int(try reader.next(countType))
                        var items: [Int32] = []
                        for _ in 0..<count { items.append(Int32(try reader.next(property.type))) }
                        if isFace && (property.name == "vertex_indices" || property.name == "vertex_index") {
                            guard items.count >= 3 else { throw GeometryError("\(source): a face has \(items.count) corners, need ≥ 3") }
                            for k in 1..<(items.count - 1) { triangles.append(SIMD3(items[0], items[k], items[k + 1])) }
                        }
                    } else {
                        let value = try reader.next(property.type)
                        if isVertex {
                            values[property.name] =
                                property.type == .uint8 && ["red", "green", "blue"].contains(property.name)
                                ? Float(value / 255) : Float(value)
                        }
                    }
                }
                if isVertex {
                    guard let x = values["x"], let y = values["y"], let z = values["z"] else {
                        throw GeometryError("\(source): vertex element lacks x, y or z properties")
                    }
                    positions.append(SIMD3(x, y, z))
                    for (name, value) in values where !["x", "y", "z"].contains(name) { columns[name, default: []].append(value) }
                }
            }
        }
        let mesh = TriangleMesh(positions: positions, triangles: triangles, attributes: groupAttributes(columns))
        try mesh.validate()
        return mesh
    }

    static func findHeaderEnd(_ bytes: [UInt8]) -> (start: Int, end: Int)? {
        let marker = Array("end_header".utf8)
        guard bytes.count >= marker.count else { return nil }
        for start in 0...(bytes.count - marker.count) where bytes[start..<(start + marker.count)].elementsEqual(marker) {
            var end = start + marker.count
            if end < bytes.count && bytes[end] == UInt8(ascii: "\r") { end += 1 }
            if end < bytes.count && bytes[end] == UInt8(ascii: "\n") { end += 1 }
            return (start, end)
        }
        return nil
    }

    /// Groups per-vertex property columns into named attributes.
    static func groupAttributes(_ columns: [String: [Float]]) -> [String: VertexAttribute] {
        var remaining = columns
        var attributes: [String: VertexAttribute] = [:]
        func take(_ names: [String], as attributeName: String) {
            guard names.allSatisfy({ remaining[$0] != nil }) else { return }
            let channels = names.map { remaining.removeValue(forKey: $0)! }
            attributes[attributeName] = interleave(channels)
        }
        take(["nx", "ny", "nz"], as: "normal")
        take(["s", "t"], as: "uv")
        take(["u", "v"], as: "uv")
        take(["texture_u", "texture_v"], as: "uv")
        take(["red", "green", "blue"], as: "color")
        var grouped: [String: [(Int, [Float])]] = [:]
        for (name, values) in remaining {
            if let underscore = name.lastIndex(of: "_"), let channel = Int(name[name.index(after: underscore)...]) {
                grouped[String(name[..<underscore]), default: []].append((channel, values))
            } else {
                attributes[name] = VertexAttribute(channels: 1, values: values)
            }
        }
        for (name, parts) in grouped {
            attributes[name] = interleave(parts.sorted { $0.0 < $1.0 }.map(\.1))
        }
        return attributes
    }

    static func interleave(_ channels: [[Float]]) -> VertexAttribute {
        let count = channels.first?.count ?? 0
        var values = [Float](repeating: 0, count: count * channels.count)
        for (k, channel) in channels.enumerated() {
            for v in 0..<count { values[v * channels.count + k] = channel[v] }
        }
        return VertexAttribute(channels: channels.count, values: values)
    }
}
