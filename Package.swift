// swift-tools-version:6.0
import Foundation
import PackageDescription

/// SR3Core's kernels are compiled for the CPU that builds them where it has AVX2 and FMA (x86-64 Linux):
/// `-target-cpu haswell` makes the SIMD kernels about 10% faster and leaves every result bit for bit the
/// same (no fused multiply-adds or reassociation without fast-math). SR3CORE_PORTABLE=1 builds for baseline
/// x86-64, for binaries that must run on older CPUs; a haswell build refuses to start on a CPU without these
/// features (`CPUCompatibility`), instead of dying on an illegal instruction.
let sr3CoreCPUFlags: [String] = {
    #if os(Linux) && arch(x86_64)
        guard ProcessInfo.processInfo.environment["SR3CORE_PORTABLE"] != "1",
            let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
            let line = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") })
        else { return [] }
        let present = Set(line.split(separator: " ").map(String.init))
        // What LLVM's haswell target may emit: SR3CoreBuild.haswellCPUFlags (a test holds the two equal).
        let haswell = ["avx", "avx2", "fma", "bmi1", "bmi2", "f16c", "movbe", "abm", "popcnt", "sse4_2"]
        return haswell.allSatisfy(present.contains) ? ["-target-cpu", "haswell", "-D", "SR3CORE_HASWELL"] : []
    #else
        return []
    #endif
}()

let package = Package(
    name: "SR3Study",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "studygen", targets: ["StudyGen"]),
        .executable(name: "studyserver", targets: ["StudyServer"]),
        .library(name: "SR3Core", targets: ["SR3Core"]),
        .library(name: "StudyKit", targets: ["StudyKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // System C libraries, through module maps.
        .systemLibrary(
            name: "COpenBLAS", path: "Sources/COpenBLAS",
            providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(
            name: "CPNG", path: "Sources/CPNG", pkgConfig: "libpng",
            providers: [.apt(["libpng-dev"])]),

        // The one seeded generator (xoshiro256**) and the random choices made from it. Pure.
        .target(name: "SeededRandom"),
        // The names the model and the study share: samplers, schedule sources, checkpoint kinds.
        .target(name: "ModelVocabulary"),
        // Bicubic resampling (torch's and PIL's, bit for bit) and 8-bit levels of float planes. Pure.
        // -Ounchecked, like SR3Core: it runs inside every sampling step.
        .target(name: "Resampling", swiftSettings: [.unsafeFlags(["-Ounchecked"])]),
        // The SR3 model: tensors, kernels, U-Net, checkpoints, conditioning, samplers. Knows nothing of studies.
        // -Ounchecked: the numeric kernels stay fast in debug test builds too; sr3CoreCPUFlags above.
        .target(
            name: "SR3Core", dependencies: ["COpenBLAS", "Resampling", "SeededRandom", "ModelVocabulary"],
            swiftSettings: [.unsafeFlags(["-Ounchecked"] + sr3CoreCPUFlags)]),
        // Images at the edges: PNG through libpng, uint8 <-> tensor, crops, metrics (PSNR, SSIM, consistency).
        .target(name: "Imaging", dependencies: ["CPNG", "Resampling"]),
        // The study as values: definitions, manifest, trial design, answered-trial records. Pure: files are read
        // in StudyFiles.
        .target(name: "StudyKit", dependencies: ["SeededRandom", "ModelVocabulary", .product(name: "Yams", package: "Yams")]),
        // Where a study lives on disk and reading its study.yaml and manifest.json: the file edge of StudyKit.
        .target(name: "StudyFiles", dependencies: ["StudyKit"]),
        // The study database: GRDB schema, migrations and records.
        .target(
            name: "StudyStore",
            dependencies: [
                "StudyKit", .product(name: "GRDB", package: "GRDB.swift"),
            ]),
        // Statistics over answered trials: fool rates, intervals, reports. Pure.
        .target(name: "StudyStats", dependencies: ["StudyKit", "SeededRandom"]),
        // `studygen build`: from a definition to stimuli + manifest, running every model.
        .target(
            name: "StudyBuilder",
            dependencies: [
                "StudyKit", "StudyFiles", "Imaging", "SR3Core", "SeededRandom", .product(name: "Logging", package: "swift-log"),
            ]),
        // The participant-facing HTTP server and its JSON API.
        .target(
            name: "StudyServerCore",
            dependencies: [
                "StudyKit", "StudyFiles", "StudyStore", "StudyStats", "Imaging",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]),

        .executableTarget(
            name: "StudyGen",
            dependencies: [
                "StudyBuilder", "StudyKit", "StudyFiles", "Imaging", "SR3Core", "ModelVocabulary",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .executableTarget(
            name: "StudyServer",
            dependencies: [
                "StudyServerCore", "StudyStore", "StudyStats", "StudyKit", "StudyFiles", "SeededRandom",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]),

        .testTarget(name: "SR3CoreTests", dependencies: ["SR3Core", "Imaging", "Resampling"], exclude: ["Fixtures"]),
        .testTarget(name: "ImagingTests", dependencies: ["Imaging", "Resampling"]),
        .testTarget(name: "StudyKitTests", dependencies: ["StudyKit", "StudyFiles", "SeededRandom"]),
        .testTarget(
            name: "StudyBuilderTests",
            dependencies: [
                "StudyBuilder", "StudyKit", "StudyFiles", "Imaging", "SR3Core", "SeededRandom", .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(name: "StudyStatsTests", dependencies: ["StudyStats", "StudyKit", "SeededRandom"], exclude: ["Fixtures"]),
        .testTarget(
            name: "StudyServerTests",
            dependencies: [
                "StudyServerCore", "StudyStore", "StudyKit", "StudyFiles", .product(name: "GRDB", package: "GRDB.swift"),
            ]),
    ]
)
