import Foundation
import TestSupport
import Testing

@testable import FaceAnalysis

@Suite struct ShapePredictorReaderTests {
    static let modelURL = URL(fileURLWithPath: ShapePredictor.defaultModelPath)

    @Test func readsIBUG68ModelStructure() throws {
        let model = try ShapePredictor.cached(contentsOf: Self.modelURL)
        #expect(model.landmarkCount == 68)
        #expect(model.cascadeCount == 15)
        #expect(model.treesPerCascade == 500)
        #expect(model.splitsPerTree == 15)
        #expect(model.featuresPerCascade == 500)
        #expect(model.leafValues.count == 15 * 500 * 16 * 136)
        #expect(abs(model.initialShape[0] - Float(0xF1384D) / Float(1 << 29)) == 0)
    }

    @Test func cachedModelIsParsedOncePerProcess() throws {
        let first = try ShapePredictor.cached(contentsOf: Self.modelURL)
        let start = ContinuousClock.now
        let second = try ShapePredictor.cached(contentsOf: Self.modelURL)
        #expect(ContinuousClock.now - start < .milliseconds(200))
        #expect(first.initialShape == second.initialShape)
    }

    static func prefixOfModel(_ count: Int) throws -> [UInt8] {
        let handle = try FileHandle(forReadingFrom: modelURL)
        defer { try? handle.close() }
        return [UInt8](try handle.read(upToCount: count) ?? Data())
    }

    @Test func truncatedModelGivesTypedErrorWithOffset() throws {
        let file = try TemporaryFile(try Self.prefixOfModel(1_000_000), suffix: ".dat")
        let error = #expect(throws: DlibFileError.self) { try ShapePredictor(contentsOf: file.url) }
        #expect(error?.description.contains("truncated") == true)
        #expect(error?.byteOffset != nil)
        #expect(error?.file == file.url.path)
    }

    @Test func corruptControlByteGivesTypedError() throws {
        var bytes = try Self.prefixOfModel(4096)
        bytes[4] = 0x3F
        let error = #expect(throws: DlibFileError.self) { try ShapePredictor(serialized: Data(bytes), source: "corrupt.dat") }
        #expect(error?.byteOffset == 4)
        #expect(error?.message.contains("corrupt") == true)
    }

    @Test func wrongVersionIsRejected() throws {
        var bytes = try Self.prefixOfModel(4096)
        bytes[1] = 2
        let error = #expect(throws: DlibFileError.self) { try ShapePredictor(serialized: Data(bytes)) }
        #expect(error?.message.contains("version 2") == true)
    }

    @Test func otherFileTypeIsRejected() throws {
        let file = try TemporaryFile(Array("<?xml version=\"1.0\"?>".utf8), suffix: ".dat")
        #expect(throws: DlibFileError.self) { try ShapePredictor(contentsOf: file.url) }
        #expect(throws: DlibFileError.self) { try ShapePredictor(serialized: Data()) }
    }

    @Test func implausibleForestSizeIsATruncationErrorNotAHugeReservation() throws {
        // Found by Fuzz/FuzzDlib: a header declaring 1000 cascades × 100 000 trees × 65 535 splits made
        // the parser reserve terabytes for the split tables before reading the first split.
        let version: [UInt8] = [0x01, 0x01]
        let initialShape: [UInt8] = [0x81, 0x02, 0x81, 0x01] + [0x01, 0x01, 0x01, 0x00] + [0x01, 0x01, 0x01, 0x00]
        let counts: [UInt8] = [0x02, 0xE8, 0x03] + [0x03, 0xA0, 0x86, 0x01] + [0x02, 0xFF, 0xFF]
        let error = #expect(throws: DlibFileError.self) {
            try ShapePredictor(serialized: Data(version + initialShape + counts), source: "huge-forest.dat")
        }
        #expect(error?.message.contains("truncated") == true)
    }

    @Test func decodesDlibIntegerAndFloatEncodings() throws {
        let bytes: [UInt8] = [0x01, 0x00, 0x81, 0x88, 0x03, 0x4D, 0x38, 0xF1, 0x81, 0x1D, 0x01, 0x00, 0x02, 0x00, 0x7D]
        func decode(_ raw: UnsafeRawBufferPointer) throws -> [Double] {
            var reader = DlibStreamReader(bytes: raw, file: "test")
            let zero = try reader.integer(maximumBytes: 8, signed: true, what: "zero")
            let rows = try reader.integer(maximumBytes: 8, signed: true, what: "rows")
            let value = try reader.float(what: "value"), infinity = try reader.float(what: "infinity")
            return [Double(zero), Double(rows), Double(value), Double(infinity)]
        }
        let decoded = try bytes.withUnsafeBytes(decode)
        #expect(decoded == [0, -136, Double(Float(0xF1384D) * Float(sign: .plus, exponent: -29, significand: 1)), .infinity])
    }
}
