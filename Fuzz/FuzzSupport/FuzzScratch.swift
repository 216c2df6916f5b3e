import Foundation

/// Scratch files for fuzz targets whose loaders read from disk: one directory per process under
/// `$TMPDIR` (scripts/fuzz.sh points it into `.build-fuzz/`), emptied and refilled for every input.
public enum FuzzScratch {
    /// The per-process directory; created on first use.
    public static let root: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("avatarflow-fuzz-\(getpid())", isDirectory: true)
        try? FileManager.default.removeItem(at: url)
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    /// Writes the input to `root/name`, replacing the previous input, and returns its URL.
    public static func file(_ name: String, _ bytes: UnsafeBufferPointer<UInt8>) -> URL {
        let url = root.appendingPathComponent(name)
        _ = FileManager.default.createFile(atPath: url.path, contents: Data(buffer: bytes))
        return url
    }

    /// Unpacks a directory container into an emptied `root/directory/` and returns the directory.
    ///
    /// The container is the input split at lines `#FILE <name>`: the bytes before the first such
    /// line go to `defaultName`, the bytes after each line to `<name>`. Names are plain file names
    /// (letters, digits, `.`, `_`, `-`, at most 64 characters, not starting with `.`); other
    /// headers are ignored with their content. A seed is built by concatenating real files:
    /// `cat manifest.json; for f in *.bin; do printf '\n#FILE %s\n' "$f"; cat "$f"; done`.
    public static func directory(_ bytes: UnsafeBufferPointer<UInt8>, defaultName: String) -> URL {
        let directory = root.appendingPathComponent("input", isDirectory: true)
        try? FileManager.default.removeItem(at: directory)
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for (name, content) in split(bytes, defaultName: defaultName) {
            _ = FileManager.default.createFile(atPath: directory.appendingPathComponent(name).path, contents: content)
        }
        return directory
    }

    /// The `(name, bytes)` parts of a directory container (see `directory`); later parts with the
    /// same name replace earlier ones.
    public static func split(_ bytes: UnsafeBufferPointer<UInt8>, defaultName: String) -> [String: Data] {
        let marker = Array("\n#FILE ".utf8)
        var files: [String: Data] = [:]
        var name: String? = defaultName
        var start = 0
        var index = 0
        func flush(until end: Int) {
            if let name { files[name] = Data(bytes[start..<end]) }
        }
        while index + marker.count <= bytes.count {
            guard bytes[index] == marker[0], bytes[index..<(index + marker.count)].elementsEqual(marker) else {
                index += 1
                continue
            }
            flush(until: index)
            let nameStart = index + marker.count
            var nameEnd = nameStart
            while nameEnd < bytes.count, bytes[nameEnd] != UInt8(ascii: "\n") { nameEnd += 1 }
            name = plainName(bytes[nameStart..<nameEnd])
            start = min(nameEnd + 1, bytes.count)
            index = start
        }
        flush(until: bytes.count)
        return files
    }

    /// The name when it is a plain file name, else nil.
    static func plainName(_ raw: Slice<UnsafeBufferPointer<UInt8>>) -> String? {
        guard (1...64).contains(raw.count), raw.first != UInt8(ascii: ".") else { return nil }
        let allowed = raw.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
        }
        return allowed ? String(decoding: raw, as: UTF8.self) : nil
    }
}
