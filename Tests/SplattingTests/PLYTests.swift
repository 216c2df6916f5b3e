import Foundation
import Testing

@testable import Splatting

struct PLYTests {
    private func temporaryURL() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("splat-\(UUID().uuidString).ply")
    }

    @Test func headerListsStandardPropertiesInGraphdecoOrder() throws {
        let scene = TestScenes.scene(count: 3, appearance: .sphericalHarmonics(degree: 3), seed: 21)
        let data = try GaussianPLY.encode(scene)
        let header = String(decoding: data.prefix(through: data.range(of: Data("end_header\n".utf8))!.upperBound - 1), as: UTF8.self)
        var expected = ["x", "y", "z", "nx", "ny", "nz", "f_dc_0", "f_dc_1", "f_dc_2"]
        expected += (0..<45).map { "f_rest_\($0)" }
        expected += ["opacity", "scale_0", "scale_1", "scale_2", "rot_0", "rot_1", "rot_2", "rot_3"]
        let properties = header.split(separator: "\n").filter { $0.hasPrefix("property float ") }.map { String($0.dropFirst(15)) }
        #expect(properties == expected)
        #expect(header.hasPrefix("ply\nformat binary_little_endian 1.0\nelement vertex 3\n"))
        #expect(data.count == header.utf8.count + 3 * expected.count * 4)
    }

    @Test func shSceneRoundTripsThroughAFile() throws {
        var scene = TestScenes.scene(count: 17, appearance: .sphericalHarmonics(degree: 2), seed: 22)
        scene.attributes["triangle"] = GaussianAttribute(width: 1, values: .int32((0..<17).map { Int32($0 * 1000 + 7) }))
        scene.attributes["uv"] = GaussianAttribute(width: 2, values: .float((0..<34).map { Float($0) * 0.25 }))
        let url = temporaryURL()
        defer { try? FileManager.default.removeItem(at: url) }
        try GaussianPLY.write(scene, to: url)
        let loaded = try GaussianPLY.read(from: url)
        #expect(loaded == scene)
    }

    @Test func featureSceneRoundTripsAndShowsColourToViewers() throws {
        let scene = TestScenes.scene(count: 5, appearance: .features(channels: 32), seed: 23)
        let data = try GaussianPLY.encode(scene)
        let loaded = try GaussianPLY.decode(data)
        #expect(loaded == scene)
        let header = String(decoding: data.prefix(4000), as: UTF8.self)
        #expect(header.contains("property float feature_31\n"))
        // f_dc_0 of Gaussian 0 is the first channel as an SH DC term.
        let body = data.range(of: Data("end_header\n".utf8))!.upperBound
        let propertiesPerRow = 3 + 3 + 3 + 1 + 3 + 4 + 32
        let fdc0 = data.subdata(in: (body + 6 * 4)..<(body + 7 * 4)).withUnsafeBytes { $0.loadUnaligned(as: Float.self) }
        #expect(abs(fdc0 - (scene.features[0] - 0.5) / 0.28209479177387814) < 1e-5)
        #expect(data.count - body == 5 * propertiesPerRow * 4)
    }

    @Test func truncatedFileIsReportedNotCrashed() throws {
        let scene = TestScenes.scene(count: 4, appearance: .sphericalHarmonics(degree: 0), seed: 24)
        let data = try GaussianPLY.encode(scene).dropLast(10)
        #expect(throws: SplattingError.self) { try GaussianPLY.decode(Data(data), source: "cut.ply") }
        do { _ = try GaussianPLY.decode(Data(data), source: "cut.ply") } catch {
            #expect(error.description.contains("cut.ply") && error.description.contains("truncated"))
        }
    }

    @Test func asciiPLYIsRejectedWithAHint() throws {
        let ascii = Data("ply\nformat ascii 1.0\nelement vertex 1\nproperty float x\nend_header\n0\n".utf8)
        do {
            _ = try GaussianPLY.decode(ascii, source: "a.ply")
            Issue.record("ASCII PLY must be rejected")
        } catch {
            #expect(error.description.contains("binary_little_endian"))
        }
    }
}
