import ArgumentParser
import Foundation
import SR3Core
import StudyBuilder

/// `studygen bench`: U-Net forward time, sampling time, batch throughput and peak memory, in one run.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time the SR3 U-Net and sampler on the CPU (see BENCHMARKS.md).")

    @Option(name: .long, help: "Checkpoint to time.")
    var model = "models/sr3-tiny-16to128.safetensors"

    @Option(name: .long, help: "Timed forward passes per thread count (median reported).")
    var runs = 20

    @Option(name: .long, help: "Sampling steps for the sampling and throughput timings.")
    var steps = 100

    @Option(name: .long, help: "Images in the throughput batch.")
    var batch = 4

    @Option(name: .long, parsing: .upToNextOption, help: "Thread counts of the forward timings.")
    var threads: [Int] = [1, 2]

    @Option(name: .customLong("forward-batch"), parsing: .upToNextOption, help: "Batch sizes of the forward timings (ms per batch).")
    var forwardBatch: [Int] = [1]

    @Flag(name: .customLong("forward-only"), help: "Time forward passes only (no sampling, no throughput).")
    var forwardOnly = false

    @Flag(name: .long, help: "Print one JSON object instead of text.")
    var json = false

    func validate() throws {
        guard threads.allSatisfy({ $0 >= 1 }), forwardBatch.allSatisfy({ $0 >= 1 }), runs >= 1 else {
            throw ValidationError("--threads, --forward-batch and --runs take positive numbers")
        }
    }

    func run() async throws {
        let sr = try SuperResolutionModel(checkpoint: URL(fileURLWithPath: model))
        let size = sr.hrSize
        // SR3CORE_CONV=im2col selects the original convolution path for the whole process.
        let conv = ConvolutionAlgorithm.standard
        var report: [(String, Double)] = []
        report.append(("gflop_per_pass", Benchmark.forwardFLOPs(unet: sr.unet, height: size, width: size) / 1e9))
        report.append(("sgemm_gflops_1thread", Benchmark.sgemmGFLOPS()))
        for batch in forwardBatch {
            for count in threads {
                let times = Benchmark.forwardTimes(
                    unet: sr.unet, height: size, width: size, threads: count, runs: runs,
                    batch: batch, algorithm: conv)
                report.append((batch == 1 ? "forward_ms_threads\(count)" : "forward_ms_batch\(batch)_threads\(count)", Benchmark.median(times)))
            }
        }
        if !forwardOnly { try sample(sr, into: &report) }
        report.append(("peak_rss_mib", Benchmark.peakResidentMiB()))
        let checksum = Benchmark.forwardChecksum(unet: sr.unet, height: size, width: size, algorithm: conv)

        if json {
            let fields = report.map { "\"\($0.0)\": \(String(format: "%.3f", $0.1))" }
            print(
                "{\"model\": \"\(model)\", \"size\": \(size), \"runs\": \(runs), \"steps\": \(steps), \"batch\": \(batch), "
                    + "\"algorithm\": \"\(conv.rawValue)\", \"cpu_target\": \"\(SR3CoreBuild.target)\", "
                    + "\"blas_core\": \"\(BLASLibrary.coreName)\", \"blas_core_chosen_by\": \"\(BLASKernels.chooser().rawValue)\", "
                    + "\"forward_fnv1a\": \"\(checksum)\", " + fields.joined(separator: ", ") + "}")
        } else {
            print(
                "model \(model), \(size)x\(size), cores \(ProcessInfo.processInfo.activeProcessorCount), 3x3 convolutions: \(conv.rawValue), "
                    + "SR3Core built for \(SR3CoreBuild.target)")
            print("OpenBLAS kernels: \(BLASKernels.describe())")
            print("forward output checksum (FNV-1a of the bits)  \(checksum)")
            for (name, value) in report {
                print(name.padding(toLength: 28, withPad: " ", startingAt: 0) + String(format: "%10.2f", value))
            }
        }
    }

    /// One image and a batch of `batch` images through the sampler, `steps` steps.
    private func sample(_ sr: SuperResolutionModel, into report: inout [(String, Double)]) throws {
        let lrSize = sr.lrSize
        let lr = syntheticLR(count: batch, size: lrSize)
        let settings = SamplingSettings(steps: steps)
        let single = Date()
        _ = try sr.superResolve(
            lr: Array(lr.prefix(3 * lrSize * lrSize)), count: 1, height: lrSize, width: lrSize, seeds: [1],
            settings: settings, progress: nil)
        report.append(("sample_one_image_s", Date().timeIntervalSince(single)))
        let start = Date()
        _ = try sr.superResolve(
            lr: lr, count: batch, height: lrSize, width: lrSize, seeds: (0..<batch).map { UInt64($0) },
            settings: settings, progress: nil)
        let elapsed = Date().timeIntervalSince(start)
        report.append(("batch_images_per_s", Double(batch) / elapsed))
    }

    /// Smooth colour gradients in [0,1], quantised to 1/255, one per image.
    private func syntheticLR(count: Int, size: Int) -> [Float] {
        var out: [Float] = []
        for i in 0..<count {
            for c in 0..<3 {
                for y in 0..<size {
                    for x in 0..<size {
                        let v = 0.5 + 0.4 * sin(Double(x + 2 * y + 5 * c + 7 * i) / Double(size) * 3)
                        out.append(Float((v * 255).rounded() / 255))
                    }
                }
            }
        }
        return out
    }
}
