import Foundation
import Tensors

/// A training checkpoint of any avatar family, for exact resume after a kill:
///
///     checkpoint.json                  iteration, RNG state, name of the tensor file
///     checkpoint-<iteration>.safetensors   parameters by name, Adam moments (`<name>.adam_m|adam_v`),
///                                      any extra tensors of the family; Adam step counts as metadata
///
/// The record is replaced atomically after the tensor file is written, so a kill during a save
/// keeps the previous checkpoint valid; older tensor files are removed afterwards.
public struct AvatarCheckpoint: Codable, Sendable, Equatable {
    /// Steps completed when the checkpoint was taken.
    public var iteration: Int
    /// State of the trainer's SplitMix64 (view sampling).
    public var generatorState: UInt64
    /// Tensor file, relative to the checkpoint directory.
    public var parametersFile: String

    enum CodingKeys: String, CodingKey {
        case iteration
        case generatorState = "generator_state"
        case parametersFile = "parameters_file"
    }

    /// Record file name inside the checkpoint directory.
    public static let fileName = "checkpoint.json"

    /// Creates a record.
    public init(iteration: Int, generatorState: UInt64, parametersFile: String) {
        self.iteration = iteration
        self.generatorState = generatorState
        self.parametersFile = parametersFile
    }

    /// Writes parameters, optimiser state and `extras` into `directory` and points the record at them.
    public static func save(
        iteration: Int, generatorState: UInt64, parameters: [(name: String, parameter: Parameter)], optimizer: Adam,
        extras: [String: Tensor] = [:], to directory: URL
    ) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var tensors = extras
        for (name, parameter) in parameters { tensors[name] = parameter.value }
        let state = optimizer.stateTensors(for: parameters)
        tensors.merge(state.tensors) { current, _ in current }
        let fileName = "checkpoint-\(iteration).safetensors"
        try Safetensors.write(tensors, metadata: state.metadata, to: directory.appendingPathComponent(fileName))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let record = AvatarCheckpoint(iteration: iteration, generatorState: generatorState, parametersFile: fileName)
        try encoder.encode(record).write(to: directory.appendingPathComponent(Self.fileName), options: .atomic)
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        where name.hasPrefix("checkpoint-") && name.hasSuffix(".safetensors") && name != fileName {
            try? FileManager.default.removeItem(at: directory.appendingPathComponent(name))
        }
    }

    /// A checkpoint as read from disk, before a family applies it.
    public struct Loaded {
        /// The record.
        public var record: AvatarCheckpoint
        /// Every stored tensor: parameters, Adam moments, family extras.
        public var tensors: [String: Tensor]
        /// The tensor file's metadata (Adam step counts).
        public var metadata: [String: String]
        /// The tensor file, for messages.
        public var url: URL

        /// The stored tensor `name`.
        /// - Throws: `AvatarError` naming the file when it is missing.
        public func tensor(_ name: String) throws -> Tensor {
            guard let value = tensors[name] else {
                throw AvatarError("\(url.path): the checkpoint lacks tensor '\(name)'; \(AvatarCheckpoint.advice(url.deletingLastPathComponent()))")
            }
            return value
        }
    }

    /// What to do about a damaged checkpoint in `directory`.
    static func advice(_ directory: URL) -> String { "delete \(directory.path) to start the training over" }

    /// Reads the checkpoint in `directory`, or nil when there is none.
    /// - Throws: `AvatarError` naming the file when the record or the tensor file is damaged.
    public static func read(from directory: URL) throws -> Loaded? {
        let recordURL = directory.appendingPathComponent(fileName)
        guard let data = FileManager.default.contents(atPath: recordURL.path) else { return nil }
        let record: AvatarCheckpoint
        do {
            record = try JSONDecoder().decode(AvatarCheckpoint.self, from: data)
        } catch {
            throw AvatarError("\(recordURL.path): unreadable checkpoint record (\(error)); \(advice(directory))")
        }
        // The tensor file is one the trainer wrote next to the record: a plain file name.
        let name = record.parametersFile
        guard !name.isEmpty, !name.contains("/"), name != ".", name != ".." else {
            throw AvatarError("\(recordURL.path): parameters_file '\(name)' is not a file in the checkpoint folder; \(advice(directory))")
        }
        let url = directory.appendingPathComponent(name)
        do {
            let file = try Safetensors.read(from: url)
            return Loaded(record: record, tensors: file.tensors, metadata: file.metadata, url: url)
        } catch {
            throw AvatarError("\(url.path): the checkpoint is corrupted (\(error)); \(advice(directory))")
        }
    }

    /// Restores the checkpoint in `directory` into `parameters` (shapes must match) and `optimizer`;
    /// returns the record and every stored tensor (for family extras), or nil when there is no checkpoint.
    /// - Throws: `AvatarError` naming the file when the record or tensors are damaged or do not fit.
    public static func restore(
        from directory: URL, parameters: [(name: String, parameter: Parameter)],
        optimizer: Adam
    ) throws -> (record: AvatarCheckpoint, tensors: [String: Tensor])? {
        guard let loaded = try read(from: directory) else { return nil }
        let values = try parameters.map { name, parameter -> Tensor in
            let value = try loaded.tensor(name)
            guard value.shape == parameter.shape else {
                throw AvatarError(
                    "\(loaded.url.path): checkpoint tensor '\(name)' has shape \(value.shape) but the model has \(parameter.shape) (different settings?); \(advice(directory))"
                )
            }
            return value
        }
        for ((_, parameter), value) in zip(parameters, values) { parameter.value = value }
        try loadOptimizerState(loaded, into: optimizer, for: parameters)
        return (loaded.record, loaded.tensors)
    }

    /// Loads the Adam moments of `parameters` from a read checkpoint.
    /// - Throws: `AvatarError` naming the file when they do not fit.
    public static func loadOptimizerState(_ loaded: Loaded, into optimizer: Adam, for parameters: [(name: String, parameter: Parameter)]) throws {
        do {
            try optimizer.loadState(loaded.tensors, metadata: loaded.metadata, for: parameters)
        } catch {
            throw AvatarError("\(loaded.url.path): the optimiser state does not fit (\(error)); \(advice(loaded.url.deletingLastPathComponent()))")
        }
    }

    /// Names the first parameter holding NaN or ±Inf (with the value and element), or nil when all are finite.
    public static func firstNonFiniteParameter(_ parameters: [(name: String, parameter: Parameter)]) -> String? {
        for (name, parameter) in parameters {
            let bad = parameter.value.withUnsafeBufferPointer { $0.firstNonFiniteIndex() }
            if let bad { return "parameter '\(name)' holds \(parameter.value.scalars[bad]) at element \(bad)" }
        }
        return nil
    }
}
