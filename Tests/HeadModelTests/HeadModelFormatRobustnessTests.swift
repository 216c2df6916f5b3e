import Foundation
import HeadModel
import TestSupport
import Testing

/// Damaged head-model manifests end in a typed `HeadModelError` (found with Fuzz/FuzzHeadModel,
/// docs/fuzzing.md).
@Suite struct HeadModelFormatRobustnessTests {
    /// A manifest whose `triangles` blob declares `triangleCount` rows (other blobs absent).
    static func manifest(triangleCount: Int) -> String {
        """
        {"format": "avatarflow-head-model", "version": 1, "name": "bad", "units": "metres", "axes": "",
         "vertex_count": 3, "triangle_count": \(triangleCount), "identity_names": [], "expression_names": [],
         "joints": [{"name": "root", "parent": -1}], "regions": [], "landmark_convention": "ibug68",
         "blobs": {"triangles": {"file": "triangles.i32", "dtype": "int32", "shape": [\(triangleCount), 3]}}}
        """
    }

    @Test func blobShapeWhoseElementCountOverflowsIsACorruptManifestError() throws {
        let directory = try TemporaryDirectory()
        try Self.manifest(triangleCount: 4_611_686_018_427_387_904).write(to: directory.file("manifest.json"), atomically: true, encoding: .utf8)
        try Data().write(to: directory.file("triangles.i32"))
        #expect { _ = try HeadModelFormat.read(from: directory.url) } throws: { "\($0)".contains("manifest is corrupt") }
    }

    @Test func negativeBlobExtentIsACorruptManifestError() throws {
        let directory = try TemporaryDirectory()
        try Self.manifest(triangleCount: -1).write(to: directory.file("manifest.json"), atomically: true, encoding: .utf8)
        try Data().write(to: directory.file("triangles.i32"))
        #expect { _ = try HeadModelFormat.read(from: directory.url) } throws: { "\($0)".contains("manifest is corrupt") }
    }

    @Test func aBlobOutsideTheModelFolderIsRefused() throws {
        let directory = try TemporaryDirectory()
        let manifest = Self.manifest(triangleCount: 1).replacingOccurrences(of: "\"triangles.i32\"", with: "\"../../etc/triangles.i32\"")
        try manifest.write(to: directory.file("manifest.json"), atomically: true, encoding: .utf8)
        #expect { _ = try HeadModelFormat.read(from: directory.url) } throws: { "\($0)".contains("blobs must be plain file names in the model's folder") }
    }
}
