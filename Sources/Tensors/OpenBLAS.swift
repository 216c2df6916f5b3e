import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// OpenBLAS, loaded at run time (`dlopen`) so that its GEMM kernel is chosen before it loads.
///
/// OpenBLAS picks its kernels once, while the library is being loaded, from the CPU model. A build
/// older than the CPU does not know the model and falls back to its oldest x86-64 kernels: Debian
/// 12's OpenBLAS 0.3.21 on a Xeon "Emerald Rapids" (family 6, model 207) chooses `Prescott` (SSE3),
/// 4–5× slower GEMM than the AVX-512 kernels the CPU can run (docs/tensors.md). Linking OpenBLAS would load
/// it before any of our code runs, so AvatarFlow loads it itself, after setting `OPENBLAS_CORETYPE`
/// to what OpenBLAS picks on the CPUs it knows: `SkylakeX` when the CPU has AVX-512 (F, CD, BW,
/// DQ, VL), else `Haswell` when it has AVX2 and FMA, else nothing (OpenBLAS detects). It restores
/// the environment after the load. A `OPENBLAS_CORETYPE` set by the user always wins.
///
/// The one owner of the loaded library (never unloaded); `shared` loads it on first use.
public final class OpenBLAS: @unchecked Sendable {
    /// `cblas_sgemm` (LP64 CBLAS: enums and sizes are C `int`).
    private typealias SGEMM =
        @convention(c) (
            Int32, Int32, Int32, Int32, Int32, Int32, Float, UnsafePointer<Float>?, Int32,
            UnsafePointer<Float>?, Int32, Float, UnsafeMutablePointer<Float>?, Int32
        ) -> Void
    private typealias SetThreads = @convention(c) (Int32) -> Void
    private typealias CoreName = @convention(c) () -> UnsafeMutablePointer<CChar>?

    /// CBLAS enum values (cblas.h): row-major storage, no transpose, transpose.
    private static let rowMajor: Int32 = 101, noTranspose: Int32 = 111, transpose: Int32 = 112

    /// The process's OpenBLAS. Stops the process with instructions when the library is missing:
    /// nothing numeric can run without it, and it is an installation problem, not an input.
    public static let shared: OpenBLAS = {
        do {
            return try OpenBLAS()
        } catch {
            fatalError("\(error)")
        }
    }()

    /// The kernel set OpenBLAS runs (`openblas_get_corename`, e.g. "Haswell", "Prescott").
    public let coreName: String
    /// `OPENBLAS_CORETYPE` as AvatarFlow set it for the load, or nil when it left the choice alone
    /// (the user set it, or the CPU lacks AVX2 and FMA).
    public let requestedCoreType: String?

    private let sgemmFunction: SGEMM
    private let setThreadsFunction: SetThreads

    /// Loads the library (the first of `libraryNames` that loads) and resolves its functions.
    /// - Throws: `OpenBLASLoadError` naming the library or symbol and how to install it.
    private init() throws {
        let environmentKey = "OPENBLAS_CORETYPE"
        let requested = getenv(environmentKey) == nil ? Self.coreType(forCPUFlags: Self.cpuFlags()) : nil
        if let requested { setenv(environmentKey, requested, 1) }
        defer { if requested != nil { unsetenv(environmentKey) } }
        requestedCoreType = requested

        var failures: [String] = []
        var loaded: UnsafeMutableRawPointer?
        for name in Self.libraryNames {
            if let library = dlopen(name, RTLD_NOW | RTLD_LOCAL) {
                loaded = library
                break
            }
            failures.append(dlerror().map { String(cString: $0) } ?? name)
        }
        guard let loaded else { throw OpenBLASLoadError(problem: "no OpenBLAS library could be loaded: \(failures.joined(separator: "; "))") }

        func symbol<Function>(_ name: String, as type: Function.Type) throws -> Function {
            guard let address = dlsym(loaded, name) else {
                throw OpenBLASLoadError(problem: "the OpenBLAS library has no `\(name)`")
            }
            return unsafeBitCast(address, to: type)
        }
        sgemmFunction = try symbol("cblas_sgemm", as: SGEMM.self)
        setThreadsFunction = try symbol("openblas_set_num_threads", as: SetThreads.self)
        let coreNameFunction = try symbol("openblas_get_corename", as: CoreName.self)
        coreName = coreNameFunction().map { String(cString: $0) } ?? "unknown"
    }

    /// Library file names tried in order (Debian's runtime package installs `libopenblas.so.0`).
    private static let libraryNames = ["libopenblas.so.0", "libopenblas.so", "libopenblas.dylib"]

    /// The OpenBLAS kernel set for a CPU with these `/proc/cpuinfo` flags: `SkylakeX` with AVX-512
    /// (F, CD, BW, DQ, VL), `Haswell` with AVX2 and FMA, nil otherwise (left to OpenBLAS).
    static func coreType(forCPUFlags flags: Set<String>) -> String? {
        if flags.isSuperset(of: ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"]) { return "SkylakeX" }
        if flags.isSuperset(of: ["avx2", "fma"]) { return "Haswell" }
        return nil
    }

    /// The CPU's flags from `/proc/cpuinfo`, which lists only what the CPU has and the OS enables;
    /// empty where there is no `/proc/cpuinfo`.
    static func cpuFlags() -> Set<String> {
        guard let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
            let flagsLine = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") })
        else { return [] }
        return Set(flagsLine.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == ":" }).map(String.init))
    }

    /// Row-major `C = alpha · op(A) · op(B) + beta · C` (`cblas_sgemm`); `a` is `[m, k]`
    /// (`[k, m]` when `transposeA`), `b` is `[k, n]` (`[n, k]` when `transposeB`), `c` is `[m, n]`.
    public func sgemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        sgemmFunction(
            Self.rowMajor, transposeA ? Self.transpose : Self.noTranspose, transposeB ? Self.transpose : Self.noTranspose,
            Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// Sets how many threads OpenBLAS itself uses per call (`openblas_set_num_threads`).
    public func setThreadCount(_ count: Int) {
        setThreadsFunction(Int32(count))
    }
}

/// OpenBLAS could not be loaded at run time.
public struct OpenBLASLoadError: Error, CustomStringConvertible {
    /// What failed (library or symbol).
    public let problem: String

    public var description: String {
        "AvatarFlow needs OpenBLAS at run time, but \(problem). On Debian install it with `scripts/setup.sh` "
            + "(or `apt-get install libopenblas0`); elsewhere put libopenblas on the library path."
    }
}
