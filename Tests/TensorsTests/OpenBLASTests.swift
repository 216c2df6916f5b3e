import Foundation
import Testing

@testable import Tensors

@Test func openBLASRunsTheKernelAvatarFlowAskedFor() {
    let blas = OpenBLAS.shared
    if let requested = blas.requestedCoreType {
        #expect(blas.coreName == requested, "OpenBLAS ignored OPENBLAS_CORETYPE=\(requested) and runs \(blas.coreName)")
    }
}

@Test func openBLASGetsTheKernelsOfItsOwnDetectionUnlessTheUserChoseOthers() {
    // Load first: while another test thread loads the library, OPENBLAS_CORETYPE is set for the load.
    let requested = OpenBLAS.shared.requestedCoreType
    let userChose = ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] != nil
    #expect(requested == (userChose ? nil : OpenBLAS.coreType(forCPUFlags: OpenBLAS.cpuFlags())))
}

@Test func avx512CPUsGetSkylakeXAndAVX2CPUsHaswellKernels() {
    let avx2: Set<String> = ["sse4_2", "avx", "avx2", "fma"]
    #expect(OpenBLAS.coreType(forCPUFlags: avx2.union(["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"])) == "SkylakeX")
    #expect(OpenBLAS.coreType(forCPUFlags: avx2.union(["avx512f"])) == "Haswell")
    #expect(OpenBLAS.coreType(forCPUFlags: avx2) == "Haswell")
    #expect(OpenBLAS.coreType(forCPUFlags: ["sse4_2", "avx", "avx2"]) == nil)
    #expect(OpenBLAS.coreType(forCPUFlags: []) == nil)
}

@Test func loadingOpenBLASLeavesTheEnvironmentAsItWas() {
    if OpenBLAS.shared.requestedCoreType != nil {
        #expect(ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil)
    }
}

@Test func openBLASSgemmTransposesBothOperands() {
    // Aᵀ stored as [k, m] = [2, 3], Bᵀ stored as [n, k] = [2, 2]; C = 2·A·B + 1·C.
    let aTransposed: [Float] = [1, 2, 3, 4, 5, 6]
    let bTransposed: [Float] = [1, 0, 1, 1]
    var c: [Float] = [1, 1, 1, 1, 1, 1]
    c.withUnsafeMutableBufferPointer { pc in
        OpenBLAS.shared.sgemm(
            transposeA: true, transposeB: true, m: 3, n: 2, k: 2, alpha: 2,
            a: aTransposed, lda: 3, b: bTransposed, ldb: 2, beta: 1, c: pc.baseAddress!, ldc: 2)
    }
    // A = [[1,4],[2,5],[3,6]], B = [[1,1],[0,1]] → A·B = [[1,5],[2,7],[3,9]].
    #expect(c == [3, 11, 5, 15, 7, 19])
}
