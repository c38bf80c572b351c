import XCTest

@testable import StudyBuilder

/// OpenBLAS's kernels are corrected when it fell back to older ones than the CPU runs, and left alone otherwise.
final class BLASKernelsTests: XCTestCase {
    static let avx2 = ["sse3", "ssse3", "sse4_1", "sse4_2", "avx", "avx2", "fma", "bmi2"]
    static let avx512 = avx2 + ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"]
    /// The Xeon: family 6, model 207, AVX-512 with BF16 and FP16, which OpenBLAS 0.3.21 does not know.
    static let emeraldRapids = CPUInfo(vendor: "GenuineIntel", flags: Set(avx512 + ["avx512_vnni", "avx512_bf16", "avx512_fp16"]))
    static let skylakeServer = CPUInfo(vendor: "GenuineIntel", flags: Set(avx512))
    static let intelAVX2 = CPUInfo(vendor: "GenuineIntel", flags: Set(avx2))
    static let zen2 = CPUInfo(vendor: "AuthenticAMD", flags: Set(avx2))
    static let hygon = CPUInfo(vendor: "HygonGenuine", flags: Set(avx2))
    static let zen4 = CPUInfo(vendor: "AuthenticAMD", flags: Set(avx512 + ["avx512_bf16"]))
    static let sandyBridge = CPUInfo(vendor: "GenuineIntel", flags: ["sse3", "ssse3", "sse4_1", "sse4_2", "avx"])
    static let nehalem = CPUInfo(vendor: "GenuineIntel", flags: ["sse3", "ssse3", "sse4_1", "sse4_2"])

    func testTheCoreToForceOverATable() {
        let table: [(picked: String, cpu: CPUInfo, force: String?, line: UInt)] = [
            ("Prescott", Self.emeraldRapids, "Cooperlake", #line),
            ("Prescott", Self.skylakeServer, "SkylakeX", #line),
            ("Prescott", Self.intelAVX2, "Haswell", #line),
            ("Prescott", Self.zen2, "Zen", #line),
            ("Prescott", Self.hygon, "Zen", #line),
            ("Nehalem", Self.emeraldRapids, "Cooperlake", #line),
            ("Haswell", Self.skylakeServer, "SkylakeX", #line),
            ("Nehalem", Self.sandyBridge, "Sandybridge", #line),
            // What 0.3.21 itself picks on a Zen 4 EPYC is Cooperlake; Zen there is a fallback.
            ("Zen", Self.zen4, "Cooperlake", #line),
            // Already right, or as new as the CPU's instructions allow.
            ("Cooperlake", Self.emeraldRapids, nil, #line),
            ("Cooperlake", Self.zen4, nil, #line),
            ("SkylakeX", Self.skylakeServer, nil, #line),
            ("Haswell", Self.intelAVX2, nil, #line),
            ("Zen", Self.zen2, nil, #line),
            ("Haswell", Self.zen2, nil, #line),
            ("Zen", Self.intelAVX2, nil, #line),
            ("Sandybridge", Self.sandyBridge, nil, #line),
            ("SapphireRapids", Self.emeraldRapids, nil, #line),
            // A CPU without AVX is one 0.3.21 knows; a core name of another architecture is left alone.
            ("Prescott", Self.nehalem, nil, #line),
            ("NEOVERSEN1", Self.emeraldRapids, nil, #line),
            ("unknown", Self.emeraldRapids, nil, #line),
        ]
        for row in table {
            XCTAssertEqual(BLASKernels.coreToForce(picked: row.picked, cpu: row.cpu), row.force, "\(row.picked)", line: row.line)
        }
        XCTAssertEqual(BLASKernels.coreToForce(picked: "PRESCOTT", cpu: Self.intelAVX2), "Haswell")
    }

    func testTheStartupRelaunchesOnceAndNeverOverridesTheUser() {
        let core = BLASKernels.coreTypeVariable
        let marker = BLASKernels.relaunchVariable
        let test = BLASKernels.testFallbackVariable
        func startup(_ env: [String: String], _ picked: String, dynamic: Bool = true, cpu: CPUInfo? = Self.emeraldRapids) -> BLASKernels.Startup {
            BLASKernels.startup(environment: env, picked: picked, dynamic: dynamic, cpu: cpu)
        }
        // Fell back, nothing set: relaunch with the right core, marked with the core OpenBLAS picked alone.
        XCTAssertEqual(startup([:], "Prescott"), .relaunch(setting: [core: "Cooperlake", marker: "Prescott"]))
        XCTAssertEqual(startup(["HOME": "/root"], "Prescott", cpu: Self.zen2), .relaunch(setting: [core: "Zen", marker: "Prescott"]))
        // The relaunched process does not relaunch again, even if its OpenBLAS lacks the core asked for.
        XCTAssertEqual(startup([core: "Cooperlake", marker: "Prescott"], "Prescott"), .keep)
        // A user's own OPENBLAS_CORETYPE wins, whatever it names.
        XCTAssertEqual(startup([core: "Prescott"], "Prescott"), .keep)
        XCTAssertEqual(startup([core: "nonsense"], "Prescott"), .keep)
        // Already right; an OpenBLAS without DYNAMIC_ARCH cannot change; an unknown CPU is left alone.
        XCTAssertEqual(startup([:], "Cooperlake"), .keep)
        XCTAssertEqual(startup([:], "Prescott", dynamic: false), .keep)
        XCTAssertEqual(startup([:], "Prescott", cpu: nil), .keep)
        // The test switch: first start OpenBLAS as Prescott, then correct it as if OpenBLAS had picked it...
        XCTAssertEqual(startup([test: "Prescott"], "Cooperlake"), .relaunch(setting: [core: "Prescott"]))
        XCTAssertEqual(startup([test: "Prescott", core: "Prescott"], "Prescott"), .relaunch(setting: [core: "Cooperlake", marker: "Prescott"]))
        XCTAssertEqual(startup([test: "Prescott", core: "Cooperlake", marker: "Prescott"], "Cooperlake"), .keep)
        // ...but a user's own different OPENBLAS_CORETYPE still wins.
        XCTAssertEqual(startup([test: "Prescott", core: "Haswell"], "Haswell"), .keep)
    }

    func testTheDescriptionSaysWhoChoseTheKernels() {
        let core = BLASKernels.coreTypeVariable
        let marker = BLASKernels.relaunchVariable
        XCTAssertEqual(BLASKernels.describe(running: "Haswell", environment: [:]), "Haswell (chosen by OpenBLAS)")
        XCTAssertEqual(
            BLASKernels.describe(running: "Cooperlake", environment: [core: "Cooperlake", marker: "Prescott"]),
            "Cooperlake (chosen by studygen: OpenBLAS alone fell back to Prescott)")
        XCTAssertEqual(
            BLASKernels.describe(running: "SkylakeX", environment: [core: "Cooperlake", marker: "Prescott"]),
            "SkylakeX (chosen by studygen: OpenBLAS alone fell back to Prescott; it asked for Cooperlake, which this OpenBLAS lacks)")
        XCTAssertEqual(BLASKernels.describe(running: "Prescott", environment: [core: "Prescott"]), "Prescott (OPENBLAS_CORETYPE=Prescott)")
        XCTAssertEqual(BLASKernels.chooser(environment: [core: "Zen"]), .user)
        XCTAssertEqual(BLASKernels.chooser(environment: [BLASKernels.testFallbackVariable: "Prescott", core: "Prescott"]), .testSwitch)
    }

    func testCPUInfoReadsTheVendorAndWholeFlags() throws {
        let text = "processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 25\nflags\t\t: fpu sse avx avx2 fma avx512f\n"
        let cpu = try XCTUnwrap(CPUInfo(cpuinfo: text))
        XCTAssertEqual(cpu.vendor, "AuthenticAMD")
        XCTAssertTrue(cpu.flags.contains("avx512f"))
        XCTAssertFalse(cpu.flags.contains("avx512"))
        XCTAssertNil(CPUInfo(cpuinfo: "processor\t: 0\nFeatures\t: fp asimd\n"))
    }
}
