import Foundation
import ModelVocabulary

/// A checkpoint that cannot be used: names the file, the problem and, where there is one, the fix.
public struct CheckpointError: Error, CustomStringConvertible, LocalizedError, Sendable {
    public let file: String
    public let problem: String

    public init(file: String, problem: String) {
        self.file = file
        self.problem = problem
    }

    public var description: String { "checkpoint \(file): \(problem)" }
    public var errorDescription: String? { description }
}

/// A loaded checkpoint (docs/SR3-ARCHITECTURE.md section 4): its U-Net and the metadata the samplers need.
public struct Checkpoint: Sendable {
    public let file: String
    public let kind: CheckpointKind
    public let unet: UNet
    public let metadata: [String: String]
    /// LR and HR sizes; nil when the metadata does not give them (e.g. test fixtures).
    public let lrSize: Int?
    public let hrSize: Int?
    /// The regression model's fixed level (metadata `noise_level`, default 1.0).
    public let noiseLevel: Float
    /// How the conditioning image is upsampled (metadata `conditioning`, default `torch-bicubic`).
    public let conditioning: ConditioningUpsampler
    /// The schedule the checkpoint was meant to be sampled with (metadata `inference_schedule`), if it names one.
    public let inferenceSchedule: BetaSchedule?

    public init(contentsOf url: URL) throws(CheckpointError) {
        let file = url.path
        let contents: SafeTensors
        do {
            contents = try SafeTensors.read(url)
        } catch let error as SafeTensorsError {
            throw CheckpointError(file: file, problem: error.problem)
        } catch {
            throw CheckpointError(file: file, problem: "\(error)")
        }
        try self.init(contents, file: file)
    }

    public init(_ contents: SafeTensors, file: String) throws(CheckpointError) {
        func fail(_ problem: String) -> CheckpointError { CheckpointError(file: file, problem: problem) }
        let meta = contents.metadata
        self.file = file
        metadata = meta
        guard let kindText = meta["kind"] else { throw fail("metadata has no 'kind' (expected \"sr3\" or \"regression\")") }
        guard let kind = CheckpointKind(rawValue: kindText) else {
            throw fail("metadata 'kind' is \"\(kindText)\"; expected \"sr3\" or \"regression\"")
        }
        self.kind = kind
        guard let configText = meta["config"] else { throw fail("metadata has no 'config' (the U-Net hyper-parameters as JSON)") }
        let config: UNetConfig
        do {
            config = try UNetConfig.parse(json: configText, inChannelText: meta["in_channel"])
        } catch {
            throw fail(error.description)
        }
        if let text = meta["in_channel"], let value = Int(text), value != config.inChannel {
            throw fail("metadata in_channel \(value) disagrees with the config's \(config.inChannel)")
        }
        let expectedIn = kind == .sr3 ? 2 * config.outChannel : config.outChannel
        guard config.inChannel == expectedIn else {
            throw fail("a \(kind.rawValue) model takes \(expectedIn) input channels, the config says \(config.inChannel)")
        }
        func size(_ key: String) throws(CheckpointError) -> Int? {
            guard let text = meta[key] else { return nil }
            guard let value = Int(text), value > 0 else { throw fail("metadata '\(key)' is \"\(text)\", not a positive integer") }
            return value
        }
        lrSize = try size("lr_size")
        hrSize = try size("hr_size")
        if let lr = lrSize, let hr = hrSize, hr % lr != 0 || hr < lr {
            throw fail("hr_size \(hr) is not a multiple of lr_size \(lr)")
        }
        if let text = meta["noise_level"] {
            guard let value = Float(text), value.isFinite else { throw fail("metadata 'noise_level' is \"\(text)\", not a number") }
            noiseLevel = value
        } else {
            noiseLevel = 1
        }
        if let text = meta["conditioning"] {
            guard let upsampler = ConditioningUpsampler(rawValue: text) else {
                throw fail(
                    "metadata 'conditioning' is \"\(text)\"; expected one of \(ConditioningUpsampler.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
            conditioning = upsampler
        } else {
            conditioning = .torchBicubic
        }
        if let text = meta["inference_schedule"] {
            guard let schedule = BetaSchedule.parse(json: text) else {
                throw fail("metadata 'inference_schedule' is not {\"kind\": \"linear\", \"steps\": N, \"start\": B1, \"end\": BN}")
            }
            if let problem = schedule.problem { throw fail("metadata 'inference_schedule': \(problem)") }
            inferenceSchedule = schedule
        } else {
            inferenceSchedule = nil
        }
        do {
            unet = try UNet(config: config, tensors: contents.tensors)
        } catch {
            throw fail(error.description)
        }
    }
}
