import Foundation
import SR3Core

/// Whether this CPU can run the SR3Core build it is linked with. Lives outside SR3Core so that the check
/// itself is compiled for baseline x86-64 and runs on any CPU.
public enum CPUCompatibility {
    /// Why SR3Core cannot run here, or nil when it can (or the CPU's flags cannot be read).
    public static func sr3CoreProblem() -> String? {
        guard !SR3CoreBuild.requiredCPUFlags.isEmpty,
            let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
        else { return nil }
        return problem(required: SR3CoreBuild.requiredCPUFlags, cpuinfo: cpuinfo)
    }

    static func problem(required: [String], cpuinfo: String) -> String? {
        guard let line = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return nil }
        let present = Set(line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == ":" }).map(String.init))
        let missing = required.filter { !present.contains($0) }
        guard !missing.isEmpty else { return nil }
        return "this studygen was built for \(SR3CoreBuild.target) CPUs and this CPU lacks \(missing.joined(separator: ", ")); "
            + "rebuild it here, or build a portable one with SR3CORE_PORTABLE=1 swift build -c release"
    }
}
