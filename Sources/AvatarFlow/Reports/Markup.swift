import Foundation

/// Escaping and small builders for the HTML (XHTML-compatible) and SVG that reports write.
///
/// Reports are polyglot markup: valid HTML5 that is also well-formed XML, so a browser shows it
/// and an XML parser can check it. Every piece of text from a run (names, messages, logs,
/// parameter values) goes through `escape` before it is written.
public enum Markup {
    /// Escapes text for element content and quoted attribute values: `& < > " '` become
    /// entities, and characters XML 1.0 forbids (C0 controls other than tab, newline and carriage
    /// return — e.g. the ESC of terminal colours in a log) become U+FFFD.
    public static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            case "\t", "\n", "\r": result.unicodeScalars.append(scalar)
            default:
                let value = scalar.value
                if value < 0x20 || (0xFFFE...0xFFFF).contains(value) {
                    result += "\u{FFFD}"
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result
    }

    /// `<name attributes…>content</name>` with every attribute value escaped; `content` is
    /// markup (escape text yourself). Attributes keep the order given.
    public static func element(_ name: String, _ attributes: KeyValuePairs<String, String> = [:], _ content: String = "") -> String {
        var text = "<\(name)"
        for (key, value) in attributes { text += " \(key)=\"\(escape(value))\"" }
        return text + ">" + content + "</\(name)>"
    }

    /// An element whose content is escaped text.
    public static func text(_ name: String, _ attributes: KeyValuePairs<String, String> = [:], _ content: String) -> String {
        element(name, attributes, escape(content))
    }

    /// A number for people: integers as integers, others with 4 significant digits
    /// (`19.47`, `0.8690`, `1.235e-05`); NaN and infinities spelled out.
    public static func number(_ value: Double) -> String {
        guard value.isFinite else { return value.isNaN ? "NaN" : (value > 0 ? "∞" : "−∞") }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
        let magnitude = abs(value)
        if magnitude >= 1e-3, magnitude < 1e6 {
            let digits = max(0, 3 - Int(floor(log10(magnitude))))
            return String(format: "%.\(digits)f", value)
        }
        return String(format: "%.4g", value)
    }

    /// A tick label: `number` without trailing zeros after the decimal point (`0.08`, `2.5`, `100`).
    public static func tick(_ value: Double) -> String {
        let text = number(value)
        guard text.contains("."), !text.contains("e") else { return text }
        var trimmed = Substring(text)
        while trimmed.hasSuffix("0") { trimmed = trimmed.dropLast() }
        if trimmed.hasSuffix(".") { trimmed = trimmed.dropLast() }
        return String(trimmed)
    }

    /// A number for SVG coordinates: fixed two decimals, no exponent.
    static func coordinate(_ value: Double) -> String { String(format: "%.2f", value) }

    /// A byte count for people (`812 B`, `3.4 KiB`, `21.4 MiB`).
    public static func bytes(_ count: Int) -> String {
        if count < 1024 { return "\(count) B" }
        if count < 1 << 20 { return String(format: "%.1f KiB", Double(count) / 1024) }
        if count < 1 << 30 { return String(format: "%.1f MiB", Double(count) / 1_048_576) }
        return String(format: "%.2f GiB", Double(count) / 1_073_741_824)
    }

    /// A duration for people (`0.42 s`, `12.3 s`, `4m05s`, `1h02m`).
    public static func duration(_ seconds: Double) -> String {
        if seconds < 10 { return String(format: "%.2f s", seconds) }
        if seconds < 60 { return String(format: "%.1f s", seconds) }
        let whole = Int(seconds.rounded())
        if whole < 3600 { return "\(whole / 60)m\(String(format: "%02d", whole % 60))s" }
        return "\(whole / 3600)h\(String(format: "%02d", whole % 3600 / 60))m"
    }

    /// A UTC time stamp `2026-12-06 18:25:00 UTC` from seconds since 1970.
    public static func time(_ seconds: Double) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter.string(from: Date(timeIntervalSince1970: seconds)) + " UTC"
    }

    /// A `data:image/png;base64,…` URI for PNG bytes.
    public static func pngDataURI(_ data: Data) -> String { "data:image/png;base64," + data.base64EncodedString() }
}
