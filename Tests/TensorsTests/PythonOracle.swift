import Foundation

@testable import Tensors

/// A Python interpreter with numpy, scikit-image and safetensors, used as an external oracle.
///
/// Looks for (1) `$AVATARFLOW_TENSORS_PYTHON`, (2) the cached venv
/// `~/.cache/avatarflow/tensors-oracle-venv`, (3) `python3` on PATH; if none has the packages it
/// creates the cached venv with `pip install scikit-image safetensors numpy` (PyPI). If that fails,
/// `unavailableReason` says why and the oracle tests are disabled (reported as skipped).
enum PythonOracle {
    static let packagesCheck = "import numpy, skimage, safetensors.numpy"

    static let interpreter: Result<String, TensorsError> = locate()

    static var isAvailable: Bool {
        if case .success = interpreter { return true }
        if case .failure(let error) = interpreter {
            FileHandle.standardError.write(Data("PythonOracle unavailable: \(error.message)\n".utf8))
        }
        return false
    }

    private static func locate() -> Result<String, TensorsError> {
        let venv = FileManager.default.homeDirectoryForCurrentUser
            .appendingPathComponent(".cache/avatarflow/tensors-oracle-venv")
        var candidates: [String] = []
        if let explicit = ProcessInfo.processInfo.environment["AVATARFLOW_TENSORS_PYTHON"] { candidates.append(explicit) }
        candidates.append(venv.appendingPathComponent("bin/python").path)
        candidates.append("python3")
        for candidate in candidates where (try? run(candidate, ["-c", packagesCheck]))?.status == 0 {
            return .success(candidate)
        }
        do {
            let create = try run("python3", ["-m", "venv", venv.path])
            guard create.status == 0 else { return .failure(TensorsError("python3 -m venv failed: \(create.output)")) }
            let python = venv.appendingPathComponent("bin/python").path
            let install = try run(python, ["-m", "pip", "install", "-q", "scikit-image", "safetensors", "numpy"])
            guard install.status == 0 else { return .failure(TensorsError("pip install scikit-image safetensors numpy failed: \(install.output)")) }
            guard try run(python, ["-c", packagesCheck]).status == 0 else {
                return .failure(TensorsError("venv \(venv.path) still cannot import numpy/skimage/safetensors"))
            }
            return .success(python)
        } catch {
            return .failure(TensorsError("cannot run python3: \(error)"))
        }
    }

    /// Runs `executable` (looked up on PATH when not absolute) and returns its status and combined output.
    static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [executable] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// Runs a Python `script` with the oracle interpreter; throws with the output on failure.
    static func evaluate(_ script: String, arguments: [String] = []) throws -> String {
        let python = try interpreter.get()
        let result = try run(python, ["-c", script] + arguments)
        guard result.status == 0 else { throw TensorsError("python oracle failed: \(result.output)") }
        return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// A unique temporary directory, removed by `remove()`.
struct TemporaryDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("TensorsTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func remove() {
        try? FileManager.default.removeItem(at: url)
    }
}

/// Writes a tensor's scalars as raw little-endian float32 (numpy.fromfile-compatible).
func writeRawFloat32(_ tensor: Tensor, to url: URL) throws {
    try tensor.withUnsafeBufferPointer { Data(buffer: $0) }.write(to: url)
}
