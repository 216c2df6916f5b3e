import Foundation

/// Wavefront OBJ reading and writing (positions, "uv" as `vt`, "normal" as `vn`; triangles and
/// polygons, the latter fan-triangulated).
public enum OBJFormat {
    /// Serialises a mesh as OBJ text. Writes `vt`/`vn` lines when the mesh has "uv"/"normal"
    /// attributes, sharing the vertex index (`f a/a/a`). Other attributes are not representable.
    /// The "uv" v coordinate is flipped (OBJ's v points up, ours down the image).
    public static func write(_ mesh: TriangleMesh) -> String {
        var text = "# AvatarFlow OBJ: \(mesh.vertexCount) vertices, \(mesh.triangles.count) triangles\n"
        text.reserveCapacity(mesh.vertexCount * 40 + mesh.triangles.count * 30)
        for p in mesh.positions { text += "v \(p.x) \(p.y) \(p.z)\n" }
        let uv = mesh.attributes["uv"].flatMap { $0.channels == 2 ? $0 : nil }
        let normal = mesh.attributes["normal"].flatMap { $0.channels == 3 ? $0 : nil }
        if let uv {
            for v in 0..<mesh.vertexCount { text += "vt \(uv.values[2 * v]) \(1 - uv.values[2 * v + 1])\n" }
        }
        if let normal {
            for v in 0..<mesh.vertexCount {
                let n = normal.vector3(v)
                text += "vn \(n.x) \(n.y) \(n.z)\n"
            }
        }
        for tri in mesh.triangles {
            let corners = [tri.x + 1, tri.y + 1, tri.z + 1].map { index -> String in
                switch (uv != nil, normal != nil) {
                case (true, true): return "\(index)/\(index)/\(index)"
                case (true, false): return "\(index)/\(index)"
                case (false, true): return "\(index)//\(index)"
                case (false, false): return "\(index)"
                }
            }
            text += "f \(corners.joined(separator: " "))\n"
        }
        return text
    }

    /// Writes a mesh to an OBJ file.
    public static func write(_ mesh: TriangleMesh, to url: URL) throws {
        do {
            try Data(write(mesh).utf8).write(to: url, options: .atomic)
        } catch {
            throw GeometryError("cannot write OBJ file \(url.path): \(error.localizedDescription)")
        }
    }

    /// Reads an OBJ file; see `parse`.
    public static func read(from url: URL) throws -> TriangleMesh {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw GeometryError("cannot read OBJ file \(url.path): it does not exist or is unreadable")
        }
        return try parse(String(decoding: data, as: UTF8.self), source: url.path)
    }

    /// Parses OBJ text (`v`, `vt`, `vn`, `f` with `v`, `v/vt`, `v//vn`, `v/vt/vn` and negative
    /// indices; other statements are ignored). Corners with distinct (v, vt, vn) combinations
    /// become distinct vertices so that attributes stay per-vertex.
    public static func parse(_ text: String, source: String = "<string>") throws -> TriangleMesh {
        var rawPositions: [SIMD3<Float>] = [], rawUVs: [SIMD2<Float>] = [], rawNormals: [SIMD3<Float>] = []
        struct Corner: Hashable {
            var v: Int
            var vt: Int
            var vn: Int
        }
        var cornerIndex: [Corner: Int32] = [:]
        var corners: [Corner] = []
        var triangles: [SIMD3<Int32>] = []
        var lineNumber = 0
        func fail(_ message: String) -> GeometryError {
            GeometryError("\(source):\(lineNumber): \(message)")
        }
        func floats(_ fields: ArraySlice<Substring>, _ count: Int) throws -> [Float] {
            let values = fields.prefix(count).compactMap { Float($0) }
            guard values.count == count else { throw fail("expected \(count) numbers") }
            return values
        }
        func resolve(_ field: Substring, count: Int, kind: String) throws -> Int {
            guard let value = Int(field), value != 0 else { throw fail("bad \(kind) index '\(field)'") }
            let index = value > 0 ? value - 1 : count + value
            guard index >= 0 && index < count else { throw fail("\(kind) index \(value) out of range (\(count) defined)") }
            return index
        }
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            lineNumber += 1
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard let keyword = fields.first else { continue }
            switch keyword {
            case "v":
                let v = try floats(fields.dropFirst(), 3)
                rawPositions.append(SIMD3(v[0], v[1], v[2]))
            case "vt":
                let v = try floats(fields.dropFirst(), 2)
                rawUVs.append(SIMD2(v[0], 1 - v[1]))
            case "vn":
                let v = try floats(fields.dropFirst(), 3)
                rawNormals.append(SIMD3(v[0], v[1], v[2]))
            case "f":
                guard fields.count >= 4 else { throw fail("a face needs at least 3 corners") }
                var polygon: [Int32] = []
                for field in fields.dropFirst() {
                    let parts = field.split(separator: "/", omittingEmptySubsequences: false)
                    var corner = Corner(v: try resolve(parts[0], count: rawPositions.count, kind: "vertex"), vt: -1, vn: -1)
                    if parts.count > 1, !parts[1].isEmpty { corner.vt = try resolve(parts[1], count: rawUVs.count, kind: "texture") }
                    if parts.count > 2, !parts[2].isEmpty { corner.vn = try resolve(parts[2], count: rawNormals.count, kind: "normal") }
                    if let existing = cornerIndex[corner] {
                        polygon.append(existing)
                    } else {
                        let index = Int32(corners.count)
                        cornerIndex[corner] = index
                        corners.append(corner)
                        polygon.append(index)
                    }
                }
                for k in 1..<(polygon.count - 1) {
                    triangles.append(SIMD3(polygon[0], polygon[k], polygon[k + 1]))
                }
            default:
                continue
            }
        }
        let cornersAreVertices =
            corners.allSatisfy { ($0.vt < 0 || $0.vt == $0.v) && ($0.vn < 0 || $0.vn == $0.v) }
            && Set(corners.map(\.v)).count == corners.count
        if cornersAreVertices {
            // Every vertex has one texture coordinate and normal of the same index: keep the file's vertex order.
            let remap = corners.map { Int32($0.v) }
            triangles = triangles.map { SIMD3(remap[Int($0.x)], remap[Int($0.y)], remap[Int($0.z)]) }
            var ordered = [Corner](repeating: Corner(v: -1, vt: -1, vn: -1), count: rawPositions.count)
            for corner in corners { ordered[corner.v] = corner }
            let usesUV = corners.first.map { $0.vt >= 0 } ?? false, usesNormal = corners.first.map { $0.vn >= 0 } ?? false
            corners = ordered.enumerated().map { Corner(v: $0.offset, vt: usesUV ? $0.offset : -1, vn: usesNormal ? $0.offset : -1) }
            if usesUV && rawUVs.count < rawPositions.count || usesNormal && rawNormals.count < rawPositions.count {
                throw GeometryError("\(source): texture coordinates or normals are fewer than vertices although faces share their indices")
            }
        }
        var mesh = TriangleMesh(positions: corners.map { rawPositions[$0.v] }, triangles: triangles)
        if !corners.isEmpty, corners.allSatisfy({ $0.vt >= 0 }) {
            mesh.attributes["uv"] = VertexAttribute(channels: 2, values: corners.flatMap { [rawUVs[$0.vt].x, rawUVs[$0.vt].y] })
        }
        if !corners.isEmpty, corners.allSatisfy({ $0.vn >= 0 }) {
            mesh.attributes["normal"] = VertexAttribute(vectors: corners.map { rawNormals[$0.vn] })
        }
        return mesh
    }
}
