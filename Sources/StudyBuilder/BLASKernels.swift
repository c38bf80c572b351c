import Foundation
import SR3Core

/// Which OpenBLAS kernels run, and making OpenBLAS use the right ones when it fell back.
///
/// OpenBLAS built with DYNAMIC_ARCH (Debian's) picks its kernel set ("core") when it loads, from the CPU model it
/// recognises. On a model newer than the library (Debian bookworm's 0.3.21 on a 2023 Xeon) it falls back to its
/// oldest x86-64 kernels, Prescott (SSE3), and sgemm runs 4-7x slower without a word. At start-up studygen compares
/// the core OpenBLAS picked with what the CPU can run and, when OpenBLAS fell back to an older one, starts itself
/// again once with OPENBLAS_CORETYPE naming the newest core the CPU runs: OpenBLAS reads that variable in its library
/// constructor, before `main`, so a fresh process is the reliable way. A user's own OPENBLAS_CORETYPE always wins.
public enum BLASKernels {
    /// OpenBLAS's own variable: the core to use instead of the one it detects.
    public static let coreTypeVariable = "OPENBLAS_CORETYPE"
    /// Set on studygen's relaunch to the core OpenBLAS had picked alone: the guard against a second relaunch, and
    /// what `describe` reports.
    public static let relaunchVariable = "STUDYGEN_BLAS_FELL_BACK_FROM"
    /// FOR TESTS ONLY: names a core (e.g. Prescott) that OpenBLAS is made to start with although the user set
    /// nothing (studygen first relaunches itself with OPENBLAS_CORETYPE set to it and treats it as OpenBLAS's own
    /// choice), so that the correction can be tested end to end on any CPU.
    public static let testFallbackVariable = "STUDYGEN_TEST_ONLY_BLAS_FALLBACK"

    /// What studygen does at start-up: carry on, or start again with these environment variables set.
    enum Startup: Equatable {
        case keep
        case relaunch(setting: [String: String])
    }

    /// OpenBLAS's x86-64 cores (0.3.21's names, and SapphireRapids of later versions) by the newest instructions
    /// their kernels use: 0 SSE2/SSE3, 1 SSSE3/SSE4, 2 AVX, 3 AVX2 + FMA, 4 AVX-512, 5 AVX-512 BF16, 6 AMX.
    static let coreLevels: [String: Int] = {
        let levels: [[String]] = [
            ["Katmai", "Coppermine", "Northwood", "Prescott", "Banias", "Athlon", "Opteron", "Opteron_SSE3"],
            ["Atom", "Core2", "Penryn", "Dunnington", "Nehalem", "Barcelona", "Nano", "Bobcat"],
            ["Sandybridge", "Bulldozer", "Piledriver", "Steamroller"],
            ["Haswell", "Zen", "Excavator"],
            ["SkylakeX"],
            ["Cooperlake"],
            ["SapphireRapids"],
        ]
        var table: [String: Int] = [:]
        for (level, names) in levels.enumerated() {
            for name in names { table[name.lowercased()] = level }
        }
        return table
    }()

    static let avx512Flags = ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"]

    /// The newest core of Debian bookworm's OpenBLAS 0.3.21 that `cpu` runs, or nil for a CPU without AVX (which
    /// that library recognises by itself).
    static func newestCore(for cpu: CPUInfo) -> String? {
        let has = { (flags: [String]) in flags.allSatisfy(cpu.flags.contains) }
        if has(avx512Flags) { return has(["avx512_bf16"]) ? "Cooperlake" : "SkylakeX" }
        if has(["avx2", "fma"]) { return ["AuthenticAMD", "HygonGenuine"].contains(cpu.vendor) ? "Zen" : "Haswell" }
        if has(["avx"]) { return "Sandybridge" }
        return nil
    }

    /// The core to make OpenBLAS use instead of the one it `picked`, or nil when its own choice uses the newest
    /// instructions `cpu` has (or is not an x86-64 core named above).
    static func coreToForce(picked: String, cpu: CPUInfo) -> String? {
        guard let pickedLevel = coreLevels[picked.lowercased()], let best = newestCore(for: cpu),
            let bestLevel = coreLevels[best.lowercased()], bestLevel > pickedLevel
        else { return nil }
        return best
    }

    /// The start-up decision from the environment, the core OpenBLAS `picked`, whether it picks cores at load
    /// (`dynamic`) and the CPU (nil where unknown).
    static func startup(environment: [String: String], picked: String, dynamic: Bool, cpu: CPUInfo?) -> Startup {
        guard dynamic, let cpu, environment[relaunchVariable] == nil else { return .keep }
        let coreType = environment[coreTypeVariable]
        if let testCore = environment[testFallbackVariable], !testCore.isEmpty {
            // The test's fallback: first start OpenBLAS with it, then correct it as if OpenBLAS had picked it.
            if coreType == nil { return .relaunch(setting: [coreTypeVariable: testCore]) }
            if coreType != testCore { return .keep }
        } else if coreType != nil {
            return .keep
        }
        guard let core = coreToForce(picked: picked, cpu: cpu) else { return .keep }
        return .relaunch(setting: [coreTypeVariable: core, relaunchVariable: picked])
    }

    /// Called first thing by studygen: when OpenBLAS fell back to older kernels than this CPU runs, replaces this
    /// process with a fresh start of the same executable and arguments with OPENBLAS_CORETYPE set (once). Returns
    /// when nothing is to be done, or when the relaunch failed (OpenBLAS's own choice then stays).
    public static func relaunchIfOpenBLASFellBack() {
        #if os(Linux)
            let decision = startup(
                environment: ProcessInfo.processInfo.environment, picked: BLASLibrary.coreName,
                dynamic: BLASLibrary.choosesKernelsAtLoad, cpu: CPUInfo.current())
            guard case .relaunch(let setting) = decision else { return }
            for (name, value) in setting { setenv(name, value, 1) }
            var argv: [UnsafeMutablePointer<CChar>?] = CommandLine.arguments.map { strdup($0) } + [nil]
            execv("/proc/self/exe", &argv)
            // Still here: the relaunch failed. Undo the variables so that nothing reports a core that is not running.
            for name in setting.keys { unsetenv(name) }
            for pointer in argv { free(pointer) }
        #endif
    }

    /// The core that runs and who chose it, for `studygen bench`, `check` and the build log:
    /// "Cooperlake (chosen by studygen: OpenBLAS alone fell back to Prescott)".
    public static func describe(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        describe(running: BLASLibrary.coreName, environment: environment)
    }

    static func describe(running: String, environment: [String: String]) -> String {
        switch chooser(environment: environment) {
        case .studygen:
            let asked = environment[coreTypeVariable] ?? "?"
            let note = asked.lowercased() == running.lowercased() ? "" : "; it asked for \(asked), which this OpenBLAS lacks"
            return "\(running) (chosen by studygen: OpenBLAS alone fell back to \(environment[relaunchVariable] ?? "?")\(note))"
        case .testSwitch: return "\(running) (forced by \(testFallbackVariable), a test switch)"
        case .user: return "\(running) (\(coreTypeVariable)=\(environment[coreTypeVariable] ?? ""))"
        case .openBLAS: return "\(running) (chosen by OpenBLAS)"
        }
    }

    /// Who chose the kernels that run (`studygen bench --json`'s `blas_core_chosen_by`).
    public enum Chooser: String, Sendable {
        case openBLAS = "openblas"
        case studygen
        case user = "OPENBLAS_CORETYPE"
        case testSwitch = "test-switch"
    }

    public static func chooser(environment: [String: String] = ProcessInfo.processInfo.environment) -> Chooser {
        if environment[relaunchVariable] != nil { return .studygen }
        if let testCore = environment[testFallbackVariable], environment[coreTypeVariable] == testCore { return .testSwitch }
        return environment[coreTypeVariable] == nil ? .openBLAS : .user
    }
}
