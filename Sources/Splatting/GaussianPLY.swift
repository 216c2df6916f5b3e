import Foundation

/// Standard 3DGS PLY files (graphdeco `save_ply` layout), readable by common 3DGS viewers; the
/// container (header, binary body) is read and written by Geometry's `PLY`.
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
        let header = PLY.binaryHeader(elements: [
            PLY.Element(
                name: "vertex", count: n,
                properties: columns.map {
                    PLY.Property(name: $0.name, type: $0.isInteger ? .int32 : .float32)
                })
        ])
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

    /// Reads a 3DGS PLY file (any property order; float, double and integer property types; other
    /// elements than `vertex` are skipped).
    public static func read(from url: URL) throws(SplattingError) -> GaussianScene {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw SplattingError("cannot read PLY file \(url.path): \(error.localizedDescription)")
        }
        return try decode(data, source: url.path)
    }

    /// Decodes PLY bytes; `source` names the file in error messages.
    public static func decode(_ data: Data, source: String = "PLY data") throws(SplattingError) -> GaussianScene {
        let vertices: PLY.ElementValues
        do {
            let header = try PLY.parseHeader(data, source: source)
            guard header.encoding == .binaryLittleEndian else {
                throw SplattingError("\(source): format 'ascii' is unsupported; 3DGS PLY files are binary_little_endian")
            }
            guard let values = try PLY.readBody(data, header: header, source: source).first(where: { $0.element.name == "vertex" }) else {
                throw SplattingError("\(source): no 'element vertex' line")
            }
            vertices = values
        } catch let error as SplattingError {
            throw error
        } catch {
            throw SplattingError("\(error)")
        }
        let n = vertices.element.count
        var columns: [String: [Float]] = [:]
        var integerColumns: [String: [Int32]] = [:]
        var propertyNames: [String] = []
        for (p, property) in vertices.element.properties.enumerated() where property.listCountType == nil {
            propertyNames.append(property.name)
            columns[property.name] = vertices.columns[p].map { Float($0) }
            if property.type.isInteger { integerColumns[property.name] = vertices.columns[p].map { Int32(clamping: Int64($0)) } }
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
        let groups = groupExtras(propertyNames.filter { !used.contains($0) })
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
}
