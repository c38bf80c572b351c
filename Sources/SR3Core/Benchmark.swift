import Foundation

/// Timing helpers for `studygen bench`: wall-clock medians of the real code paths.
public enum Benchmark {
    /// Milliseconds of `runs` batch-1 forward passes on random input (after `warmup` untimed passes).
    public static func forwardTimes(unet: UNet, height: Int, width: Int, threads: Int, runs: Int, warmup: Int = 2) -> [Double] {
        var rng = NormalRNG(seed: 1)
        let input = rng.normals(unet.config.inChannel * height * width)
        var output = [Float](repeating: 0, count: unet.config.outChannel * height * width)
        let workspace = UNetWorkspace(unet: unet, height: height, width: width, threads: threads)
        var times: [Double] = []
        input.withUnsafeBufferPointer { src in
            output.withUnsafeMutableBufferPointer { dst in
                guard let s = src.baseAddress, let d = dst.baseAddress else { return }
                for run in 0..<(warmup + runs) {
                    let start = DispatchTime.now().uptimeNanoseconds
                    unet.forward(image: s, level: 0.5, output: d, workspace: workspace)
                    let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
                    if run >= warmup { times.append(elapsed) }
                }
            }
        }
        return times
    }

    public static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }

    /// Peak resident set size of this process in MiB (getrusage ru_maxrss, KiB on Linux).
    public static func peakResidentMiB() -> Double {
        var usage = rusage()
        #if os(Linux)
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024
        #else
        getrusage(RUSAGE_SELF, &usage)
        return Double(usage.ru_maxrss) / (1024 * 1024)
        #endif
    }
}
