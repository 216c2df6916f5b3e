import Foundation

/// Stanford PLY, the project's one reader and writer of the container: header parsing, the body
/// of every element (ascii or binary little-endian, any scalar type, list properties) and binary
/// headers. Meaning is layered on top: `PLYFormat` reads and writes triangle meshes, Splatting's
/// `GaussianPLY` the 3DGS layout.
public enum PLY {
    /// How the body is stored.
    public enum Encoding: Sendable, Equatable {
        /// Whitespace-separated decimal numbers.
        case ascii
        /// Packed little-endian binary values (`binary_little_endian 1.0`).
        case binaryLittleEndian
    }

    /// A PLY scalar type (both the classic names `char uchar short ushort int uint float double`
    /// and the sized names `int8 … float64` are read; the classic names are written).
    public enum ScalarType: Sendable, Equatable {
        case int8, uint8, int16, uint16, int32, uint32, float32, float64

        /// The type of a header word, nil when unknown.
        public init?<S: StringProtocol>(_ name: S) {
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

        /// Bytes per value in a binary body.
        public var size: Int {
            switch self {
            case .int8, .uint8: 1
            case .int16, .uint16: 2
            case .int32, .uint32, .float32: 4
            case .float64: 8
            }
        }

        /// Whether values are integers.
        public var isInteger: Bool { self != .float32 && self != .float64 }

        /// The classic header name written for this type (`float`, `int`, `uchar`, …).
        public var headerName: String {
            switch self {
            case .int8: "char"
            case .uint8: "uchar"
            case .int16: "short"
            case .uint16: "ushort"
            case .int32: "int"
            case .uint32: "uint"
            case .float32: "float"
            case .float64: "double"
            }
        }

        /// The little-endian value at `offset` of `raw`, widened exactly to Double.
        @inlinable public func load(_ raw: UnsafeRawBufferPointer, at offset: Int) -> Double {
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

    /// One property of an element: a scalar, or a list (`listCountType` set) of `type` values.
    public struct Property: Sendable, Equatable {
        /// Property name, e.g. `x`, `vertex_indices`.
        public var name: String
        /// Type of the value (of each list item for lists).
        public var type: ScalarType
        /// Type of the item count for list properties; nil for scalars.
        public var listCountType: ScalarType?

        /// Creates a property.
        public init(name: String, type: ScalarType, listCountType: ScalarType? = nil) {
            self.name = name
            self.type = type
            self.listCountType = listCountType
        }
    }

    /// One element declaration (`element vertex 100` and its properties).
    public struct Element: Sendable, Equatable {
        /// Element name, e.g. `vertex`, `face`.
        public var name: String
        /// Number of rows.
        public var count: Int
        /// Properties in file order.
        public var properties: [Property]

        /// Creates an element declaration.
        public init(name: String, count: Int, properties: [Property]) {
            self.name = name
            self.count = count
            self.properties = properties
        }
    }

    /// A parsed header: encoding, elements in file order, and where the body starts.
    public struct Header: Sendable, Equatable {
        /// Body encoding.
        public var encoding: Encoding
        /// Elements in file order.
        public var elements: [Element]
        /// Byte offset of the body (just after the `end_header` line).
        public var bodyOffset: Int
    }

    /// The values of one element: a column per scalar property, and for list properties the items
    /// of all rows back to back with each row's start offset (`listStarts`, count + 1 entries).
    public struct ElementValues: Sendable {
        /// The element declaration.
        public var element: Element
        /// Per property (file order), the value of every row; empty for list properties.
        public var columns: [[Double]]
        /// Per property, all list items of all rows; empty for scalar properties.
        public var listItems: [[Double]]
        /// Per property, the offset in `listItems` where each row's list starts (count + 1 entries); empty for scalars.
        public var listStarts: [[Int]]

        /// The column of the scalar property `name`, nil when the element has no such scalar property.
        public func column(_ name: String) -> [Double]? {
            guard let index = element.properties.firstIndex(where: { $0.name == name && $0.listCountType == nil }) else { return nil }
            return columns[index]
        }
    }

    /// Parses the header of `data`; `source` names the file in errors. Accepts `\n` and `\r\n` line
    /// ends, ascii and binary little-endian bodies, scalar and list properties; comments and
    /// `obj_info` lines are skipped.
    public static func parseHeader(_ data: Data, source: String) throws -> Header {
        let bytes = [UInt8](data)
        guard let headerEnd = findHeaderEnd(bytes) else {
            throw GeometryError("\(source): not a PLY file (no 'end_header' line found)")
        }
        let headerText = String(decoding: bytes[0..<headerEnd.start], as: UTF8.self)
        var lines = headerText.split(whereSeparator: \.isNewline)  // "\r\n" is one Character
        guard lines.first?.trimmingCharacters(in: .whitespaces) == "ply" else {
            throw GeometryError("\(source): not a PLY file (first line is not 'ply')")
        }
        lines.removeFirst()
        var encoding = Encoding.binaryLittleEndian
        var elements: [Element] = []
        for (number, line) in lines.enumerated() {
            let fields = line.split(separator: " ")
            guard let keyword = fields.first else { continue }
            switch keyword {
            case "format":
                guard fields.count >= 2 else { throw GeometryError("\(source): header line \(number + 2): incomplete format line") }
                if fields[1] == "ascii" {
                    encoding = .ascii
                } else if fields[1] != "binary_little_endian" {
                    throw GeometryError("\(source): PLY format '\(fields[1])' is not supported; convert to binary_little_endian or ascii")
                }
            case "element":
                guard fields.count == 3, let count = Int(fields[2]), count >= 0 else {
                    throw GeometryError("\(source): header line \(number + 2): malformed element line '\(line)'")
                }
                elements.append(Element(name: String(fields[1]), count: count, properties: []))
            case "property":
                guard !elements.isEmpty else { throw GeometryError("\(source): header line \(number + 2): property before any element") }
                if fields.count == 5, fields[1] == "list", let countType = ScalarType(fields[2]), let itemType = ScalarType(fields[3]) {
                    elements[elements.count - 1].properties.append(Property(name: String(fields[4]), type: itemType, listCountType: countType))
                } else if fields.count == 3, let type = ScalarType(fields[1]) {
                    elements[elements.count - 1].properties.append(Property(name: String(fields[2]), type: type))
                } else {
                    throw GeometryError("\(source): header line \(number + 2): unsupported property '\(line)'")
                }
            default:
                continue
            }
        }
        return Header(encoding: encoding, elements: elements, bodyOffset: headerEnd.end)
    }

    /// Reads the body of every element of `header` from `data`. Binary elements without list
    /// properties are read column by column; values are widened exactly to Double.
    /// - Throws: `GeometryError` naming `source` when the body is truncated or holds a non-number.
    public static func readBody(_ data: Data, header: Header, source: String) throws -> [ElementValues] {
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) throws -> [ElementValues] in
            var reader = BodyReader(raw: raw, offset: header.bodyOffset, source: source)
            if header.encoding == .ascii {
                reader.tokens = String(decoding: raw[header.bodyOffset...], as: UTF8.self)
                    .split(whereSeparator: \.isWhitespace)
            }
            var result: [ElementValues] = []
            for element in header.elements {
                result.append(try reader.read(element, ascii: header.encoding == .ascii))
            }
            return result
        }
    }

    /// The header of a binary little-endian file declaring `elements` (with `comments` after the
    /// format line), ending with `end_header\n`.
    public static func binaryHeader(elements: [Element], comments: [String] = []) -> String {
        var header = "ply\nformat binary_little_endian 1.0\n"
        for comment in comments { header += "comment \(comment)\n" }
        for element in elements {
            header += "element \(element.name) \(element.count)\n"
            for property in element.properties {
                if let countType = property.listCountType {
                    header += "property list \(countType.headerName) \(property.type.headerName) \(property.name)\n"
                } else {
                    header += "property \(property.type.headerName) \(property.name)\n"
                }
            }
        }
        return header + "end_header\n"
    }

    static func findHeaderEnd(_ bytes: [UInt8]) -> (start: Int, end: Int)? {
        let marker = Array("end_header".utf8)
        guard bytes.count >= marker.count else { return nil }
        for start in 0...(bytes.count - marker.count) where bytes[start..<(start + marker.count)].elementsEqual(marker) {
            var end = start + marker.count
            if end < bytes.count && bytes[end] == UInt8(ascii: "\r") { end += 1 }
            if end < bytes.count && bytes[end] == UInt8(ascii: "\n") { end += 1 }
            return (start, end)
        }
        return nil
    }

    /// Reads values in body order.
    struct BodyReader {
        let raw: UnsafeRawBufferPointer
        var offset: Int
        let source: String
        var tokens: [Substring] = []
        var tokenIndex = 0

        init(raw: UnsafeRawBufferPointer, offset: Int, source: String) {
            self.raw = raw
            self.offset = offset
            self.source = source
        }

        mutating func next(_ type: ScalarType, ascii: Bool) throws -> Double {
            if ascii {
                guard tokenIndex < tokens.count, let value = Double(tokens[tokenIndex]) else {
                    throw GeometryError("\(source): PLY body ends early or holds a non-number (token \(tokenIndex))")
                }
                tokenIndex += 1
                return value
            }
            guard offset + type.size <= raw.count else {
                throw GeometryError("\(source): PLY body is truncated at byte \(offset) of \(raw.count)")
            }
            defer { offset += type.size }
            return type.load(raw, at: offset)
        }

        mutating func read(_ element: Element, ascii: Bool) throws -> ElementValues {
            let properties = element.properties, n = element.count
            // Every row holds at least one token per property (ASCII) or its scalars and list counts
            // (binary), so a count the rest of the file cannot hold is refused before allocating columns.
            if !properties.isEmpty {
                let available = ascii ? tokens.count - tokenIndex : raw.count - offset
                let minimumRow = ascii ? properties.count : properties.reduce(0) { $0 + ($1.listCountType ?? $1.type).size }
                guard n <= available / minimumRow else {
                    throw GeometryError(
                        "\(source): element '\(element.name)' announces \(n) rows but only \(available) \(ascii ? "values" : "bytes") follow; the PLY file is truncated"
                    )
                }
            }
            var values = ElementValues(
                element: element, columns: properties.map { $0.listCountType == nil ? [Double](repeating: 0, count: n) : [] },
                listItems: properties.map { _ in [] },
                listStarts: properties.map { $0.listCountType == nil ? [] : [0] })
            if !ascii && properties.allSatisfy({ $0.listCountType == nil }) {
                let rowSize = properties.reduce(0) { $0 + $1.type.size }
                var column = offset
                for (p, property) in properties.enumerated() {
                    values.columns[p].withUnsafeMutableBufferPointer { out in
                        for i in 0..<n { out[i] = property.type.load(raw, at: column + i * rowSize) }
                    }
                    column += property.type.size
                }
                offset += n * rowSize
                return values
            }
            for i in 0..<(properties.isEmpty ? 0 : n) {
                for (p, property) in properties.enumerated() {
                    if let countType = property.listCountType {
                        let count = try next(countType, ascii: ascii)
                        guard count >= 0, count < Double(Int32.max) else {
                            throw GeometryError("\(source): element '\(element.name)' row \(i) has a list of \(count) items")
                        }
                        for _ in 0..<Int(count) { values.listItems[p].append(try next(property.type, ascii: ascii)) }
                        values.listStarts[p].append(values.listItems[p].count)
                    } else {
                        values.columns[p][i] = try next(property.type, ascii: ascii)
                    }
                }
            }
            return values
        }
    }
}
