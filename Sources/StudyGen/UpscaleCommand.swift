import ArgumentParser
import Foundation
import Imaging
import Logging
import ModelVocabulary
import SR3Core

/// `studygen upscale`: one LR PNG through an SR3 or Regression checkpoint.
struct UpscaleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upscale",
        abstract: "Super-resolve one LR PNG with an SR3 or Regression checkpoint.")

    @Option(name: .long, help: "Checkpoint (.safetensors).")
    var model: String

    @Option(name: .long, help: "LR input PNG (the model's lr size, e.g. 16x16).")
    var input: String

    @Option(name: .long, help: "Output PNG.")
    var output: String

    @Option(
        name: .long,
        help: "Sampling steps (SR3 only; default: all of the checkpoint's own schedule, else 100). Fewer than the schedule's steps respace it.")
    var steps: Int?

    @Option(
        name: .long,
        help: "Base schedule: checkpoint (its own, e.g. an imported model's 2000 steps) or linear (default: checkpoint when it names one).")
    var schedule: ScheduleSource?

    @Option(name: .long, help: "Linear schedule: first beta (default 1e-4).")
    var betaStart: Double?

    @Option(name: .long, help: "Linear schedule: last beta (default min(0.999, 20 / steps)).")
    var betaEnd: Double?

    @Option(name: .long, help: "Sampler: ddpm (paper Algorithm 2) or ddim (deterministic, few-step previews).")
    var sampler: SamplerKind = .ddpm

    @Flag(name: .long, help: "Apply the consistency projection at every step.")
    var projection = false

    @Option(name: .long, help: "Seed of the sampling noise.")
    var seed: UInt64 = 0

    @Flag(name: .long, help: "Accept LR sizes other than the model's (any size whose upscaled size the U-Net takes).")
    var anySize = false

    func run() async throws {
        let logger = Logger(label: "studygen.upscale")
        let model = try SuperResolutionModel(checkpoint: URL(fileURLWithPath: model))
        let image = try PNG.read(URL(fileURLWithPath: input))
        if !anySize, image.width != model.lrSize || image.height != model.lrSize {
            throw InputError(
                "\(input) is \(image.width)x\(image.height) but the model takes \(model.lrSize)x\(model.lrSize) LR images; downsample it first, or pass --any-size to run it anyway"
            )
        }
        let size: (height: Int, width: Int)
        do {
            size = try model.outputSize(height: image.height, width: image.width)
        } catch {
            throw InputError("\(input) is \(image.width)x\(image.height): \(error)")
        }
        var settings = SamplingSettings()
        if model.kind == .sr3 {
            do {
                settings = try SamplingSettings.resolved(
                    sampler: sampler, steps: steps, projection: projection, source: schedule,
                    betaStart: betaStart, betaEnd: betaEnd,
                    checkpointSchedule: model.checkpoint.inferenceSchedule)
            } catch {
                throw InputError("\(self.model): \(error.description)")
            }
            logger.info(
                "sampling: \(sampler.rawValue), \(settings.steps) steps, \(settings.scheduleSummary), conditioning \(model.checkpoint.conditioning.rawValue)"
            )
        }
        logger.info("upscaling \(input) (\(image.width)x\(image.height)) to \(size.width)x\(size.height) with \(model.kind.rawValue) model")
        let start = Date()
        let result = try model.superResolve(
            lr: image.planarFloats(), count: 1, height: image.height, width: image.width, seeds: [seed],
            settings: settings, progress: nil)
        guard result.count == 3 * size.width * size.height else {
            throw InputError("the model returned \(result.count) values for a \(size.width)x\(size.height) RGB image")
        }
        try PNG.write(RGBImage(planarFloats: result, width: size.width, height: size.height), to: URL(fileURLWithPath: output))
        logger.info("wrote \(output) in \(String(format: "%.1f", Date().timeIntervalSince(start))) s")
    }
}

extension SamplerKind: ExpressibleByArgument {}
extension ScheduleSource: ExpressibleByArgument {}
