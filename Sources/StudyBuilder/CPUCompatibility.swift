import Foundation
import SR3Core

/// The CPU this process runs on, as Linux's /proc/cpuinfo describes its first processor: the vendor and the
/// feature flags (the kernel leaves out features the OS does not enable, such as AVX-512 without its registers).
public struct CPUInfo: Sendable, Equatable {
    /// `vendor_id`: GenuineIntel, AuthenticAMD, HygonGenuine, ...; empty where the text names none.
    public var vendor: String
    public var flags: Set<String>

    public init(vendor: String, flags: Set<String>) {
        self.vendor = vendor
        self.flags = flags
    }

    /// Nil when the text has no `flags` line.
    public init?(cpuinfo: String) {
        let lines = cpuinfo.split(separator: "\n")
        guard let line = lines.first(where: { $0.hasPrefix("flags") }) else { return nil }
        flags = Set(line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == ":" }).map(String.init))
        let vendorLine = lines.first(where: { $0.hasPrefix("vendor_id") })
        vendor = vendorLine?.split(separator: ":").last?.trimmingCharacters(in: .whitespaces) ?? ""
    }

    /// This machine's, or nil where /proc/cpuinfo cannot be read (not Linux) or names no flags.
    public static func current() -> CPUInfo? {
        guard let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return nil }
        return CPUInfo(cpuinfo: cpuinfo)
    }
}

/// Whether this CPU can run the SR3Core build it is linked with. Lives outside SR3Core so that the check
/// itself is compiled for baseline x86-64 and runs on any CPU.
public enum CPUCompatibility {
    /// Why SR3Core cannot run here, or nil when it can (or the CPU's flags cannot be read).
    public static func sr3CoreProblem() -> String? {
        guard !SR3CoreBuild.requiredCPUFlags.isEmpty, let cpu = CPUInfo.current() else { return nil }
        return problem(required: SR3CoreBuild.requiredCPUFlags, cpu: cpu)
    }

    static func problem(required: [String], cpuinfo: String) -> String? {
        guard let cpu = CPUInfo(cpuinfo: cpuinfo) else { return nil }
        return problem(required: required, cpu: cpu)
    }

    static func problem(required: [String], cpu: CPUInfo) -> String? {
        let missing = required.filter { !cpu.flags.contains($0) }
        guard !missing.isEmpty else { return nil }
        return "this studygen was built for \(SR3CoreBuild.target) CPUs and this CPU lacks \(missing.joined(separator: ", ")); "
            + "rebuild it here, or build a portable one with SR3CORE_PORTABLE=1 swift build -c release"
    }
}
