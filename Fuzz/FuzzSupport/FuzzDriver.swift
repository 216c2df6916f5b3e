import CFuzzer
import Foundation

/// A fuzz target's body: one input, as libFuzzer hands it over (`data` is nil when `size` is 0).
public typealias FuzzTarget = @convention(c) (_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt

/// Runs libFuzzer on `target` with the process's command line (libFuzzer flags, corpus folders or
/// single inputs to replay) and exits with its status. Called from each fuzz executable's top-level
/// code, because SwiftPM gives Linux executables an entry point of their own instead of `main`.
public func runFuzzer(_ target: FuzzTarget) -> Never {
    var argc = CommandLine.argc
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
    exit(LLVMFuzzerRunDriver(&argc, &argv, target))
}

/// The input as a buffer (empty for a nil pointer).
public func fuzzBytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> UnsafeBufferPointer<UInt8> {
    UnsafeBufferPointer(start: size > 0 ? data : nil, count: size)
}
