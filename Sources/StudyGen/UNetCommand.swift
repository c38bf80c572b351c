import ArgumentParser
import Foundation
import SR3Core

/// `studygen unet`: applies a checkpoint's U-Net to tensors of a safetensors file (checks converted checkpoints).
struct UNetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unet",
        abstract: "Apply a checkpoint's U-Net to `input` [N,C,H,W] at `noise_level` [N]; write `output`.")

    @Option(name: .long, help: "Checkpoint (.safetensors).")
    var model: String

    @Option(name: .long, help: "Safetensors file with tensors `input` and `noise_level`.")
    var input: String

    @Option(name: .long, help: "Safetensors file to write, holding `output`.")
    var output: String

    func run() async throws {
        let checkpoint = try Checkpoint(contentsOf: URL(fileURLWithPath: model))
        let io = try SafeTensors.read(URL(fileURLWithPath: input))
        guard let x = io.tensors["input"], x.shape.count == 4 else {
            throw InputError("\(input): needs a tensor 'input' of shape [N, C, H, W]")
        }
        guard let levels = io.tensors["noise_level"], levels.values.count == x.shape[0] else {
            throw InputError("\(input): needs a tensor 'noise_level' with one value per image (\(x.shape[0]))")
        }
        guard x.shape[1] == checkpoint.unet.config.inChannel else {
            throw InputError("\(input): 'input' has \(x.shape[1]) channels, the model takes \(checkpoint.unet.config.inChannel)")
        }
        let (n, h, w) = (x.shape[0], x.shape[2], x.shape[3])
        let y: [Float]
        do {
            y = try checkpoint.unet.forward(
                x.values, levels: levels.values, batch: n, height: h, width: w,
                threads: ProcessInfo.processInfo.activeProcessorCount)
        } catch {
            throw InputError("\(input): \(error)")
        }
        let result = SafeTensors(
            tensors: ["output": NamedTensor(shape: [n, checkpoint.unet.config.outChannel, h, w], values: y)],
            metadata: ["about": "UNet(\(model)) applied to \(input)"])
        try result.write(to: URL(fileURLWithPath: output))
    }
}
