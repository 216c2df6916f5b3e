import Foundation

/// Stanford PLY reading and writing of triangle meshes, on top of the `PLY` container reader/writer.
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
        let vertexProperties = (["x", "y", "z"] + layout.flatMap(\.names)).map { PLY.Property(name: $0, type: .float32) }
        let header = PLY.binaryHeader(
            elements: [
                PLY.Element(name: "vertex", count: mesh.vertexCount, properties: vertexProperties),
                PLY.Element(
                    name: "face", count: mesh.triangles.count,
                    properties: [PLY.Property(name: "vertex_indices", type: .int32, listCountType: .uint8)]),
            ], comments: ["AvatarFlow"])
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

    /// Parses PLY bytes (ascii or binary little-endian) into a triangle mesh.
    public static func parse(_ data: Data, source: String = "<data>") throws -> TriangleMesh {
        let header = try PLY.parseHeader(data, source: source)
        var positions: [SIMD3<Float>] = []
        var columns: [String: [Float]] = [:]
        var triangles: [SIMD3<Int32>] = []
        for values in try PLY.readBody(data, header: header, source: source) {
            let element = values.element
            if element.name == "vertex" {
                guard let x = values.column("x"), let y = values.column("y"), let z = values.column("z") else {
                    throw GeometryError("\(source): vertex element lacks x, y or z properties")
                }
                positions = (0..<element.count).map { SIMD3(Float(x[$0]), Float(y[$0]), Float(z[$0])) }
                for (p, property) in element.properties.enumerated() where property.listCountType == nil && !["x", "y", "z"].contains(property.name) {
                    let scale = property.type == .uint8 && ["red", "green", "blue"].contains(property.name)
                    columns[property.name] = values.columns[p].map { scale ? Float($0 / 255) : Float($0) }
                }
            } else if element.name == "face" {
                for (p, property) in element.properties.enumerated()
                where property.listCountType != nil && (property.name == "vertex_indices" || property.name == "vertex_index") {
                    let items = values.listItems[p], starts = values.listStarts[p]
                    for row in 0..<element.count {
                        let corners = try items[starts[row]..<starts[row + 1]].map { value in
                            guard let index = Int32(exactly: value) else {
                                throw GeometryError("\(source): face \(row) has the vertex index \(value); indices are integers in 0..<vertex count")
                            }
                            return index
                        }
                        guard corners.count >= 3 else { throw GeometryError("\(source): a face has \(corners.count) corners, need ≥ 3") }
                        for k in 1..<(corners.count - 1) { triangles.append(SIMD3(corners[0], corners[k], corners[k + 1])) }
                    }
                }
            }
        }
        let mesh = TriangleMesh(positions: positions, triangles: triangles, attributes: groupAttributes(columns))
        try mesh.validate()
        return mesh
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
