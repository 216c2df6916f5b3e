import Foundation

/// Writes every event as one JSON line (`--events FILE`), flushed per line so a killed run keeps its log.
public final class JSONLinesEventWriter: RunEventSink, @unchecked Sendable {
    // @unchecked: the file handle is only touched under `lock`.
    private let handle: FileHandle
    private let lock = NSLock()
    private let encoder: JSONEncoder

    /// Creates (truncating) `url`.
    public init(url: URL) throws {
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw ArtifactStoreError(path: url.path, message: "cannot create the events file", fix: "check the directory exists and is writable")
        }
        handle = try FileHandle(forWritingTo: url)
        encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
    }

    deinit { try? handle.close() }

    /// Appends the event as a JSON line.
    public func receive(_ event: RunEvent) {
        guard var data = try? encoder.encode(event) else { return }
        data.append(0x0A)
        lock.lock()
        handle.write(data)
        lock.unlock()
    }
}

/// Sends each event to several sinks.
public struct FanOutEventSink: RunEventSink {
    /// The receivers.
    public var sinks: [any RunEventSink]
    /// Creates a fan-out.
    public init(_ sinks: [any RunEventSink]) { self.sinks = sinks }
    /// Forwards to every sink.
    public func receive(_ event: RunEvent) { for sink in sinks { sink.receive(event) } }
}
