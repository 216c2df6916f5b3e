import Foundation
import Geometry

/// Builds the project's own parametric head model procedurally (no licensed data): a
/// latitude–longitude head grid with eye and mouth openings, two eyeballs and a mouth cavity,
/// 13 identity and 24 expression blendshapes, FLAME-style joints (root, neck, jaw, left eye,
/// right eye) with smooth skinning weights, iBUG-68 landmark embeddings, UVs and region labels.
/// The same seed always gives the same model, bit for bit.
public enum ProceduralHeadBuilder {
    /// The seed of the shipped model.
    public static let defaultSeed: UInt64 = 20_240_601
    static let eyeballRings = 10, eyeballSegments = 16, mouthRings = 8, mouthSegments = 16

    /// Joint names in order (FLAME order).
    public static let jointNames = ["root", "neck", "jaw", "left_eye", "right_eye"]

    /// Builds the model.
    public static func build(seed: UInt64 = defaultSeed) -> HeadModel {
        let surface = ProceduralHeadSurface(seed: seed)
        let layout = Layout(surface: surface)
        let zeroIdentity = [Float](repeating: 0, count: IdentityCoefficient.allCases.count)
        let zeroExpression = [Float](repeating: 0, count: ExpressionCoefficient.allCases.count)
        let template = layout.positions(identity: zeroIdentity, expression: zeroExpression)
        func basis(_ count: Int, _ evaluate: ([Float]) -> [SIMD3<Float>]) -> [Float] {
            var flat: [Float] = []
            flat.reserveCapacity(count * template.count * 3)
            for k in 0..<count {
                var unit = [Float](repeating: 0, count: count)
                unit[k] = 1
                for (shaped, rest) in zip(evaluate(unit), template) {
                    let delta = shaped - rest
                    flat += [delta.x, delta.y, delta.z]
                }
            }
            return flat
        }
        let identityBasis = basis(IdentityCoefficient.allCases.count) { layout.positions(identity: $0, expression: zeroExpression) }
        let expressionBasis = basis(ExpressionCoefficient.allCases.count) { layout.positions(identity: zeroIdentity, expression: $0) }
        let triangles = layout.triangles()
        return HeadModel(
            name: "avatarflow-procedural-v1",
            templateVertices: template.flatMap { [$0.x, $0.y, $0.z] },
            triangles: triangles,
            uv: layout.uv(),
            identityNames: IdentityCoefficient.allCases.map(\.name),
            identityBasis: identityBasis,
            expressionNames: ExpressionCoefficient.allCases.map(\.name),
            expressionBasis: expressionBasis,
            joints: [
                HeadJoint(name: "root", parent: -1), HeadJoint(name: "neck", parent: 0), HeadJoint(name: "jaw", parent: 1),
                HeadJoint(name: "left_eye", parent: 1), HeadJoint(name: "right_eye", parent: 1),
            ],
            jointRegressor: layout.jointRegressor(),
            skinningWeights: layout.skinningWeights(),
            landmarks: layout.landmarks(template: template, triangles: triangles),
            vertexRegions: layout.regions())
    }

    /// Vertex and triangle layout: pole, grid rows × (columns + 1), right eyeball, left eyeball, mouth cavity.
    struct Layout {
        let surface: ProceduralHeadSurface
        let sphere = TriangleMesh.uvSphere(radius: 1, rings: eyeballRings, segments: eyeballSegments)
        let cavity = TriangleMesh.uvSphere(radius: 1, rings: mouthRings, segments: mouthSegments)
            .transformed(by: RigidTransform(rotation: Matrix3x3(rotationVector: SIMD3(-.pi / 2, 0, 0))))

        var columns: Int { ProceduralHeadSurface.columnCount + 1 }
        var rows: Int { surface.rowCount }
        var gridStart: Int { 1 }
        var rightEyeStart: Int { 1 + rows * columns }
        var leftEyeStart: Int { rightEyeStart + sphere.vertexCount }
        var cavityStart: Int { leftEyeStart + sphere.vertexCount }
        var vertexCount: Int { cavityStart + cavity.vertexCount }

        func grid(_ row: Int, _ column: Int) -> Int { 1 + row * columns + column }

        func positions(identity: [Float], expression: [Float]) -> [SIMD3<Float>] {
            var result = [SIMD3<Float>](repeating: .zero, count: vertexCount)
            let (o, d) = ProceduralHeadSurface.ray(q: 0, theta: 0)
            let top = o + ProceduralHeadSurface.baseRadius(origin: o, direction: d) * d
            result[0] = top + surface.identityOffset(point: top, base: top, identity: identity) + surface.asymmetryOffset(top)
            for row in 0..<rows {
                for column in 0..<columns {
                    let c = column == columns - 1 ? 0 : column
                    result[grid(row, column)] = surface.gridVertex(row: row, column: c, identity: identity, expression: expression)
                }
            }
            for (index, start) in [rightEyeStart, leftEyeStart].enumerated() {
                let center = surface.eyeballCenter(index, identity: identity)
                for v in 0..<sphere.vertexCount {
                    result[start + v] = center + ProceduralHeadSurface.eyeballRadius * sphere.positions[v]
                }
            }
            for v in 0..<cavity.vertexCount {
                result[cavityStart + v] = surface.mouthInteriorVertex(direction: cavity.positions[v], identity: identity)
            }
            return result
        }

        func isOpening(row: Int, quadColumn j: Int) -> Bool {
            if row == surface.eyeUpperRow {
                for columns in [surface.rightEyeColumns, surface.leftEyeColumns] where j >= columns.lowerBound && j < columns.upperBound {
                    return true
                }
            }
            return row == surface.mouthUpperRow && j >= surface.mouthColumns.lowerBound && j < surface.mouthColumns.upperBound
        }

        func triangles() -> [SIMD3<Int32>] {
            var result: [SIMD3<Int32>] = []
            for j in 0..<(columns - 1) {
                result.append(SIMD3(0, Int32(grid(0, j)), Int32(grid(0, j + 1))))
            }
            for i in 0..<(rows - 1) {
                for j in 0..<(columns - 1) where !isOpening(row: i, quadColumn: j) {
                    let a = Int32(grid(i, j)), b = Int32(grid(i, j + 1)), c = Int32(grid(i + 1, j)), d = Int32(grid(i + 1, j + 1))
                    result.append(SIMD3(a, c, d))
                    result.append(SIMD3(a, d, b))
                }
            }
            for start in [rightEyeStart, leftEyeStart] {
                result += sphere.triangles.map { $0 &+ SIMD3(repeating: Int32(start)) }
            }
            result += cavity.triangles.map { $0 &+ SIMD3(repeating: Int32(cavityStart)) }
            return result
        }

        func uv() -> [Float] {
            var result = [Float](repeating: 0, count: vertexCount * 2)
            result[0] = 0.5
            for i in 0..<rows {
                for j in 0..<columns {
                    result[2 * grid(i, j)] = Float(j) / Float(columns - 1)
                    result[2 * grid(i, j) + 1] = 0.75 * Float(i + 1) / Float(rows)
                }
            }
            let sphereUV = sphere.attributes["uv"]!.values, cavityUV = cavity.attributes["uv"]!.values
            for start in [rightEyeStart, leftEyeStart] {
                for v in 0..<sphere.vertexCount {
                    result[2 * (start + v)] = sphereUV[2 * v]
                    result[2 * (start + v) + 1] = 0.76 + 0.11 * sphereUV[2 * v + 1]
                }
            }
            for v in 0..<cavity.vertexCount {
                result[2 * (cavityStart + v)] = cavityUV[2 * v]
                result[2 * (cavityStart + v) + 1] = 0.88 + 0.12 * cavityUV[2 * v + 1]
            }
            return result
        }

        func gridBase(_ index: Int) -> (point: SIMD3<Float>, theta: Float, row: Int) {
            if index == 0 {
                let (o, d) = ProceduralHeadSurface.ray(q: 0, theta: 0)
                return (o + ProceduralHeadSurface.baseRadius(origin: o, direction: d) * d, 0, -1)
            }
            let row = (index - 1) / columns, column = (index - 1) % columns
            let c = column == columns - 1 ? 0 : column
            return (surface.basePoint(row: row, column: c), surface.columnAngles[c], row)
        }

        func regions() -> [HeadRegion] {
            (0..<vertexCount).map { v in
                if v >= cavityStart { return .mouthInterior }
                if v >= rightEyeStart { return .eyes }
                let (p, theta, _) = gridBase(v)
                let c = cos(theta)
                let neckLine = ProceduralHeadSurface.neckLine(theta: theta)
                let hairline =
                    c >= 0
                    ? Shape.mix(0.035, 0.082, Shape.smoothstep(0.1, 0.75, c))
                    : Shape.mix(0.035, -0.085, Shape.smoothstep(-0.05, -0.55, c))
                if p.y < neckLine { return .neck }
                if surface.isEar(base: p) { return .ears }
                if p.y > hairline { return .scalp }
                return .face
            }
        }

        /// Weights over [root, neck, jaw, left_eye, right_eye], V × 5.
        func skinningWeights() -> [Float] {
            let ym = ProceduralHeadSurface.mouthLineY
            var weights = [Float](repeating: 0, count: vertexCount * 5)
            for v in 0..<vertexCount {
                var w = SIMD8<Float>.zero
                if v >= cavityStart {
                    let y = cavity.positions[v - cavityStart].y * 0.02 + ym - 0.008
                    let jaw = Shape.smoothstep(ym + 0.004, ym - 0.008, y)
                    w[1] = 1 - jaw
                    w[2] = jaw
                } else if v >= leftEyeStart {
                    w[3] = 1
                } else if v >= rightEyeStart {
                    w[4] = 1
                } else {
                    let (p, theta, row) = gridBase(v)
                    let neckLine = ProceduralHeadSurface.neckLine(theta: theta)
                    let head = Shape.smoothstep(neckLine - 0.06, neckLine + 0.01, p.y)
                    var jaw: Float = 0
                    if row >= 0 {
                        let column = (v - 1) % columns
                        let m = surface.openingProfile(column: column == columns - 1 ? 0 : column, columns: surface.mouthColumns)
                        let fall = 1 - Shape.smoothstep(0, 0.012, abs(p.y - ym))
                        let vertical = row <= surface.mouthUpperRow ? 0.5 * fall * (1 - m) : 1 - 0.5 * fall * (1 - m)
                        let mask = Shape.smoothstep(-0.035, 0.01, p.z) * Shape.smoothstep(-0.155, -0.125, p.y)
                        jaw = head * mask * vertical
                    }
                    w[0] = 1 - head
                    w[1] = head - jaw
                    w[2] = jaw
                }
                for k in 0..<5 { weights[v * 5 + k] = w[k] }
            }
            return weights
        }

        /// Joint regressor, 5 × V: rings and pairs of vertices whose mean is the joint centre.
        func jointRegressor() -> [Float] {
            var regressor = [Float](repeating: 0, count: 5 * vertexCount)
            func average(_ joint: Int, _ vertices: [Int]) {
                for v in vertices { regressor[joint * vertexCount + v] += 1 / Float(vertices.count) }
            }
            func rowNearest(_ y: Float) -> Int {
                (0..<rows).min { abs(surface.basePoint(row: $0, column: 0).y - y) < abs(surface.basePoint(row: $1, column: 0).y - y) }!
            }
            let ring = { (row: Int) in (0..<(columns - 1)).map { grid(row, $0) } }
            average(0, ring(rows - 1))
            average(1, ring(rowNearest(-0.10)))
            let jawRow = rowNearest(-0.012)
            let sides = [-Float.pi / 2, Float.pi / 2].map { target in
                (0..<(columns - 1)).min { abs(surface.columnAngles[$0] - target) < abs(surface.columnAngles[$1] - target) }!
            }
            average(2, sides.map { grid(jawRow, $0) })
            average(3, Array(leftEyeStart..<(leftEyeStart + sphere.vertexCount)))
            average(4, Array(rightEyeStart..<(rightEyeStart + sphere.vertexCount)))
            return regressor
        }

        func landmarks(template: [SIMD3<Float>], triangles: [SIMD3<Int32>]) -> [LandmarkEmbedding] {
            let mesh = TriangleMesh(positions: template, triangles: triangles)
            let normals = mesh.vertexNormals()
            let incident = mesh.vertexTriangles()
            let regions = self.regions()
            let ye = ProceduralHeadSurface.eyeLineY, ym = ProceduralHeadSurface.mouthLineY, tip = ProceduralHeadSurface.noseTipY
            let eyeRow = surface.eyeUpperRow, mouthRow = surface.mouthUpperRow
            let frontColumns = (columns / 4 - 6)...(3 * columns / 4 + 6)
            func nearest(_ x: Float, _ y: Float, rows allowed: ClosedRange<Int>, minNormalZ: Float) -> Int {
                var best = -1
                var bestDistance = Float.infinity
                for row in allowed {
                    for column in frontColumns {
                        let v = grid(row, column), p = template[v]
                        guard p.z > 0, normals[v].z >= minNormalZ, regions[v] != .ears else { continue }
                        let distance = (p.x - x) * (p.x - x) + (p.y - y) * (p.y - y)
                        if distance < bestDistance {
                            bestDistance = distance
                            best = v
                        }
                    }
                }
                return best
            }
            let all = 0...(rows - 1)
            var vertices = [Int](repeating: 0, count: IBUG68.count)
            for i in IBUG68.jaw {
                let t = Float.pi * Float(i) / 16
                vertices[i] = nearest(-0.071 * cos(t), 0.004 - 0.12 * sin(t), rows: all, minNormalZ: 0.25)
            }
            let brow: [(Float, Float)] = [(0.055, 0.016), (0.046, 0.022), (0.036, 0.025), (0.026, 0.025), (0.015, 0.022)]
            for (k, (x, dy)) in brow.enumerated() {
                vertices[17 + k] = nearest(-x, ye + dy, rows: 0...eyeRow, minNormalZ: 0.3)
                vertices[26 - k] = nearest(x, ye + dy, rows: 0...eyeRow, minNormalZ: 0.3)
            }
            for (k, dy) in [Float(0.004), -0.009, -0.022].enumerated() {
                vertices[27 + k] = nearest(0, ye + dy, rows: 0...eyeRow + 8, minNormalZ: 0.3)
            }
            vertices[30] = nearest(0, tip, rows: all, minNormalZ: 0.5)
            let lowerNose: [(Float, Float)] = [(-0.014, -0.008), (-0.007, -0.011), (0, -0.013), (0.007, -0.011), (0.014, -0.008)]
            for (k, (x, dy)) in lowerNose.enumerated() {
                vertices[31 + k] = nearest(x, tip + dy, rows: all, minNormalZ: -0.5)
            }
            /// The column at `fraction` of an opening, rounded symmetrically so that mirrored fractions give mirrored columns.
            func along(_ columns: ClosedRange<Int>, _ fraction: Float) -> Int {
                let span = Float(columns.count - 1)
                return fraction <= 0.5 ? columns.lowerBound + Int((span * fraction).rounded()) : columns.upperBound - Int((span * (1 - fraction)).rounded())
            }
            let right = surface.rightEyeColumns, left = surface.leftEyeColumns, mouth = surface.mouthColumns
            vertices[36] = grid(eyeRow, right.lowerBound)
            vertices[37] = grid(eyeRow, along(right, 1.0 / 3))
            vertices[38] = grid(eyeRow, along(right, 2.0 / 3))
            vertices[39] = grid(eyeRow, right.upperBound)
            vertices[40] = grid(eyeRow + 1, along(right, 2.0 / 3))
            vertices[41] = grid(eyeRow + 1, along(right, 1.0 / 3))
            vertices[42] = grid(eyeRow, left.lowerBound)
            vertices[43] = grid(eyeRow, along(left, 1.0 / 3))
            vertices[44] = grid(eyeRow, along(left, 2.0 / 3))
            vertices[45] = grid(eyeRow, left.upperBound)
            vertices[46] = grid(eyeRow + 1, along(left, 2.0 / 3))
            vertices[47] = grid(eyeRow + 1, along(left, 1.0 / 3))
            vertices[48] = grid(mouthRow, mouth.lowerBound)
            vertices[54] = grid(mouthRow, mouth.upperBound)
            let upperLip: [(Float, Float)] = [(-0.016, 0.006), (-0.007, 0.0095), (0, 0.0085), (0.007, 0.0095), (0.016, 0.006)]
            for (k, (x, dy)) in upperLip.enumerated() {
                vertices[49 + k] = nearest(x, ym + dy, rows: 0...(mouthRow - 1), minNormalZ: 0)
            }
            let lowerLip: [(Float, Float)] = [(0.017, -0.007), (0.009, -0.0105), (0, -0.011), (-0.009, -0.0105), (-0.017, -0.007)]
            for (k, (x, dy)) in lowerLip.enumerated() {
                vertices[55 + k] = nearest(x, ym + dy, rows: (mouthRow + 2)...(rows - 1), minNormalZ: 0)
            }
            vertices[60] = grid(mouthRow, mouth.lowerBound + 1)
            vertices[61] = grid(mouthRow, along(mouth, 0.25))
            vertices[62] = grid(mouthRow, along(mouth, 0.5))
            vertices[63] = grid(mouthRow, along(mouth, 0.75))
            vertices[64] = grid(mouthRow, mouth.upperBound - 1)
            vertices[65] = grid(mouthRow + 1, along(mouth, 0.75))
            vertices[66] = grid(mouthRow + 1, along(mouth, 0.5))
            vertices[67] = grid(mouthRow + 1, along(mouth, 0.25))
            return vertices.map { v in
                let t = incident[v].first!
                let tri = triangles[Int(t)]
                let weights = SIMD3<Float>(tri.x == Int32(v) ? 1 : 0, tri.y == Int32(v) ? 1 : 0, tri.z == Int32(v) ? 1 : 0)
                return LandmarkEmbedding(triangle: t, barycentric: weights)
            }
        }
    }
}
