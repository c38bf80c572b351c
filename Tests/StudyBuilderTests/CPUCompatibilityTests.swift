import Foundation
import SR3Core
import XCTest

@testable import StudyBuilder

/// A build of SR3Core for AVX2 names what a CPU without it lacks, instead of dying on an illegal instruction.
final class CPUCompatibilityTests: XCTestCase {
    func testMissingFlagsAreNamedAndPresentFlagsPass() {
        let required = ["avx2", "fma", "bmi2"]
        let old = "processor\t: 0\nflags\t\t: fpu sse sse2 ssse3 sse4_1 sse4_2 avx\nbugs\t\t: none\n"
        let problem = CPUCompatibility.problem(required: required, cpuinfo: old)
        XCTAssertNotNil(problem)
        XCTAssertTrue(problem?.contains("avx2, fma, bmi2") ?? false, problem ?? "")
        XCTAssertTrue(problem?.contains("SR3CORE_PORTABLE=1") ?? false, problem ?? "")
        let new = "processor\t: 0\nflags\t\t: fpu sse avx avx2 fma bmi1 bmi2\n"
        XCTAssertNil(CPUCompatibility.problem(required: required, cpuinfo: new))
        // A flag is a whole word: "avx" does not stand for "avx2".
        XCTAssertNotNil(CPUCompatibility.problem(required: ["avx2"], cpuinfo: "flags\t: avx avx512f\n"))
    }

    /// Package.swift decides whether to compile for haswell from the same flags the running build requires.
    func testPackageManifestChecksTheFlagsSR3CoreRequires() throws {
        let manifest = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Package.swift")
        let text = try String(contentsOf: manifest, encoding: .utf8)
        let line = try XCTUnwrap(text.split(separator: "\n").first(where: { $0.contains("let haswell = [") }))
        let listed = line.split(separator: "\"").enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) }
        XCTAssertEqual(listed, SR3CoreBuild.haswellCPUFlags)
    }

    func testThisMachineRunsTheBuildItMade() {
        XCTAssertNil(CPUCompatibility.sr3CoreProblem())
    }
}
