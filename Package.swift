// swift-tools-version: 6.1
// AvatarFlow — YAML pipelines of typed stages for head-avatar research. See README.md and DESIGN.md.
import PackageDescription

/// `AVATARFLOW_FUZZ=1` turns the package into the libFuzzer build of docs/fuzzing.md (scripts/fuzz.sh sets it).
let fuzzing = Context.environment["AVATARFLOW_FUZZ"] == "1"

/// Release-mode numeric code relies on these; debug builds stay debuggable. The fuzz build keeps
/// bounds and overflow checks, so that a bad index in a loader is a crash the fuzzer reports.
let numericSettings: [SwiftSetting] = fuzzing ? [] : [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]

/// The hot loops of Tensors, Splatting and Avatars are also compiled for AVX2/FMA (x86-64-v3) on Linux
/// release builds: the SSE2 baseline splits every SIMD8<Float> in two and vectorises elementwise
/// loops 4 wide. Release binaries therefore need an x86-64-v3 CPU (Haswell, 2013, or Zen 1, 2017).
let vectorSettings: [SwiftSetting] =
    numericSettings + [.unsafeFlags(["-Xcc", "-march=x86-64-v3"], .when(platforms: [.linux], configuration: .release))]

let package = Package(
    name: "AvatarFlow",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "avatarflow", targets: ["avatarflow"]),
        .library(name: "AvatarFlow", targets: ["AvatarFlow"]),
        .library(name: "Tensors", targets: ["Tensors"]),
        .library(name: "Splatting", targets: ["Splatting"]),
        .library(name: "Geometry", targets: ["Geometry"]),
        .library(name: "MediaIO", targets: ["MediaIO"]),
        .library(name: "HeadModel", targets: ["HeadModel"]),
        .library(name: "FaceAnalysis", targets: ["FaceAnalysis"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.0.0"),
    ],
    targets: [
        // MARK: C system libraries (module map + shim header only)
        .systemLibrary(
            name: "CPNG", path: "Sources/CPNG", pkgConfig: "libpng",
            providers: [.apt(["libpng-dev"])]),
        .systemLibrary(
            name: "CFFmpeg", path: "Sources/CFFmpeg",
            pkgConfig: "libavformat libavcodec libavutil libswscale",
            providers: [.apt(["libavformat-dev", "libavcodec-dev", "libavutil-dev", "libswscale-dev"])]),

        // MARK: Engine and CLI
        .target(
            name: "AvatarFlow",
            dependencies: [
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]),
        .target(
            name: "AvatarFlowCLI",
            dependencies: [
                "AvatarFlow",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .target(
            name: "AvatarFlowStages",
            dependencies: [
                "AvatarFlow", "AvatarFlowCLI", "MediaIO", "Tensors", "VideoIO", "SyntheticCapture", "FaceLandmarks", "Matting",
                "FaceTracking", "RiggedGaussians", "MeshGuidance", "DynamicGaussians", "Rendering", "Evaluation", "SuperResolution",
            ]),
        .executableTarget(name: "avatarflow", dependencies: ["AvatarFlowCLI", "AvatarFlowStages"]),

        // MARK: Domain libraries
        .target(name: "Randomness"),
        // Tensors loads OpenBLAS at run time (dlopen) to choose its kernel first; see Sources/Tensors/OpenBLAS.swift.
        .target(name: "Tensors", dependencies: ["Randomness"], swiftSettings: vectorSettings),
        .target(name: "Splatting", dependencies: ["Tensors", "Geometry"], swiftSettings: vectorSettings),
        .target(name: "Geometry", dependencies: ["Randomness"], swiftSettings: numericSettings),
        // LinearAlgebra: small dense solvers in Double (Cholesky, Jacobi eigen) and Levenberg–Marquardt.
        .target(name: "LinearAlgebra", swiftSettings: numericSettings),
        // ImageFilters: single-channel planes, box mean, guided filter, closed-form matting, binary morphology.
        .target(name: "ImageFilters", dependencies: ["Geometry", "LinearAlgebra"], swiftSettings: numericSettings),
        .target(name: "MediaIO", dependencies: ["CFFmpeg", "CPNG", "Geometry"], swiftSettings: numericSettings),
        .target(name: "HeadModel", dependencies: ["Geometry"], swiftSettings: numericSettings),
        .target(name: "FaceAnalysis", dependencies: ["Geometry", "Tensors"], swiftSettings: numericSettings),
        .target(name: "Avatars", dependencies: ["Tensors", "Splatting", "HeadModel", "Geometry", "MediaIO", "LinearAlgebra"], swiftSettings: vectorSettings),
        // DifferentiableMesh: deformable marching tetrahedra and a soft mesh rasteriser as autodiff ops (mesh guidance).
        .target(
            name: "DifferentiableMesh", dependencies: ["Tensors", "Geometry"],
            swiftSettings: numericSettings + [.unsafeFlags(["-Xcc", "-march=x86-64-v3"], .when(platforms: [.linux], configuration: .release))]),

        // MARK: Stages (one target per stage family; a stage never imports another stage)
        .target(name: "VideoIO", dependencies: ["AvatarFlow", "MediaIO"], path: "Stages/VideoIO"),
        .target(
            name: "SyntheticCapture", dependencies: ["AvatarFlow", "HeadModel", "Geometry", "MediaIO", "FaceAnalysis"],
            path: "Stages/SyntheticCapture", swiftSettings: numericSettings),

        .target(
            name: "Matting", dependencies: ["AvatarFlow", "MediaIO", "HeadModel", "Geometry", "ImageFilters"], path: "Stages/Matting",
            swiftSettings: numericSettings),
        .target(
            name: "FaceTracking",
            dependencies: ["AvatarFlow", "HeadModel", "Geometry", "MediaIO", "FaceAnalysis", "LinearAlgebra", "Avatars", "DifferentiableMesh", "Tensors"],
            path: "Stages/FaceTracking", swiftSettings: numericSettings),
        .target(
            name: "FaceLandmarks", dependencies: ["AvatarFlow", "FaceAnalysis", "MediaIO"],
            path: "Stages/FaceLandmarks", swiftSettings: numericSettings),

        .target(
            name: "RiggedGaussians", dependencies: ["AvatarFlow", "Avatars", "Tensors", "Splatting", "HeadModel", "Geometry", "MediaIO"],
            path: "Stages/RiggedGaussians", swiftSettings: numericSettings),
        .target(
            name: "MeshGuidance", dependencies: ["AvatarFlow", "Avatars", "DifferentiableMesh", "Tensors", "HeadModel", "Geometry", "MediaIO"],
            path: "Stages/MeshGuidance", swiftSettings: numericSettings),
        .target(
            name: "DynamicGaussians", dependencies: ["AvatarFlow", "Avatars", "Tensors", "Splatting", "HeadModel", "Geometry", "MediaIO"],
            path: "Stages/DynamicGaussians", swiftSettings: numericSettings),
        .target(
            name: "Rendering", dependencies: ["AvatarFlow", "Avatars", "Splatting", "HeadModel", "MediaIO"],
            path: "Stages/Rendering", swiftSettings: numericSettings),
        .target(
            name: "Evaluation", dependencies: ["AvatarFlow", "Tensors", "MediaIO", "FaceAnalysis"],
            path: "Stages/Evaluation", swiftSettings: numericSettings),
        .target(
            name: "SuperResolution", dependencies: ["AvatarFlow", "Avatars", "Tensors", "MediaIO"],
            path: "Stages/SuperResolution", swiftSettings: numericSettings),

        // MARK: Benchmarks (print JSON; run by scripts/bench.sh)
        .executableTarget(
            name: "TensorsBench", dependencies: ["Tensors"], path: "Benchmarks/TensorsBench",
            swiftSettings: numericSettings),
        .executableTarget(name: "MediaBench", dependencies: ["MediaIO"], path: "Benchmarks/MediaBench"),
        .executableTarget(
            name: "FaceBench", dependencies: ["FaceAnalysis", "Geometry"], path: "Benchmarks/FaceBench",
            swiftSettings: numericSettings),
        .executableTarget(
            name: "SplattingBench", dependencies: ["Splatting", "Tensors"], path: "Benchmarks/SplattingBench",
            swiftSettings: numericSettings),
        .executableTarget(
            name: "SuperResolutionBench", dependencies: ["Avatars", "Tensors", "MediaIO"], path: "Benchmarks/SuperResolutionBench",
            swiftSettings: numericSettings),
        .executableTarget(
            name: "RiggedBench", dependencies: ["Avatars", "Splatting", "Tensors", "HeadModel"], path: "Benchmarks/RiggedBench",
            swiftSettings: numericSettings),

        // MARK: Tests
        .target(name: "EngineTestStages", dependencies: ["AvatarFlow"], path: "Tests/EngineTestStages"),
        .executableTarget(name: "EngineTestbed", dependencies: ["AvatarFlowCLI", "EngineTestStages"], path: "Tests/EngineTestbed"),
        .target(name: "HeadCaptureFixtures", dependencies: ["HeadModel", "Geometry", "MediaIO"], path: "Tests/HeadCaptureFixtures"),
        // TestSupport: the helpers every test target shares (seeded generators, temporary files, command runner,
        // test images and FrameSets, finite-difference gradient checks).
        .target(name: "TestSupport", dependencies: ["Randomness", "Tensors", "MediaIO"], path: "Tests/TestSupport"),
        .testTarget(name: "AvatarFlowTests", dependencies: ["TestSupport", "AvatarFlow", "AvatarFlowCLI", "EngineTestStages", "EngineTestbed"]),
        // SlurmTests: the Slurm executor end to end on a real slurmctld/slurmd (scripts/slurm-local.sh; the tests start it).
        .testTarget(name: "SlurmTests", dependencies: ["TestSupport", "AvatarFlow", "EngineTestStages", "EngineTestbed"]),
        .testTarget(name: "TensorsTests", dependencies: ["TestSupport", "Tensors"]),
        .testTarget(name: "SplattingTests", dependencies: ["TestSupport", "Splatting", "Tensors"]),
        .testTarget(name: "GeometryTests", dependencies: ["TestSupport", "Geometry"]),
        .testTarget(name: "RandomnessTests", dependencies: ["Randomness"]),
        .testTarget(name: "LinearAlgebraTests", dependencies: ["TestSupport", "LinearAlgebra"]),
        .testTarget(name: "ImageFiltersTests", dependencies: ["ImageFilters"]),
        .testTarget(name: "MediaIOTests", dependencies: ["TestSupport", "MediaIO"]),
        .testTarget(name: "HeadModelTests", dependencies: ["TestSupport", "HeadModel", "Geometry"]),
        .testTarget(name: "FaceAnalysisTests", dependencies: ["TestSupport", "FaceAnalysis"]),
        .testTarget(name: "EvaluationTests", dependencies: ["TestSupport", "Evaluation", "FaceAnalysis", "AvatarFlow", "MediaIO"]),
        .testTarget(name: "FaceLandmarksTests", dependencies: ["TestSupport", "FaceLandmarks", "FaceAnalysis", "AvatarFlow", "MediaIO"]),
        .testTarget(name: "MattingTests", dependencies: ["TestSupport", "Matting", "ImageFilters", "AvatarFlow", "MediaIO", "HeadModel", "Geometry"]),
        .testTarget(
            name: "FaceTrackingTests",
            dependencies: ["TestSupport", "FaceTracking", "HeadCaptureFixtures", "HeadModel", "AvatarFlow", "MediaIO", "FaceAnalysis", "Geometry", "Tensors"]),
        .testTarget(name: "PipelineTests", dependencies: ["TestSupport", "AvatarFlowStages", "AvatarFlow", "MediaIO", "HeadModel", "FaceAnalysis"]),
        .testTarget(name: "VideoIOTests", dependencies: ["TestSupport", "VideoIO", "AvatarFlow", "MediaIO"]),
        .testTarget(name: "SyntheticCaptureTests", dependencies: ["SyntheticCapture", "Evaluation", "AvatarFlow", "HeadModel", "MediaIO"]),
        .testTarget(name: "AvatarsTests", dependencies: ["TestSupport", "Avatars", "Splatting", "Tensors", "HeadModel", "Geometry", "MediaIO"]),
        .testTarget(
            name: "RiggedGaussiansTests",
            dependencies: [
                "TestSupport", "RiggedGaussians", "HeadCaptureFixtures", "Rendering", "Evaluation", "Avatars", "AvatarFlow", "AvatarFlowStages",
                "MediaIO", "HeadModel", "Geometry", "Splatting", "Tensors",
            ]),
        .testTarget(name: "DifferentiableMeshTests", dependencies: ["TestSupport", "DifferentiableMesh", "Tensors", "Geometry"]),
        .testTarget(
            name: "MeshGuidanceTests",
            dependencies: [
                "TestSupport", "MeshGuidance", "HeadCaptureFixtures", "Avatars", "DifferentiableMesh", "AvatarFlow", "AvatarFlowStages",
                "MediaIO", "HeadModel", "Geometry", "Tensors", "SyntheticCapture",
            ]),
        .testTarget(
            name: "DynamicGaussiansTests",
            dependencies: [
                "TestSupport", "DynamicGaussians", "HeadCaptureFixtures", "Rendering", "Evaluation", "Avatars", "AvatarFlow", "AvatarFlowStages",
                "MediaIO", "HeadModel", "Geometry", "Splatting", "Tensors", "MeshGuidance", "SyntheticCapture",
            ]),
        .testTarget(
            name: "SuperResolutionTests",
            dependencies: ["TestSupport", "SuperResolution", "Avatars", "AvatarFlow", "AvatarFlowStages", "MediaIO", "Tensors"]),
    ],
    swiftLanguageModes: [.v6]
)

// MARK: Fuzzing (docs/fuzzing.md)
// Only with AVATARFLOW_FUZZ=1: one libFuzzer executable per file format, built by scripts/fuzz.sh with
// `-sanitize=fuzzer,address` in .build-fuzz. libFuzzer supplies `main`, so the fuzz build drops every other
// executable and the tests; the regular build never sees these targets.
if fuzzing {
    let fuzzTargets: [(name: String, dependencies: [Target.Dependency])] = [
        ("FuzzPipeline", ["AvatarFlow", "EngineTestStages"]),
        ("FuzzCameras", ["MediaIO"]),
        ("FuzzFrameSet", ["MediaIO"]),
        ("FuzzArtifactManifest", ["Avatars", "AvatarFlow"]),
        ("FuzzPNG", ["MediaIO"]),
        ("FuzzVideoProbe", ["MediaIO"]),
        ("FuzzDlib", ["FaceAnalysis"]),
        ("FuzzHaar", ["FaceAnalysis"]),
        ("FuzzPLYMesh", ["Geometry"]),
        ("FuzzGaussianPLY", ["Splatting"]),
        ("FuzzSafetensors", ["Tensors"]),
        ("FuzzNPZ", ["MediaIO"]),
        ("FuzzHeadModel", ["HeadModel"]),
        ("FuzzCheckpoint", ["Avatars"]),
    ]
    package.targets.removeAll { $0.type == .executable || $0.type == .test }
    package.products.removeAll { $0.name == "avatarflow" }
    package.targets.append(.systemLibrary(name: "CFuzzer", path: "Fuzz/CFuzzer"))
    package.targets.append(.target(name: "FuzzSupport", dependencies: ["CFuzzer"], path: "Fuzz/FuzzSupport"))
    for target in fuzzTargets {
        package.targets.append(
            .executableTarget(
                name: target.name, dependencies: ["FuzzSupport"] + target.dependencies, path: "Fuzz/\(target.name)"))
        package.products.append(.executable(name: target.name, targets: [target.name]))
    }
}
