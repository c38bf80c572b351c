import COpenBLAS

/// The linked OpenBLAS as it describes itself.
public enum BLASLibrary {
    /// The kernel set ("core") OpenBLAS chose when it loaded: Haswell, Zen, SkylakeX, Prescott, ...
    public static var coreName: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }

    /// Its build configuration, e.g. "OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64".
    public static var configuration: String {
        guard let config = openblas_get_config() else { return "unknown" }
        return String(cString: config)
    }

    /// Whether it carries kernels for many CPUs and picks them when it loads (DYNAMIC_ARCH), so that
    /// OPENBLAS_CORETYPE can choose them.
    public static var choosesKernelsAtLoad: Bool {
        configuration.split(separator: " ").contains("DYNAMIC_ARCH")
    }
}
