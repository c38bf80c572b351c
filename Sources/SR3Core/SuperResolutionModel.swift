import COpenBLAS
import Foundation
import ModelVocabulary

/// An SR3 or Regression checkpoint ready to super-resolve LR images on the CPU.
/// Images are processed in parallel on the machine's cores; each image's output depends only on its
/// LR, its seed and the settings, never on which other images share the batch.
public final class SuperResolutionModel: Sendable {
    public let checkpoint: Checkpoint
    public let lrSize: Int
    public let hrSize: Int
    /// Threads used by `superResolve` (default: the active processor count).
    public let threads: Int

    public var kind: CheckpointKind { checkpoint.kind }
    public var unet: UNet { checkpoint.unet }

    public init(checkpoint url: URL, threads: Int? = nil) throws {
        let loaded = try Checkpoint(contentsOf: url)
        guard let lr = loaded.lrSize, let hr = loaded.hrSize else {
            throw CheckpointError(
                file: url.path, problem: "metadata lacks lr_size / hr_size, so it cannot be used for super-resolution (add them to __metadata__)")
        }
        if let problem = loaded.unet.sizeProblem(height: hr, width: hr) {
            throw CheckpointError(file: url.path, problem: "hr_size \(hr) does not fit the U-Net: \(problem)")
        }
        checkpoint = loaded
        lrSize = lr
        hrSize = hr
        self.threads = max(1, threads ?? ProcessInfo.processInfo.activeProcessorCount)
        // Parallelism comes from our own threads; each sgemm runs on the thread that calls it.
        openblas_set_num_threads(1)
    }

    /// The HR size for an LR size, or why that LR size cannot be super-resolved.
    public func outputSize(height: Int, width: Int) throws -> (height: Int, width: Int) {
        let scale = hrSize / lrSize
        guard height > 0, width > 0 else { throw SuperResolutionInputError("image size \(width)x\(height) is empty") }
        let out = (height * scale, width * scale)
        if let problem = unet.sizeProblem(height: out.0, width: out.1) {
            throw SuperResolutionInputError(
                "a \(width)x\(height) LR image gives \(out.1)x\(out.0) at x\(scale), which the U-Net cannot take: \(problem); the model was trained for \(lrSize)x\(lrSize)"
            )
        }
        return out
    }

    /// lr: `count` images, planar CHW RGB floats in [0,1] already quantised to 1/255, each 3*h*w.
    /// seeds: one per image. Returns count*3*H*W floats in [0,1] (clipped, not quantised).
    /// Regression ignores settings and seeds. `progress` receives (network passes done, total).
    public func superResolve(
        lr: [Float], count: Int, height: Int, width: Int, seeds: [UInt64], settings: SamplingSettings,
        progress: (@Sendable (_ done: Int, _ total: Int) -> Void)?
    ) throws -> [Float] {
        let channels = unet.config.outChannel
        guard count >= 0 else { throw SuperResolutionInputError("count \(count) is negative") }
        guard lr.count == count * channels * height * width else {
            throw SuperResolutionInputError(
                "lr holds \(lr.count) floats; \(count) image(s) of \(channels)x\(height)x\(width) need \(count * channels * height * width)")
        }
        let (outHeight, outWidth) = try outputSize(height: height, width: width)
        if kind == .sr3 {
            guard seeds.count == count else { throw SuperResolutionInputError("\(seeds.count) seeds for \(count) images; give one seed per image") }
            if let problem = settings.problem { throw SuperResolutionInputError(problem) }
        }
        guard count > 0 else { return [] }

        let conditions = Conditioning.condition(
            lr: lr, count: count, channels: channels, height: height, width: width,
            toHeight: outHeight, toWidth: outWidth, upsampler: checkpoint.conditioning)
        let passesPerImage = kind == .sr3 ? settings.steps : 1
        let counter = ProgressCounter(total: count * passesPerImage, report: progress)
        let planeFloats = channels * outHeight * outWidth
        let lrFloats = channels * height * width
        var output = [Float](repeating: 0, count: count * planeFloats)
        output.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            let shared = SharedFloats(base)
            ImageThreadDistributor(threads: threads).run(images: count) { image, innerThreads, workspaceCache in
                let workspace = workspaceCache.workspace(unet: self.unet, height: outHeight, width: outWidth, threads: innerThreads)
                let condition = Array(conditions[(image * planeFloats)..<((image + 1) * planeFloats)])
                let result: [Float]
                switch self.kind {
                case .regression:
                    var out = [Float](repeating: 0, count: planeFloats)
                    condition.withUnsafeBufferPointer { c in
                        out.withUnsafeMutableBufferPointer { o in
                            guard let cb = c.baseAddress, let ob = o.baseAddress else { return }
                            self.unet.forward(image: cb, level: self.checkpoint.noiseLevel, output: ob, workspace: workspace)
                        }
                    }
                    counter.advance()
                    result = out
                case .sr3:
                    let projection =
                        settings.projection
                        ? ConsistencyProjection(
                            lr: lr[(image * lrFloats)..<((image + 1) * lrFloats)].map { $0 * 2 - 1 }, channels: channels,
                            lrHeight: height, lrWidth: width, height: outHeight, width: outWidth) : nil
                    var rng = NormalRNG(seed: seeds[image])
                    let initial = rng.normals(planeFloats)
                    result = ImageSampling.sample(
                        unet: self.unet, condition: condition, initial: initial,
                        sampler: settings.makeSampler(), projection: projection, workspace: workspace,
                        noise: { _ in rng.normals(planeFloats) }, afterStep: { counter.advance() })
                }
                let destination = shared[image * planeFloats]
                for i in 0..<planeFloats { destination[i] = min(1, max(0, (result[i] + 1) / 2)) }
            }
        }
        return output
    }
}

/// Bad arguments to `superResolve` (sizes, counts, settings), from whatever called it.
public struct SuperResolutionInputError: Error, CustomStringConvertible, LocalizedError, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
    public var errorDescription: String? { description }
}

/// Counts finished network passes and forwards them to the caller's progress callback.
final class ProgressCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var done = 0
    private let total: Int
    private let report: (@Sendable (Int, Int) -> Void)?

    init(total: Int, report: (@Sendable (Int, Int) -> Void)?) {
        self.total = total
        self.report = report
    }

    func advance() {
        lock.lock()
        done += 1
        let value = done
        lock.unlock()
        report?(value, total)
    }
}
