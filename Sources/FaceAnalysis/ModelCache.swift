import Foundation

/// Models (detectors, descriptors) by file path, read once per process and shared by
/// concurrently running stages.
final class ModelCache<Model: Sendable>: @unchecked Sendable {
    // @unchecked: `models` is only touched while holding `lock`.
    private let lock = NSLock()
    private var models: [String: Model] = [:]

    func value(for path: String) -> Model? {
        lock.lock()
        defer { lock.unlock() }
        return models[path]
    }

    func store(_ model: Model, for path: String) {
        lock.lock()
        models[path] = model
        lock.unlock()
    }
}
