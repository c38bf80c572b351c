import Foundation
import ModelVocabulary

/// Turns a trained PyTorch SR3 (the public SR3 code's `I<iter>_E<epoch>_gen.pth`, or a safetensors
/// file with its names) and its training config into a checkpoint of docs/SR3-ARCHITECTURE.md section 4.
public enum SR3Import {
    /// The 12 float32 buffers the trainer's `GaussianDiffusion` saves beside the U-Net.
    public static let scheduleBufferNames: Set<String> = [
        "betas", "alphas_cumprod", "alphas_cumprod_prev", "sqrt_alphas_cumprod", "sqrt_one_minus_alphas_cumprod",
        "log_one_minus_alphas_cumprod", "sqrt_recip_alphas_cumprod", "sqrt_recipm1_alphas_cumprod", "posterior_variance",
        "posterior_log_variance_clipped", "posterior_mean_coef1", "posterior_mean_coef2",
    ]
    static let networkPrefix = "denoise_fn."

    public struct Options: Sendable {
        /// nil: sr3 when in_channel is twice out_channel, regression when they are equal.
        public var kind: CheckpointKind?
        public var conditioning: ConditioningUpsampler
        /// The nested state dict to use when the file holds several.
        public var key: String?
        /// Regression: the fixed noise level.
        public var noiseLevel: Double?
        public var lrSize: Int?
        public var hrSize: Int?

        public init(
            kind: CheckpointKind? = nil, conditioning: ConditioningUpsampler = .pilBicubic, key: String? = nil,
            noiseLevel: Double? = nil, lrSize: Int? = nil, hrSize: Int? = nil
        ) {
            self.kind = kind
            self.conditioning = conditioning
            self.key = key
            self.noiseLevel = noiseLevel
            self.lrSize = lrSize
            self.hrSize = hrSize
        }
    }

    public struct Result: Sendable {
        public var checkpoint: SafeTensors
        /// What was found and done, one line each, for the user.
        public var report: [String]
    }

    /// `sourceName` and `sourceSHA256` go into the metadata. Throws the first problem, naming it in one line.
    public static func convert(
        stateDict: TorchStateDict, config: SR3TrainingConfig, options: Options,
        sourceName: String, sourceSHA256: String
    ) throws(ConfigProblem) -> Result {
        var report = stateDict.notes
        var network: [String: NamedTensor] = [:]
        var buffers: [String: NamedTensor] = [:]
        var stripped = 0
        for (name, tensor) in stateDict.tensors {
            var local = name
            if local.hasPrefix(networkPrefix) {
                local.removeFirst(networkPrefix.count)
                stripped += 1
            }
            if scheduleBufferNames.contains(local) { buffers[local] = tensor } else { network[local] = tensor }
        }
        if stripped > 0 { report.append("stripped the prefix '\(networkPrefix)' from \(stripped) tensor names") }
        if !buffers.isEmpty {
            report.append(
                "dropped \(buffers.count) schedule buffer(s) (\(buffers.keys.sorted().prefix(3).joined(separator: ", "))\(buffers.count > 3 ? ", ..." : ""))"
            )
        }
        report.append(contentsOf: scheduleCheck(buffers, config: config))

        let unet = config.unet
        let kind: CheckpointKind
        if let forced = options.kind {
            kind = forced
        } else if unet.inChannel == 2 * unet.outChannel {
            kind = .sr3
        } else if unet.inChannel == unet.outChannel {
            kind = .regression
        } else {
            throw ConfigProblem(
                "in_channel \(unet.inChannel) and out_channel \(unet.outChannel) fit neither SR3 (in = 2 x out) nor regression (in = out)")
        }
        let expectedIn = kind == .sr3 ? 2 * unet.outChannel : unet.outChannel
        guard unet.inChannel == expectedIn else {
            throw ConfigProblem(
                "a \(kind.rawValue) model takes \(expectedIn) input channels, the config's model.unet.in_channel is \(unet.inChannel)")
        }
        if let mismatch = firstMismatch(network, expected: UNet.expectedTensorShapes(for: unet)) { throw ConfigProblem(mismatch) }

        guard let lr = options.lrSize ?? config.lrSize, let hr = options.hrSize ?? config.hrSize else {
            throw ConfigProblem("the config gives no datasets.val.l_resolution / r_resolution; pass --lr-size and --hr-size")
        }
        guard lr > 0, hr > lr, hr % lr == 0 else { throw ConfigProblem("hr size \(hr) is not a multiple of lr size \(lr) above it") }
        if let problem = unet.sizeProblem(hr) { throw ConfigProblem("hr size \(hr) does not fit the U-Net: \(problem)") }

        var metadata: [String: String] = [
            "kind": kind.rawValue,
            "config": configJSON(unet, dropout: config.dropout),
            "in_channel": String(unet.inChannel),
            "lr_size": String(lr),
            "hr_size": String(hr),
            "conditioning": options.conditioning.rawValue,
            "source_file": sourceName,
            "source_sha256": sourceSHA256,
        ]
        if let train = config.trainSchedule { metadata["train_schedule"] = train.json }
        if kind == .sr3 {
            guard let inference = config.valSchedule ?? config.trainSchedule else {
                throw ConfigProblem("the config has no model.beta_schedule.val (or .train), so the inference schedule is unknown")
            }
            metadata["inference_schedule"] = inference.json
            report.append("inference schedule (model.beta_schedule.\(config.valSchedule == nil ? "train" : "val")): \(inference.summary)")
        } else {
            metadata["noise_level"] = String(options.noiseLevel ?? 1)
        }
        report.append("conditioning upsampler: \(options.conditioning.rawValue)")
        report.append("\(network.count) tensors, \(network.values.reduce(0) { $0 + $1.elementCount }) parameters; \(kind.rawValue) \(lr) -> \(hr)")
        return Result(checkpoint: SafeTensors(tensors: network, metadata: metadata), report: report)
    }

    /// The first missing, wrong-shaped or extra tensor, in one line; nil when all match.
    static func firstMismatch(_ tensors: [String: NamedTensor], expected: [String: [Int]]) -> String? {
        var problems: [String] = []
        for name in expected.keys.sorted() {
            guard let shape = expected[name] else { continue }
            if let tensor = tensors[name] {
                if tensor.shape != shape { problems.append("tensor \(name) has shape \(tensor.shape), the config needs \(shape)") }
            } else {
                problems.append("tensor \(name) (shape \(shape)) is missing from the checkpoint")
            }
        }
        for name in tensors.keys.sorted() where expected[name] == nil {
            problems.append("tensor \(name) is not part of the U-Net the config describes")
        }
        guard let first = problems.first else { return nil }
        return first + (problems.count > 1 ? " (and \(problems.count - 1) more mismatch\(problems.count == 2 ? "" : "es"))" : "")
    }

    /// Compares the saved `betas` with the config's train and val schedules.
    static func scheduleCheck(_ buffers: [String: NamedTensor], config: SR3TrainingConfig) -> [String] {
        guard let betas = buffers["betas"] else { return buffers.isEmpty ? [] : ["the schedule buffers hold no 'betas'; not checked"] }
        func matches(_ schedule: BetaSchedule?) -> Bool {
            guard let schedule, betas.values.count == schedule.steps else { return false }
            let expected = schedule.noiseSchedule.betas
            return zip(betas.values, expected).allSatisfy { abs(Double($0) - $1) <= 1e-6 * max(abs($1), 1e-12) + 1e-12 }
        }
        let train = matches(config.trainSchedule)
        let val = matches(config.valSchedule)
        if train || val {
            return ["the saved schedule buffers match the config's \(train ? "train" : "val") schedule"]
        }
        let first = betas.values.first.map { String($0) } ?? "-"
        let last = betas.values.last.map { String($0) } ?? "-"
        let configured = config.trainSchedule?.summary ?? "none"
        return [
            "warning: the saved schedule buffers (\(betas.values.count) betas, \(first) ... \(last)) disagree with the config's train schedule (\(configured)); the config's schedules are used"
        ]
    }

    /// Section 2's keys, without in_channel, as the metadata `config` holds them.
    static func configJSON(_ c: UNetConfig, dropout: Double) -> String {
        let object: [String: Any] = [
            "out_channel": c.outChannel, "inner_channel": c.innerChannel, "norm_groups": c.normGroups,
            "channel_mults": c.channelMults, "attn_res": c.attnRes, "res_blocks": c.resBlocks, "dropout": dropout, "image_size": c.imageSize,
        ]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}

extension UNetConfig {
    fileprivate func sizeProblem(_ size: Int) -> String? {
        size % sizeMultiple == 0 ? nil : "the U-Net takes sizes that are multiples of \(sizeMultiple)"
    }
}

extension SR3Import {
    /// The whole import: reads `source` and `config`, converts, and writes `output` only when every
    /// check passed (an error leaves no file). `sha256` hashes the source for the metadata.
    /// Returns the report lines.
    public static func importFile(
        source: URL, config: URL, output: URL, options: Options,
        sha256: (URL) throws -> String
    ) throws(CheckpointError) -> [String] {
        guard source.standardizedFileURL != output.standardizedFileURL else {
            throw CheckpointError(file: output.path, problem: "the output is the source file; write the import to a new .safetensors file")
        }
        let training = try SR3TrainingConfig.read(config)
        let stateDict = try TorchStateDict.read(source, key: options.key)
        let hash: String
        do { hash = try sha256(source) } catch {
            throw CheckpointError(file: source.path, problem: "cannot read the file (\(error.localizedDescription))")
        }
        let result: Result
        do {
            result = try convert(stateDict: stateDict, config: training, options: options, sourceName: source.lastPathComponent, sourceSHA256: hash)
        } catch {
            throw CheckpointError(file: source.lastPathComponent, problem: "\(error.description) (config \(config.lastPathComponent))")
        }
        do { try result.checkpoint.write(to: output) } catch {
            throw CheckpointError(file: output.path, problem: (error as? SafeTensorsError)?.problem ?? "\(error)")
        }
        return result.report
    }
}
