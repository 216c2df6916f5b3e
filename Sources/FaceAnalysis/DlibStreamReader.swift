/// Reads dlib's portable serialization format (dlib/serialize.h) from raw bytes.
///
/// - integer: a control byte (bit 7 = negative, bits 0–3 = byte count n in 1…8, bits 4–6 zero)
///   followed by |value| in n little-endian bytes;
/// - float: int64 mantissa then int16 exponent, value = mantissa·2^exponent
///   (exponent 32000/32001/32002 = +∞/−∞/NaN);
/// - vector: unsigned count then elements; matrix: rows, cols (negative = current format) then
///   elements row-major.
struct DlibStreamReader {
    let bytes: UnsafeRawBufferPointer
    let file: String
    /// What the errors tell the user about where valid files of this kind come from.
    let remedy: String
    var position = 0

    init(bytes: UnsafeRawBufferPointer, file: String, remedy: String = DlibFileError.shapePredictorRemedy) {
        self.bytes = bytes
        self.file = file
        self.remedy = remedy
    }

    var isAtEnd: Bool { position >= bytes.count }

    /// The most values the rest of the stream can hold: every encoded integer takes at least 2
    /// bytes and every float 4, so counts declared in a header never justify reserving more.
    var maximumRemainingValues: Int { max(0, bytes.count - position) / 2 }

    func error(_ message: String, at offset: Int? = nil) -> DlibFileError {
        DlibFileError(file: file, byteOffset: offset ?? position, message: message, remedy: remedy)
    }

    /// A signed or unsigned integer of at most `maximumBytes` bytes.
    @inline(__always)
    mutating func integer(maximumBytes: Int, signed: Bool, what: @autoclosure () -> String) throws(DlibFileError) -> Int64 {
        let start = position
        guard position < bytes.count else { throw error("file ends while reading \(what()) (truncated file)") }
        let control = bytes[position]
        let size = Int(control & 0x0F)
        guard control & 0x70 == 0, size >= 1, size <= maximumBytes else {
            throw error("invalid integer control byte 0x\(String(control, radix: 16)) for \(what()) (corrupt file)", at: start)
        }
        let negative = control & 0x80 != 0
        guard signed || !negative else { throw error("negative value for unsigned \(what()) (corrupt file)", at: start) }
        guard position + 1 + size <= bytes.count else { throw error("file ends while reading \(what()) (truncated file)", at: start) }
        var magnitude: UInt64 = 0
        for index in 0..<size { magnitude |= UInt64(bytes[position + 1 + index]) << (8 * UInt64(index)) }
        position += 1 + size
        guard magnitude <= UInt64(Int64.max) else { throw error("\(what()) does not fit in 64 bits (corrupt file)", at: start) }
        return negative ? -Int64(magnitude) : Int64(magnitude)
    }

    /// An element count, bounded so that corrupt counts fail before allocating.
    mutating func count(what: @autoclosure () -> String, atMost limit: Int) throws(DlibFileError) -> Int {
        let start = position
        let value = try integer(maximumBytes: 8, signed: false, what: what())
        guard value <= Int64(limit) else { throw error("\(what()) is \(value), more than the plausible \(limit) (corrupt file)", at: start) }
        return Int(value)
    }

    /// A 32-bit float in dlib's mantissa/exponent form, converted like `float_details::convert_to<float>`.
    @inline(__always)
    mutating func float(what: @autoclosure () -> String) throws(DlibFileError) -> Float {
        let start = position
        if position < bytes.count, bytes[position] & 0x70 != 0 {
            throw error("\(what()) uses dlib's old text float format, which is not supported (corrupt or very old file)", at: start)
        }
        let mantissa = try integer(maximumBytes: 8, signed: true, what: "\(what()) mantissa")
        let exponent = try integer(maximumBytes: 2, signed: true, what: "\(what()) exponent")
        switch exponent {
        case 32000: return .infinity
        case 32001: return -.infinity
        case 32002: return .nan
        default:
            guard exponent < 32000 else { throw error("invalid float exponent \(exponent) in \(what()) (corrupt file)", at: start) }
            return Float(sign: .plus, exponent: Int(exponent), significand: Float(mantissa))
        }
    }

    /// A column vector `matrix<float,0,1>` of exactly `expectedLength` values (nil = any), appended to `output`.
    mutating func columnVector(into output: inout [Float], expectedLength: Int?, what: @autoclosure () -> String) throws(DlibFileError) -> Int {
        let start = position
        var rows = try integer(maximumBytes: 8, signed: true, what: "\(what()) row count")
        var columns = try integer(maximumBytes: 8, signed: true, what: "\(what()) column count")
        if rows < 0 || columns < 0 {
            rows = abs(rows)
            columns = abs(columns)
        } else {
            swap(&rows, &columns)
        }
        guard columns == 1 else { throw error("\(what()) should be a column vector, found \(rows)×\(columns)", at: start) }
        guard rows <= 1 << 20 else { throw error("\(what()) has an implausible length \(rows) (corrupt file)", at: start) }
        if let expectedLength, rows != Int64(expectedLength) {
            throw error("\(what()) has \(rows) values, expected \(expectedLength)", at: start)
        }
        for index in 0..<Int(rows) { output.append(try float(what: "\(what())[\(index)]")) }
        return Int(rows)
    }
}
