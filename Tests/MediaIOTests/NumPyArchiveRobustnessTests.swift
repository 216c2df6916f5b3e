import Foundation
import TestSupport
import Testing

@testable import MediaIO

/// Damaged `.npy` and `.npz` inputs end in a typed `MediaIOError`; each case is an input that
/// crashed the reader (found with Fuzz/FuzzNPZ, docs/fuzzing.md).
@Suite struct NumPyArchiveRobustnessTests {
    /// An `.npy` payload: magic, version 1.0, the padded header dict, then `payload`.
    static func npy(header: String, payload: [UInt8] = []) -> [UInt8] {
        var text = header
        text += String(repeating: " ", count: (64 - (10 + text.utf8.count + 1) % 64) % 64) + "\n"
        let length = UInt16(text.utf8.count)
        return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(length & 0xFF), UInt8(length >> 8)] + Array(text.utf8) + payload
    }

    /// A stored zip member header (`compressedSize` as written; 0xFFFF_FFFF defers to a zip64 field in `extra`).
    static func zipMember(name: String, compressedSize: UInt32, extra: [UInt8], data: [UInt8]) -> [UInt8] {
        func le(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * UInt32($0))) } }
        func le16(_ value: Int) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8)] }
        return le(0x0403_4b50) + le16(20) + le16(0) + le16(0) + le16(0) + le16(0) + le(0) + le(compressedSize) + le(compressedSize)
            + le16(name.utf8.count) + le16(extra.count) + Array(name.utf8) + extra + data
    }

    func parseError(_ bytes: [UInt8]) -> MediaIOError? {
        #expect(throws: MediaIOError.self) { try NumPyArchive.parseNPY(bytes, path: "a.npy") }
    }

    @Test func version2HeaderCutShortIsReportedAsTruncated() {
        let bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [2, 0, 0x10, 0x00]
        #expect(parseError(bytes)?.message.contains("truncated") == true)
    }

    @Test func unknownFormatVersionIsRejected() {
        let bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [9, 0, 0x10, 0x00, 0, 0]
        #expect(parseError(bytes)?.message.contains("version 9") == true)
    }

    @Test func negativeShapeDimensionIsRejected() {
        let bytes = Self.npy(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }")
        #expect(parseError(bytes)?.message.contains("'-1'") == true)
    }

    @Test func shapeWhoseElementCountOverflowsIsRejected() {
        let bytes = Self.npy(header: "{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904, 4), }")
        #expect(parseError(bytes)?.message.contains("corrupt") == true)
    }

    @Test func shapeLargerThanTheDataIsReportedAsTruncated() {
        let bytes = Self.npy(header: "{'descr': '<f8', 'fortran_order': False, 'shape': (1152921504606846976,), }", payload: [0, 0, 0, 0])
        #expect(parseError(bytes)?.message.contains("truncated") == true)
    }

    @Test func zip64SizeBeyondTheFileIsReportedAsTruncated() throws {
        let zip64: [UInt8] = [0x01, 0x00, 16, 0] + [UInt8](repeating: 0xFF, count: 16)
        let member = Self.zipMember(name: "a.npy", compressedSize: 0xFFFF_FFFF, extra: zip64, data: [1, 2, 3])
        let file = try TemporaryFile(member, suffix: ".npz")
        #expect { _ = try NumPyArchive.readArchive(file.url) } throws: { ($0 as? MediaIOError)?.message.contains("truncated") == true }
    }

    @Test func zip64FieldShorterThanItsSizesIsNotReadPastTheEnd() throws {
        let shortZip64: [UInt8] = [0x01, 0x00, 2, 0, 0xFF, 0xFF]
        let member = Self.zipMember(name: "a.npy", compressedSize: 0xFFFF_FFFF, extra: shortZip64, data: [])
        let file = try TemporaryFile(member, suffix: ".npz")
        #expect { _ = try NumPyArchive.readArchive(file.url) } throws: { ($0 as? MediaIOError)?.message.contains("truncated") == true }
    }
}
