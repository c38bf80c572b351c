/// What this build of SR3Core was compiled for (Package.swift's `sr3CoreCPUFlags`).
public enum SR3CoreBuild {
    /// `/proc/cpuinfo` flags of the instructions LLVM's haswell target may emit; Package.swift checks the same
    /// list on the building machine (a test holds the two equal).
    public static let haswellCPUFlags = ["avx", "avx2", "fma", "bmi1", "bmi2", "f16c", "movbe", "abm", "popcnt", "sse4_2"]

    #if SR3CORE_HASWELL
        /// Flags the CPU must have to run this build.
        public static let requiredCPUFlags = haswellCPUFlags
        public static let target = "haswell (AVX2 + FMA)"
    #else
        public static let requiredCPUFlags: [String] = []
        public static let target = "baseline"
    #endif
}
