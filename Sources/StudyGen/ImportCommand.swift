import ArgumentParser
import Foundation
import ModelVocabulary
import SR3Core
import StudyKit

/// `studygen import`: a PyTorch SR3 checkpoint (and its training config) to our safetensors format.
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Convert a trained PyTorch SR3 checkpoint (.pth/.pt, or safetensors with its names) into a checkpoint studygen runs.",
        discussion: """
            Reads the file natively (no Python): the zip container and only the pickle opcodes and globals \
            a state dict needs; anything else is refused and nothing in the file is executed. The config \
            is the training config of the public SR3 code (JSON with // comments). Writes nothing unless \
            every tensor matches the config.
            """)

    @Argument(help: "The PyTorch checkpoint, e.g. I640000_E37_gen.pth, or a .safetensors file.")
    var source: String

    @Option(name: .long, help: "The training config (JSON with // comments), e.g. config/sr_sr3_16_128.json.")
    var config: String

    @Option(name: .long, help: "The checkpoint to write (.safetensors).")
    var output: String

    @Option(name: .long, help: "sr3 or regression (default: from in_channel and out_channel).")
    var kind: CheckpointKind?

    @Option(name: .long, help: "How the LR was upsampled for conditioning in training: pil-bicubic (the public SR3 code) or torch-bicubic.")
    var conditioning: ConditioningUpsampler = .pilBicubic

    @Option(name: .long, help: "The key of the state dict when the file nests several (e.g. ema, model, state_dict).")
    var key: String?

    @Option(name: .long, help: "LR size, when the config's datasets do not give l_resolution.")
    var lrSize: Int?

    @Option(name: .long, help: "HR size, when the config's datasets do not give r_resolution.")
    var hrSize: Int?

    @Option(name: .long, help: "Regression only: the fixed noise level (default 1).")
    var noiseLevel: Double?

    func run() async throws {
        let sourceURL = URL(fileURLWithPath: source)
        let outputURL = URL(fileURLWithPath: output)
        guard FileManager.default.fileExists(atPath: sourceURL.path) else {
            throw InputError("\(source) does not exist; give the path of the downloaded checkpoint (e.g. I640000_E37_gen.pth)")
        }
        let options = SR3Import.Options(kind: kind, conditioning: conditioning, key: key, noiseLevel: noiseLevel, lrSize: lrSize, hrSize: hrSize)
        let report: [String]
        do {
            report = try SR3Import.importFile(
                source: sourceURL, config: URL(fileURLWithPath: config), output: outputURL, options: options,
                sha256: { try ContentHash.sha256Hex(fileAt: $0) })
        } catch {
            throw InputError(error.description)
        }
        for line in report { print(line) }
        print("wrote \(output)")
    }
}

extension CheckpointKind: ExpressibleByArgument {}
extension ConditioningUpsampler: ExpressibleByArgument {}
