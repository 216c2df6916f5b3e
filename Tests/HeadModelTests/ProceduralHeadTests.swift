import Foundation
import Geometry
import Testing

@testable import HeadModel

/// The model is built once for all tests (it is deterministic).
let sharedModel = ProceduralHeadBuilder.build()

func coefficients(_ count: Int, _ index: Int, _ value: Float = 1) -> [Float] {
    var values = [Float](repeating: 0, count: count)
    values[index] = value
    return values
}

func distance(_ a: SIMD3<Float>, _ b: SIMD3<Float>) -> Float { simdLength(a - b) }

@Suite struct ProceduralHeadTests {
    let model = sharedModel

    @Test func modelIsValidWithExpectedSizes() throws {
        try model.validate()
        #expect(model.vertexCount > 3000 && model.vertexCount < 12000)
        #expect(model.identityCount >= 10)
        #expect(model.expressionCount >= 20)
        #expect(model.joints.map(\.name) == ["root", "neck", "jaw", "left_eye", "right_eye"])
        #expect(model.uv.allSatisfy { $0 >= 0 && $0 <= 1 })
        for region in HeadRegion.allCases {
            #expect(model.vertexRegions.contains(region), "region \(region.name) has vertices")
        }
    }

    @Test func sameSeedGivesIdenticalModelAndOtherSeedDiffers() {
        let again = ProceduralHeadBuilder.build()
        #expect(again.templateVertices == model.templateVertices)
        #expect(again.expressionBasis == model.expressionBasis)
        #expect(again.triangles == model.triangles)
        let other = ProceduralHeadBuilder.build(seed: 99)
        #expect(other.templateVertices != model.templateVertices)
        #expect(other.triangles == model.triangles, "the seed varies shape, not topology")
    }

    @Test func meshIsManifoldWithOpeningsOnlyAtEyesMouthAndNeck() {
        let mesh = model.mesh()
        let counts = mesh.edgeTriangleCounts()
        #expect(counts.allSatisfy { $0.triangles <= 2 })
        let regions = model.vertexRegions
        let onSeam = { (v: Int32) in
            model.vertexRegions[Int(v)] != .eyes && model.vertexRegions[Int(v)] != .mouthInterior
                && (model.uv[2 * Int(v)] == 0 || model.uv[2 * Int(v)] == 1 || v == 0)
        }
        let seam = counts.filter { $0.triangles == 1 && onSeam($0.edge.a) && onSeam($0.edge.b) }
        #expect(seam.count == 2 * ProceduralHeadSurface(seed: ProceduralHeadBuilder.defaultSeed).rowCount, "the UV seam at the back is duplicated")
        let boundary = counts.filter { $0.triangles == 1 && !(onSeam($0.edge.a) && onSeam($0.edge.b)) }.map(\.edge)
        let neckRing = boundary.filter { regions[Int($0.a)] == .neck && regions[Int($0.b)] == .neck }
        #expect(neckRing.count == ProceduralHeadSurface.columnCount)
        let openings = boundary.filter { regions[Int($0.a)] == .face && regions[Int($0.b)] == .face }
        #expect(openings.count + neckRing.count == boundary.count)
        let surface = ProceduralHeadSurface(seed: ProceduralHeadBuilder.defaultSeed)
        // Each opening is bounded by its upper and lower rows plus one short edge at each corner.
        let expected = [surface.rightEyeColumns, surface.leftEyeColumns, surface.mouthColumns].reduce(0) { $0 + 2 * ($1.count - 1) + 2 }
        #expect(openings.count == expected)
    }

    @Test func skinningWeightsAreAPartitionOfUnity() {
        let j = model.jointCount
        for v in 0..<model.vertexCount {
            let row = model.skinningWeights[(v * j)..<((v + 1) * j)]
            #expect(abs(row.reduce(0, +) - 1) < 1e-5)
            #expect(row.allSatisfy { $0 >= -1e-6 })
        }
    }

    @Test func landmarksFollowTheIBUGLayout() throws {
        let l = try model.evaluate(identity: [], expression: [], pose: .rest(jointCount: 5)).landmarks
        #expect(l[0].x < -0.05 && l[16].x > 0.05)
        #expect(l[8].y == l[0...16].map(\.y).min(), "the chin is the lowest jaw point")
        #expect(l[30].z == l.map(\.z).max(), "the nose tip sticks out furthest")
        #expect(l[36].x < l[39].x && l[39].x < l[42].x && l[42].x < l[45].x)
        #expect(l[37].y > l[41].y && l[38].y > l[40].y && l[43].y > l[47].y && l[44].y > l[46].y)
        #expect(l[19].y > l[37].y && l[24].y > l[44].y, "brows above the eyes")
        #expect(l[27].y > l[28].y && l[28].y > l[29].y && l[29].y > l[30].y)
        #expect(l[33].y < l[30].y && l[51].y < l[33].y)
        #expect(l[51].y > l[62].y && l[62].y >= l[66].y && l[66].y > l[57].y)
        #expect(l[48].x < l[51].x && l[51].x < l[54].x)
    }

    @Test func landmarksAreMirrorSymmetric() throws {
        let l = try model.evaluate(identity: [], expression: [], pose: .rest(jointCount: 5)).landmarks
        for i in 0..<IBUG68.count {
            let m = l[IBUG68.mirrored[i]]
            #expect(abs(l[i].x + m.x) < 0.004 && abs(l[i].y - m.y) < 0.004, "landmark \(i) vs \(IBUG68.mirrored[i])")
        }
    }

    @Test func landmarksLieOnTheFace() {
        for (k, landmark) in model.landmarks.enumerated() {
            let tri = model.triangles[Int(landmark.triangle)]
            let region = model.vertexRegions[Int(landmark.barycentric.x > 0.5 ? tri.x : landmark.barycentric.y > 0.5 ? tri.y : tri.z)]
            #expect(region == .face, "landmark \(k) is on \(region.name)")
        }
    }

    @Test func blinkClosesOnlyItsEye() throws {
        let k = ExpressionCoefficient.blinkLeft.rawValue
        let open = try model.evaluate(identity: [], expression: [], pose: .rest(jointCount: 5)).landmarks
        let closed = try model.evaluate(identity: [], expression: coefficients(model.expressionCount, k), pose: .rest(jointCount: 5)).landmarks
        #expect(distance(open[44], open[46]) > 0.006)
        #expect(distance(closed[44], closed[46]) < 0.0015)
        #expect(distance(closed[38], closed[40]) > 0.006, "the right eye stays open")
        let center = (open[42] + open[45]) / 2
        let template = model.templatePositions
        for v in 0..<model.vertexCount {
            let d = SIMD3(
                model.expressionBasis[(k * model.vertexCount + v) * 3], model.expressionBasis[(k * model.vertexCount + v) * 3 + 1],
                model.expressionBasis[(k * model.vertexCount + v) * 3 + 2])
            if simdLength(d) > 0.0005 { #expect(distance(template[v], center) < 0.04) }
        }
    }

    @Test func everyBlendshapeIsLocalisedAndVisible() {
        let v = model.vertexCount
        let template = model.templatePositions
        for (name, basis, count) in [("expression", model.expressionBasis, model.expressionCount), ("identity", model.identityBasis, model.identityCount)] {
            for k in 0..<count {
                var largest: Float = 0
                var moved = 0
                for i in 0..<v {
                    let d = SIMD3(basis[(k * v + i) * 3], basis[(k * v + i) * 3 + 1], basis[(k * v + i) * 3 + 2])
                    largest = max(largest, simdLength(d))
                    if simdLength(d) > 0.0005 { moved += 1 }
                    if name == "expression" && simdLength(d) > 0.0005 {
                        #expect(template[i].z > -0.03, "expression \(k) moves the back of the head at vertex \(i)")
                    }
                }
                #expect(largest > 0.0015, "\(name) \(k) moves at most \(largest) m")
                if name == "expression" { #expect(moved < v / 4, "expression \(k) moves \(moved) vertices") }
            }
        }
    }

    @Test func jawRotationOpensTheMouthAndLeavesTheUpperFace() throws {
        var pose = HeadPose.rest(jointCount: 5)
        let rest = try model.evaluate(identity: [], expression: [], pose: pose).landmarks
        pose.jointRotations[2] = SIMD3(0.25, 0, 0)
        let open = try model.evaluate(identity: [], expression: [], pose: pose).landmarks
        #expect(rest[8].y - open[8].y > 0.01)
        #expect(distance(open[62], open[66]) > 0.01)
        for i in [19, 24, 27, 30, 36, 45] { #expect(distance(rest[i], open[i]) < 1e-4) }
    }

    @Test func neckRotationMovesTheHeadRigidly() throws {
        var pose = HeadPose.rest(jointCount: 5)
        let rest = try model.evaluate(identity: [], expression: [], pose: pose).landmarks
        pose.jointRotations[1] = SIMD3(0, 0.4, 0)
        let turned = try model.evaluate(identity: [], expression: [], pose: pose).landmarks
        #expect(turned[30].x - rest[30].x > 0.02, "the nose turns to the subject's left")
        for (a, b) in [(36, 45), (30, 48), (27, 57), (17, 26)] {
            #expect(abs(distance(rest[a], rest[b]) - distance(turned[a], turned[b])) < 1e-4)
        }
    }

    @Test func eyeRotationSpinsTheEyeballAboutItsCentre() throws {
        var pose = HeadPose.rest(jointCount: 5)
        let shaped = try model.shapedVertices(identity: [], expression: [])
        let center = model.jointPositions(shaped: shaped)[3]
        pose.jointRotations[3] = SIMD3(0, 0.3, 0)
        let posed = try model.evaluate(identity: [], expression: [], pose: pose).vertices
        let eyeVertices = (0..<model.vertexCount).filter { model.vertexRegions[$0] == .eyes && shaped[$0].x > 0 }
        #expect(!eyeVertices.isEmpty)
        for v in eyeVertices { #expect(abs(distance(posed[v], center) - ProceduralHeadSurface.eyeballRadius) < 1e-4) }
        let pupil = eyeVertices.max { shaped[$0].z < shaped[$1].z }!
        #expect(posed[pupil].x > shaped[pupil].x + 0.002, "the gaze turns to the subject's left")
    }

    @Test func evaluateRejectsTooManyCoefficientsOrJoints() {
        #expect(throws: HeadModelError.self) { try model.evaluate(identity: [Float](repeating: 0, count: 50), expression: [], pose: .rest(jointCount: 5)) }
        #expect(throws: HeadModelError.self) { try model.evaluate(identity: [], expression: [], pose: .rest(jointCount: 3)) }
    }
}

@Suite struct HeadModelFormatTests {
    func temporaryDirectory() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("headmodel-test-\(UUID().uuidString)")
    }

    @Test func writtenModelReadsBackIdentically() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try HeadModelFormat.write(sharedModel, to: directory)
        let back = try HeadModelFormat.read(from: directory)
        #expect(back.templateVertices == sharedModel.templateVertices)
        #expect(back.triangles == sharedModel.triangles)
        #expect(back.uv == sharedModel.uv)
        #expect(back.identityBasis == sharedModel.identityBasis && back.identityNames == sharedModel.identityNames)
        #expect(back.expressionBasis == sharedModel.expressionBasis && back.expressionNames == sharedModel.expressionNames)
        #expect(back.joints == sharedModel.joints && back.jointRegressor == sharedModel.jointRegressor)
        #expect(back.skinningWeights == sharedModel.skinningWeights)
        #expect(back.landmarks == sharedModel.landmarks && back.vertexRegions == sharedModel.vertexRegions)
        let bytes = try Data(contentsOf: directory.appendingPathComponent("template_vertices.f32"))
        #expect(bytes.count == sharedModel.vertexCount * 12)
        #expect(
            bytes.prefix(4).withUnsafeBytes { Float(bitPattern: UInt32(littleEndian: $0.loadUnaligned(as: UInt32.self))) } == sharedModel.templateVertices[0])
    }

    @Test func truncatedBlobIsReportedWithItsPath() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try HeadModelFormat.write(sharedModel, to: directory)
        let blob = directory.appendingPathComponent("expression_basis.f32")
        try Data(contentsOf: blob).prefix(100).write(to: blob)
        do {
            _ = try HeadModelFormat.read(from: directory)
            Issue.record("reading a truncated blob must fail")
        } catch let error as HeadModelError {
            #expect(error.description.contains("expression_basis.f32"))
        }
    }

    @Test func missingManifestIsReported() {
        #expect(throws: HeadModelError.self) { try HeadModelFormat.read(from: temporaryDirectory()) }
    }
}

@Suite struct ProceduralHeadSmoothnessTests {
    /// Fraction of head-surface triangles whose normal opposes the smoothed vertex normals (a fold).
    func foldedFraction(_ vertices: [SIMD3<Float>]) -> Double {
        let mesh = TriangleMesh(positions: vertices, triangles: sharedModel.triangles)
        let vertexNormals = mesh.vertexNormals()
        var folded = 0, counted = 0
        for (t, tri) in mesh.triangles.enumerated()
        where sharedModel.vertexRegions[Int(tri.x)] != .eyes
            && sharedModel.vertexRegions[Int(tri.x)] != .mouthInterior
        {
            let n = mesh.scaledFaceNormal(t)
            guard simdLength(n) > 1e-12 else { continue }
            counted += 1
            let smooth = vertexNormals[Int(tri.x)] + vertexNormals[Int(tri.y)] + vertexNormals[Int(tri.z)]
            if simdDot(n, smooth) < 0 { folded += 1 }
        }
        return Double(folded) / Double(counted)
    }

    @Test func templateSurfaceHasNoFolds() {
        #expect(foldedFraction(sharedModel.templatePositions) == 0)
    }

    @Test func fullExpressionsAndJawOpeningDoNotFoldTheSurface() throws {
        for k in 0..<sharedModel.expressionCount {
            let vertices = try sharedModel.shapedVertices(identity: [], expression: coefficients(sharedModel.expressionCount, k))
            #expect(foldedFraction(vertices) < 0.002, "expression \(sharedModel.expressionNames[k])")
        }
        for k in 0..<sharedModel.identityCount {
            for value: Float in [-2, 2] {
                let vertices = try sharedModel.shapedVertices(identity: coefficients(sharedModel.identityCount, k, value), expression: [])
                #expect(foldedFraction(vertices) < 0.002, "identity \(sharedModel.identityNames[k]) = \(value)")
            }
        }
        var pose = HeadPose.rest(jointCount: 5)
        pose.jointRotations[2] = SIMD3(0.3, 0, 0)
        #expect(foldedFraction(try sharedModel.evaluate(identity: [], expression: [], pose: pose).vertices) < 0.002)
    }
}
