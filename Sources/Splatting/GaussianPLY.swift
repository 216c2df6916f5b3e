import Foundation

/// Standard 3DGS PLY files (graphdeco `save_ply` layout), readable by common 3DGS viewers.
///
/// Binary little endian, one `vertex` element with float properties in this order:
/// `x y z`, `nx ny nz` (zeros), `f_dc_0..2`, `f_rest_*` (channel-major: `f_rest_{c·(K−1)+k−1}` is
/// SH coefficient k of channel c), `opacity` (logit), `scale_0..2` (log), `rot_0..3` (w x y z),
/// then extra properties: each `GaussianAttribute` named `name` (width 1) or `name_0…name_{w−1}`,
/// as `float` or `int`. Scenes with plain feature vectors store them as extra properties
/// `feature_0…feature_{C−1}` and put the first three channels into `f_dc` as colour
/// (`(f − 0.5)/C0`), so viewers show a sensible picture.
public enum GaussianPLY {
    /// Prefix of the extra properties that carry plain feature vectors.
    public static let featurePrefix = "feature"

    /// Encodes `scene` as a binary PLY file.
    public static func encode(_ scene: GaussianScene) throws(SplattingError) -> Data {
        try scene.validateShapes()
        let n = scene.count
        var columns: [(name: String, isInteger: Bool, value: (Int) -> UInt32)] = []
        func float(_ name: String, _ value: @escaping (Int) -> Float) {
            columns.append((name, false, { value($0).bitPattern }))
        }
        for (a, name) in ["x", "y", "z"].enumerated() { float(name) { scene.means[3 * $0 + a] } }
        for name in ["nx", "ny", "nz"] { float(name) { _ in 0 } }
        var extras = scene.attributes
        switch scene.appearance {
        case .sphericalHarmonics(let degree):
            let k = SphericalHarmonics.coefficientCount(degree: degree)
            for c in 0..<3 { float("f_dc_\(c)") { scene.features[$0 * k * 3 + c] } }
            for c in 0..<3 {
                for j in 1..<max(1, k) {
                    float("f_rest_\(c * (k - 1) + j - 1)") { scene.features[($0 * k + j) * 3 + c] }
                }
            }
        case .features(let channels):
            for c in 0..<3 {
                float("f_dc_\(c)") { c < channels ? (scene.features[$0 * channels + c] - 0.5) / SphericalHarmonics.c0 : 0 }
            }
            guard extras[featurePrefix] == nil else {
                throw SplattingError("attribute name '\(featurePrefix)' is reserved for feature vectors in PLY files; rename the attribute")
            }
            extras[featurePrefix] = GaussianAttribute(width: channels, values: .float(scene.features))
        }
        float("opacity") { scene.opacityLogits[$0] }
        for a in 0..<3 { float("scale_\(a)") { scene.logScales[3 * $0 + a] } }
        for a in 0..<4 { float("rot_\(a)") { scene.rotations[4 * $0 + a] } }
        let standard = Set(columns.map(\.name))
        for name in extras.keys.sorted() {
            let attribute = extras[name]!
            for a in 0..<attribute.width {
                let property = attribute.width == 1 ? name : "\(name)_\(a)"
                guard !standard.contains(property) else {
                    throw SplattingError("attribute '\(name)' would write PLY property '\(property)', which is a standard 3DGS property; rename the attribute")
                }
                switch attribute.values {
                case .float(let values): columns.append((property, false, { values[$0 * attribute.width + a].bitPattern }))
                case .int32(let values): columns.append((property, true, { UInt32(bitPattern: values[$0 * attribute.width + a]) }))
                }
            }
        }
        var header = "ply\nformat binary_little_endian 1.0\nelement vertex \(n)\n"
        for column in columns { header += "property \(column.isInteger ? "int" : "float") \(column.name)\n" }
        header += "end_header\n"
        var data = Data(header.utf8)
        var body = [UInt32](repeating: 0, count: n * columns.count)
        for i in 0..<n {
            for (c, column) in columns.enumerated() { body[i * columns.count + c] = column.value(i).littleEndian }
        }
        body.withUnsafeBytes { data.append(contentsOf: $0) }
        return data
    }

    /// Writes `scene` to `url` as a binary PLY file.
    public static func write(_ scene: GaussianScene, to url: URL) throws(SplattingError) {
        let data = try encode(scene)
        do { try data.write(to: url, options: .atomic) } catch {
            throw SplattingError("cannot write PLY file \(url.path): \(error.localizedDescription)")
        }
    }

    /// Reads a 3DGS PLY file (any property order; float, double and integer property types).
    public static func read(from url: URL) throws(SplattingError) -> GaussianScene {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw SplattingError("cannot read PLY file \(url.path): \(error.localizedDescription)")
        }
        return try decode(data, source: url.path)
    }

    /// Decodes PLY bytes; `source` names the file in error messages.
    public static func decode(_ data: Data, source: String = "PLY data") throws(SplattingError) -> GaussianScene {
        let header = try parseHeader(data, source: source)
        let rowSize = header.properties.reduce(0) { $0 + $1.type.size }
        let n = header.vertexCount
        guard data.count - header.bodyOffset >= n * rowSize else {
            throw SplattingError(
                "\(source): the header announces \(n) vertices of \(rowSize) bytes but only \(data.count - header.bodyOffset) bytes follow; the file is truncated"
            )
        }
        var columns: [String: [Float]] = [:]
        var integerColumns: [String: [Int32]] = [:]
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            var offset = 0
            for property in header.properties {
                var floats = [Float](repeating: 0, count: n)
                var integers = property.type.isInteger ? [Int32](repeating: 0, count: n) : []
                for i in 0..<n {
                    let base = header.bodyOffset + i * rowSize + offset
                    let value = property.type.read(raw, at: base)
                    floats[i] = Float(value)
                    if property.type.isInteger { integers[i] = Int32(clamping: Int64(value)) }
                }
                columns[property.name] = floats
                if property.type.isInteger { integerColumns[property.name] = integers }
                offset += property.type.size
            }
        }
        func column(_ name: String) throws(SplattingError) -> [Float] {
            guard let values = columns[name] else {
                throw SplattingError("\(source): missing vertex property '\(name)'; is this a 3D Gaussian splatting PLY file?")
            }
            return values
        }
        func interleave(_ names: [String]) throws(SplattingError) -> [Float] {
            var cols: [[Float]] = []
            for name in names { cols.append(try column(name)) }
            var result = [Float](repeating: 0, count: n * names.count)
            for i in 0..<n { for (c, values) in cols.enumerated() { result[i * names.count + c] = values[i] } }
            return result
        }
        var used: Set<String> = ["x", "y", "z", "nx", "ny", "nz", "opacity"]
        var scene = GaussianScene(appearance: .features(channels: 3))
        scene.means = try interleave(["x", "y", "z"])
        scene.opacityLogits = try column("opacity")
        let scaleNames = (0..<3).map { "scale_\($0)" }, rotationNames = (0..<4).map { "rot_\($0)" }
        scene.logScales = try interleave(scaleNames)
        scene.rotations = try interleave(rotationNames)
        used.formUnion(scaleNames + rotationNames)
        let dcNames = (0..<3).map { "f_dc_\($0)" }
        let restCount = columns.keys.filter { $0.hasPrefix("f_rest_") }.count
        used.formUnion(dcNames + (0..<restCount).map { "f_rest_\($0)" })
        let groups = groupExtras(header.properties.map(\.name).filter { !used.contains($0) })
        if let featureGroup = groups.first(where: { $0.name == featurePrefix }) {
            scene.appearance = .features(channels: featureGroup.properties.count)
            scene.features = try interleave(featureGroup.properties)
        } else {
            guard let degree = [0, 1, 2, 3].first(where: { 3 * (($0 + 1) * ($0 + 1) - 1) == restCount }) else {
                throw SplattingError("\(source): \(restCount) f_rest properties do not match any SH degree 0…3 (expected 0, 9, 24 or 45)")
            }
            let k = SphericalHarmonics.coefficientCount(degree: degree)
            let dc = try interleave(dcNames)
            let rest = restCount > 0 ? try interleave((0..<restCount).map { "f_rest_\($0)" }) : []
            var features = [Float](repeating: 0, count: n * k * 3)
            for i in 0..<n {
                for c in 0..<3 {
                    features[i * k * 3 + c] = dc[i * 3 + c]
                    for j in 1..<max(1, k) { features[(i * k + j) * 3 + c] = rest[i * restCount + c * (k - 1) + j - 1] }
                }
            }
            scene.appearance = .sphericalHarmonics(degree: degree)
            scene.features = features
        }
        for group in groups where group.name != featurePrefix {
            if group.properties.allSatisfy({ integerColumns[$0] != nil }) {
                var values = [Int32](repeating: 0, count: n * group.properties.count)
                for (c, name) in group.properties.enumerated() {
                    let col = integerColumns[name]!
                    for i in 0..<n { values[i * group.properties.count + c] = col[i] }
                }
                scene.attributes[group.name] = GaussianAttribute(width: group.properties.count, values: .int32(values))
            } else {
                scene.attributes[group.name] = GaussianAttribute(width: group.properties.count, values: .float(try interleave(group.properties)))
            }
        }
        return scene
    }

    /// Groups extra property names: `name_0…name_{w−1}` (consecutive) form one attribute of width w,
    /// any other name an attribute of width 1.
    static func groupExtras(_ names: [String]) -> [(name: String, properties: [String])] {
        var groups: [(name: String, properties: [String])] = []
        var index = 0
        while index < names.count {
            let name = names[index]
            if let underscore = name.lastIndex(of: "_"), name[name.index(after: underscore)...] == "0" {
                let prefix = String(name[..<underscore])
                var members = [name]
                while index + members.count < names.count, names[index + members.count] == "\(prefix)_\(members.count)" {
                    members.append(names[index + members.count])
                }
                groups.append((prefix, members))
                index += members.count
            } else {
                groups.append((name, [name]))
                index += 1
            }
        }
        return groups
    }

    enum PropertyType {
        case int8, uint8, int16, uint16, int32, uint32, float32, float64

        init?(_ name: String) {
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
            case .int8, .uint8: return 1
            case .int16, .uint16: return 2
            case .int32, .uint32, .float32: return 4
            case .float64: return 8
            }
        }

        var isInteger: Bool { self != .float32 && self != .float64 }

        func read(_ raw: UnsafeRawBufferPointer, at offset: Int) -> Double {
            switch self {
            case .int8: return Double(raw.loadUnaligned(fromByteOffset: offset, as: Int8.self))
            case .uint8: return Double(raw.loadUnaligned(fromByteOffset: offset, as: UInt8.self))
            case .int16: return Double(Int16(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: Int16.self)))
            case .uint16: return Double(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
            case .int32: return Double(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: Int32.self)))
            case .uint32: return Double(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
            case .float32:
                return Double(Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self))))
            case .float64:
                return Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)))
            }
        }
    }

    struct Header {
        var vertexCount: Int
        var properties: [(name: String, type: PropertyType)]
        var bodyOffset: Int
    }

    static func parseHeader(_ data: Data, source: String) throws(SplattingError) -> Header {
        guard let end = data.range(of: Data("end_header\n".utf8)) else {
            throw SplattingError("\(source): no 'end_header' line; not a PLY file")
        }
        let text = String(decoding: data[data.startIndex..<end.lowerBound], as: UTF8.self)
        let lines = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        guard lines.first == "ply" else { throw SplattingError("\(source): does not start with 'ply'") }
        var vertexCount: Int?
        var properties: [(name: String, type: PropertyType)] = []
        var inVertex = false
        for (number, line) in lines.enumerated() {
            let words = line.split(separator: " ").map(String.init)
            guard let keyword = words.first else { continue }
            switch keyword {
            case "format":
                guard words.count >= 2, words[1] == "binary_little_endian" else {
                    throw SplattingError(
                        "\(source) line \(number + 1): format '\(words.dropFirst().joined(separator: " "))' is unsupported; 3DGS PLY files are binary_little_endian"
                    )
                }
            case "element":
                guard words.count == 3, let count = Int(words[2]) else {
                    throw SplattingError("\(source) line \(number + 1): malformed element line '\(line)'")
                }
                if words[1] == "vertex" {
                    guard vertexCount == nil, properties.isEmpty else {
                        throw SplattingError("\(source) line \(number + 1): the vertex element must come first and only once")
                    }
                    vertexCount = count
                    inVertex = true
                } else {
                    guard vertexCount != nil else {
                        throw SplattingError("\(source) line \(number + 1): element '\(words[1])' precedes the vertex element; unsupported")
                    }
                    inVertex = false
                }
            case "property" where inVertex:
                guard words.count == 3, let type = PropertyType(words[1]) else {
                    throw SplattingError("\(source) line \(number + 1): unsupported vertex property '\(line)' (lists and unknown types cannot be read)")
                }
                properties.append((words[2], type))
            default:
                continue
            }
        }
        guard let vertexCount else { throw SplattingError("\(source): no 'element vertex' line") }
        return Header(vertexCount: vertexCount, properties: properties, bodyOffset: end.upperBound - data.startIndex)
    }
}
