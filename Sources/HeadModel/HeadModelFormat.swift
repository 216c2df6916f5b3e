import Foundation

/// Reads and writes a head model as a directory: `manifest.json` plus raw little-endian blobs
/// (the layout is specified in docs/head-model-format.md).
public enum HeadModelFormat {
    /// The `format` value of every manifest.
    public static let formatName = "avatarflow-head-model"
    /// The manifest version this code reads and writes.
    public static let version = 1

    /// One blob entry of the manifest.
    struct BlobEntry: Codable, Equatable {
        var file: String
        var dtype: String
        var shape: [Int]
    }

    /// The manifest's JSON shape.
    struct Manifest: Codable {
        var format: String
        var version: Int
        var name: String
        var units: String
        var axes: String
        var vertexCount: Int
        var triangleCount: Int
        var identityNames: [String]
        var expressionNames: [String]
        var joints: [HeadJoint]
        var regions: [String]
        var landmarkConvention: String
        var blobs: [String: BlobEntry]

        enum CodingKeys: String, CodingKey {
            case format, version, name, units, axes, joints, regions, blobs
            case vertexCount = "vertex_count"
            case triangleCount = "triangle_count"
            case identityNames = "identity_names"
            case expressionNames = "expression_names"
            case landmarkConvention = "landmark_convention"
        }
    }

    /// Writes `model` into `directory` (created if needed; existing files of the same names are replaced).
    public static func write(_ model: HeadModel, to directory: URL) throws {
        try model.validate()
        let v = model.vertexCount, f = model.triangles.count, j = model.jointCount
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw HeadModelError("cannot create head-model directory \(directory.path): \(error.localizedDescription)")
        }
        var blobs: [String: BlobEntry] = [:]
        func put(_ key: String, floats: [Float], shape: [Int]) throws {
            blobs[key] = BlobEntry(file: key + ".f32", dtype: "float32", shape: shape)
            try writeBlob(floats.map { $0.bitPattern.littleEndian }, to: directory.appendingPathComponent(key + ".f32"))
        }
        func put(_ key: String, ints: [Int32], shape: [Int]) throws {
            blobs[key] = BlobEntry(file: key + ".i32", dtype: "int32", shape: shape)
            try writeBlob(ints.map { $0.littleEndian }, to: directory.appendingPathComponent(key + ".i32"))
        }
        try put("template_vertices", floats: model.templateVertices, shape: [v, 3])
        try put("triangles", ints: model.triangles.flatMap { [$0.x, $0.y, $0.z] }, shape: [f, 3])
        if !model.uv.isEmpty { try put("uv", floats: model.uv, shape: [v, 2]) }
        try put("identity_basis", floats: model.identityBasis, shape: [model.identityCount, v, 3])
        try put("expression_basis", floats: model.expressionBasis, shape: [model.expressionCount, v, 3])
        try put("joint_regressor", floats: model.jointRegressor, shape: [j, v])
        try put("skinning_weights", floats: model.skinningWeights, shape: [v, j])
        try put("landmark_triangles", ints: model.landmarks.map(\.triangle), shape: [model.landmarks.count])
        try put(
            "landmark_barycentrics", floats: model.landmarks.flatMap { [$0.barycentric.x, $0.barycentric.y, $0.barycentric.z] },
            shape: [model.landmarks.count, 3])
        try put("vertex_regions", ints: model.vertexRegions.map(\.rawValue), shape: [v])
        let manifest = Manifest(
            format: formatName, version: version, name: model.name, units: "metres",
            axes: "x to the subject's left, y up, z out of the face",
            vertexCount: v, triangleCount: f, identityNames: model.identityNames,
            expressionNames: model.expressionNames, joints: model.joints,
            regions: HeadRegion.allCases.map(\.name), landmarkConvention: "ibug68", blobs: blobs)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do {
            try encoder.encode(manifest).write(to: directory.appendingPathComponent("manifest.json"), options: .atomic)
        } catch {
            throw HeadModelError("cannot write \(directory.path)/manifest.json: \(error.localizedDescription)")
        }
    }

    /// Reads a head model from `directory`, checking every blob's dtype, shape and byte size.
    public static func read(from directory: URL) throws -> HeadModel {
        let manifestURL = directory.appendingPathComponent("manifest.json")
        guard let data = FileManager.default.contents(atPath: manifestURL.path) else {
            throw HeadModelError("no head model at \(directory.path): manifest.json is missing")
        }
        let manifest: Manifest
        do {
            manifest = try JSONDecoder().decode(Manifest.self, from: data)
        } catch {
            throw HeadModelError("\(manifestURL.path) is not a valid head-model manifest: \(error)")
        }
        guard manifest.format == formatName else {
            throw HeadModelError("\(manifestURL.path): format is '\(manifest.format)', expected '\(formatName)'")
        }
        guard manifest.version == version else {
            throw HeadModelError("\(manifestURL.path): version \(manifest.version) is not supported (this build reads version \(version))")
        }
        let v = manifest.vertexCount, f = manifest.triangleCount, j = manifest.joints.count
        func entry(_ key: String, _ dtype: String, _ shape: [Int]) throws -> BlobEntry {
            guard let blob = manifest.blobs[key] else { throw HeadModelError("\(manifestURL.path): blob '\(key)' is missing") }
            guard blob.dtype == dtype, blob.shape == shape else {
                throw HeadModelError("\(manifestURL.path): blob '\(key)' is \(blob.dtype) \(blob.shape), expected \(dtype) \(shape)")
            }
            // A model reads only its own folder: a blob is a plain file name next to manifest.json.
            guard !blob.file.isEmpty, !blob.file.contains("/"), blob.file != ".", blob.file != ".." else {
                throw HeadModelError(
                    "\(manifestURL.path): blob '\(key)' names the file '\(blob.file)'; blobs must be plain file names in the model's folder")
            }
            return blob
        }
        func floats(_ key: String, _ shape: [Int]) throws -> [Float] {
            let blob = try entry(key, "float32", shape)
            let raw: [UInt32] = try readBlob(directory.appendingPathComponent(blob.file), shape: shape)
            return raw.map { Float(bitPattern: UInt32(littleEndian: $0)) }
        }
        func ints(_ key: String, _ shape: [Int]) throws -> [Int32] {
            let blob = try entry(key, "int32", shape)
            let raw: [Int32] = try readBlob(directory.appendingPathComponent(blob.file), shape: shape)
            return raw.map { Int32(littleEndian: $0) }
        }
        let flatTriangles = try ints("triangles", [f, 3])
        let landmarkTriangles = try ints("landmark_triangles", [IBUG68.count])
        let landmarkWeights = try floats("landmark_barycentrics", [IBUG68.count, 3])
        let regions = try ints("vertex_regions", [v]).enumerated().map { index, raw -> HeadRegion in
            guard let region = HeadRegion(rawValue: raw) else {
                throw HeadModelError("\(directory.path): vertex \(index) has unknown region label \(raw)")
            }
            return region
        }
        let model = HeadModel(
            name: manifest.name,
            templateVertices: try floats("template_vertices", [v, 3]),
            triangles: (0..<f).map { SIMD3(flatTriangles[3 * $0], flatTriangles[3 * $0 + 1], flatTriangles[3 * $0 + 2]) },
            uv: manifest.blobs["uv"] == nil ? [] : try floats("uv", [v, 2]),
            identityNames: manifest.identityNames,
            identityBasis: try floats("identity_basis", [manifest.identityNames.count, v, 3]),
            expressionNames: manifest.expressionNames,
            expressionBasis: try floats("expression_basis", [manifest.expressionNames.count, v, 3]),
            joints: manifest.joints,
            jointRegressor: try floats("joint_regressor", [j, v]),
            skinningWeights: try floats("skinning_weights", [v, j]),
            landmarks: (0..<IBUG68.count).map {
                LandmarkEmbedding(
                    triangle: landmarkTriangles[$0],
                    barycentric: SIMD3(landmarkWeights[3 * $0], landmarkWeights[3 * $0 + 1], landmarkWeights[3 * $0 + 2]))
            },
            vertexRegions: regions)
        try model.validate()
        return model
    }

    static func writeBlob<T>(_ values: [T], to url: URL) throws {
        do {
            try values.withUnsafeBytes { try Data($0).write(to: url, options: .atomic) }
        } catch {
            throw HeadModelError("cannot write blob \(url.path): \(error.localizedDescription)")
        }
    }

    /// Reads a blob of `shape` (extents from the manifest, checked here: non-negative, product in range).
    static func readBlob<T>(_ url: URL, shape: [Int]) throws -> [T] {
        var count = 1
        for extent in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: extent)
            guard extent >= 0, !overflow, product <= Int.max / MemoryLayout<T>.stride else {
                throw HeadModelError("blob \(url.path) has the shape \(shape) in manifest.json, which is negative or too large; the manifest is corrupt")
            }
            count = product
        }
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw HeadModelError("blob \(url.path) is missing or unreadable")
        }
        guard data.count == count * MemoryLayout<T>.stride else {
            throw HeadModelError("blob \(url.path) has \(data.count) bytes, expected \(count * MemoryLayout<T>.stride) (\(count) values)")
        }
        return data.withUnsafeBytes { Array($0.bindMemory(to: T.self)) }
    }
}
