import COpenBLAS
import Foundation

/// Timing helpers for `studygen bench`: wall-clock medians of the real code paths.
public enum Benchmark {
    /// Milliseconds of `runs` forward passes of a batch of `batch` random images (after `warmup` untimed
    /// passes), the way `UNet.forward` runs a batch: image after image on one workspace.
    public static func forwardTimes(
        unet: UNet, height: Int, width: Int, threads: Int, runs: Int, warmup: Int = 2,
        batch: Int = 1, algorithm: ConvolutionAlgorithm = .standard
    ) -> [Double] {
        var rng = NormalRNG(seed: 1)
        let inFloats = unet.config.inChannel * height * width
        let outFloats = unet.config.outChannel * height * width
        let input = rng.normals(max(1, batch) * inFloats)
        var output = [Float](repeating: 0, count: max(1, batch) * outFloats)
        let workspace = UNetWorkspace(unet: unet, height: height, width: width, threads: threads, algorithm: algorithm)
        var times: [Double] = []
        input.withUnsafeBufferPointer { src in
            output.withUnsafeMutableBufferPointer { dst in
                guard let s = src.baseAddress, let d = dst.baseAddress else { return }
                for run in 0..<(warmup + runs) {
                    let start = DispatchTime.now().uptimeNanoseconds
                    for image in 0..<max(1, batch) {
                        unet.forward(image: s + image * inFloats, level: 0.5, output: d + image * outFloats, workspace: workspace)
                    }
                    let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
                    if run >= warmup { times.append(elapsed) }
                }
            }
        }
        return times
    }

    /// FNV-1a (64 bits, hex) of the bit patterns of one forward pass's output on a fixed random image at noise
    /// level 0.5: equal on two machines or builds exactly when they compute the same bits.
    public static func forwardChecksum(unet: UNet, height: Int, width: Int, algorithm: ConvolutionAlgorithm = .standard) -> String {
        var rng = NormalRNG(seed: 1)
        let input = rng.normals(unet.config.inChannel * height * width)
        guard let output = try? unet.forward(input, levels: [0.5], batch: 1, height: height, width: width, algorithm: algorithm) else {
            return "-"
        }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for value in output {
            var bits = value.bitPattern
            for _ in 0..<4 {
                hash = (hash ^ UInt64(bits & 0xff)) &* 0x0000_0100_0000_01b3
                bits >>= 8
            }
        }
        return String(hash, radix: 16)
    }

    /// Floating-point operations of one forward pass as a direct (im2col + sgemm) design does them:
    /// 2 per multiply-add of the convolutions and of attention's two products.
    public static func forwardFLOPs(unet: UNet, height: Int, width: Int) -> Double {
        var total = 0.0
        var h = height
        var w = width
        func conv(_ c: ConvWeights, _ oh: Int, _ ow: Int) { total += 2 * Double(c.outChannels * c.reduction * oh * ow) }
        func block(_ b: ResnetBlockWithAttention) {
            conv(b.resnet.block1.conv, h, w)
            conv(b.resnet.block2.conv, h, w)
            if let r = b.resnet.residual { conv(r, h, w) }
            if let a = b.attention {
                conv(a.qkv, h, w)
                conv(a.out, h, w)
                total += 2 * 2 * Double(a.channels * h * w * h * w)
            }
        }
        for layer in unet.downs {
            switch layer {
            case .stem(let c): conv(c, h, w)
            case .resnet(let b): block(b)
            case .downsample(let c):
                h /= 2
                w /= 2
                conv(c, h, w)
            case .upsample: break
            }
        }
        unet.mid.forEach(block)
        for layer in unet.ups {
            switch layer {
            case .resnet(let b): block(b)
            case .upsample(let c):
                h *= 2
                w *= 2
                conv(c, h, w)
            case .stem, .downsample: break
            }
        }
        conv(unet.final.conv, h, w)
        return total
    }

    /// GFLOP/s of one large single-threaded OpenBLAS sgemm (n x n x n, best of `runs`): the peak an
    /// im2col + sgemm design can reach per core.
    public static func sgemmGFLOPS(n: Int = 1024, runs: Int = 3) -> Double {
        openblas_set_num_threads(1)
        var rng = NormalRNG(seed: 3)
        let a = rng.normals(n * n)
        let b = rng.normals(n * n)
        var c = [Float](repeating: 0, count: n * n)
        var best = Double.infinity
        for _ in 0..<runs {
            let start = DispatchTime.now().uptimeNanoseconds
            c.withUnsafeMutableBufferPointer { cp in
                guard let cb = cp.baseAddress else { return }
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(n), Int32(n), 1, a, Int32(n), b, Int32(n), 0, cb, Int32(n))
            }
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return 2 * Double(n * n * n) / best / 1e9
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
