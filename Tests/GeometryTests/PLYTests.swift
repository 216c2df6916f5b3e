import Foundation
import Testing

@testable import Geometry

struct PLYTests {
    @Test func binaryHeaderRoundTripsThroughTheParser() throws {
        let elements = [
            PLY.Element(name: "vertex", count: 2, properties: [PLY.Property(name: "x", type: .float32), PLY.Property(name: "id", type: .int32)]),
            PLY.Element(name: "face", count: 1, properties: [PLY.Property(name: "vertex_indices", type: .int32, listCountType: .uint8)]),
        ]
        var data = Data(PLY.binaryHeader(elements: elements, comments: ["test"]).utf8)
        for (x, id) in [(Float(1.5), Int32(-7)), (Float(-2.25), Int32(9))] {
            withUnsafeBytes(of: x.bitPattern.littleEndian) { data.append(contentsOf: $0) }
            withUnsafeBytes(of: id.littleEndian) { data.append(contentsOf: $0) }
        }
        data.append(3)
        for index in [Int32(0), 1, 1] { withUnsafeBytes(of: index.littleEndian) { data.append(contentsOf: $0) } }
        let header = try PLY.parseHeader(data, source: "t.ply")
        #expect(header.encoding == .binaryLittleEndian && header.elements == elements)
        let body = try PLY.readBody(data, header: header, source: "t.ply")
        #expect(body[0].column("x") == [1.5, -2.25] && body[0].column("id") == [-7, 9])
        #expect(body[1].listItems[0] == [0, 1, 1] && body[1].listStarts[0] == [0, 3])
        #expect(throws: GeometryError.self) { try PLY.readBody(data.dropLast(2), header: header, source: "t.ply") }
    }

    @Test func asciiBodiesReadTheSameValues() throws {
        let data = Data("ply\r\nformat ascii 1.0\r\nelement vertex 2\r\nproperty uchar red\r\nproperty double y\r\nend_header\r\n255 0.5\n3 -1e-3\n".utf8)
        let header = try PLY.parseHeader(data, source: "a.ply")
        let body = try PLY.readBody(data, header: header, source: "a.ply")
        #expect(header.encoding == .ascii && body[0].column("red") == [255, 3] && body[0].column("y") == [0.5, -1e-3])
    }
}
