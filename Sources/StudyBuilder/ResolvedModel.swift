import Foundation
import Imaging
import SR3Core
import StudyKit

/// A model of the definition with everything it needs to run checked and loaded: the checkpoint
/// (hash, network, fit to the study's sizes) or the external folder's outputs.
public struct ResolvedModel: Sendable {
    public var spec: ModelSpec
    /// Index in `definition.models`, for error messages.
    public var index: Int
    public var checkpointURL: URL?
    public var checkpointSHA256: String?
    public var network: SuperResolutionModel?
    public var sampling: SamplingSettings?
    /// external: the decoded output for every image id.
    public var externalOutputs: [String: RGBImage] = [:]
    /// Everything that determines the outputs, for the manifest and the cache key.
    public var settings: [String: String]

    public var id: String { spec.id }
}

enum ModelResolver {
    /// `hashes`: where checkpoint hashes are remembered; nil skips hashing (`check` needs no hash).
    static func resolve(_ file: StudyDefinitionFile, images: [SourceImage], hashes: inout FileHashCache?) throws -> [ResolvedModel] {
        var models: [ResolvedModel] = []
        for (index, spec) in file.definition.models.enumerated() {
            models.append(try resolve(file, spec: spec, index: index, images: images, hashes: &hashes))
        }
        return models
    }

    private static func resolve(
        _ file: StudyDefinitionFile, spec: ModelSpec, index: Int, images: [SourceImage],
        hashes: inout FileHashCache?
    ) throws -> ResolvedModel {
        switch spec.kind {
        case .bicubic:
            return ResolvedModel(spec: spec, index: index, settings: ["resampling": "bicubic a=-0.75, no antialias, from the uint8 LR"])
        case .sr3, .regression:
            return try resolveCheckpoint(file, spec: spec, index: index, hashes: &hashes)
        case .external:
            return try resolveExternal(file, spec: spec, index: index, images: images)
        }
    }

    private static func resolveCheckpoint(
        _ file: StudyDefinitionFile, spec: ModelSpec, index: Int,
        hashes: inout FileHashCache?
    ) throws -> ResolvedModel {
        let field = "models[\(index)].checkpoint"
        let definition = file.definition
        let url = file.resolve(spec.checkpoint ?? "")
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw file.error(
                field: field, problem: "model `\(spec.id)`: the checkpoint \(StudyError.displayPath(url)) does not exist",
                fix:
                    "correct the path (relative to study.yaml) or put the .safetensors file there; a PyTorch SR3 checkpoint (.pth) is converted with `studygen import CHECKPOINT.pth --config TRAINING_CONFIG.json --output \(StudyError.displayPath(url))`"
            )
        }
        let network: SuperResolutionModel
        do { network = try SuperResolutionModel(checkpoint: url) } catch {
            let problem = (error as? CheckpointError)?.problem ?? "\(error)"
            throw StudyError(
                file: url, problem: "model `\(spec.id)`: the checkpoint cannot be loaded: \(problem)",
                fix: "use a complete checkpoint in the format of docs/SR3-ARCHITECTURE.md section 4")
        }
        guard network.kind == spec.kind.checkpointKind else {
            throw file.error(
                field: "models[\(index)].kind",
                problem:
                    "model `\(spec.id)` has kind \(spec.kind.rawValue) but \(StudyError.displayPath(url)) is a \(network.kind.rawValue) checkpoint",
                fix: "set `kind: \(network.kind.rawValue)` or point `checkpoint` at a \(spec.kind.rawValue) checkpoint")
        }
        guard network.lrSize == definition.lrSize, network.hrSize == definition.hrSize else {
            throw file.error(
                field: field,
                problem:
                    "model `\(spec.id)`: the checkpoint is for \(network.lrSize)x\(network.lrSize) -> \(network.hrSize)x\(network.hrSize) but the study uses lr_size \(definition.lrSize), hr_size \(definition.hrSize)",
                fix:
                    "use a checkpoint trained for \(definition.lrSize) -> \(definition.hrSize), or set lr_size: \(network.lrSize) and hr_size: \(network.hrSize)"
            )
        }
        var checkpointSHA256: String?
        if hashes != nil {
            do { checkpointSHA256 = try hashes?.sha256(of: url) } catch {
                throw StudyError(
                    file: url, problem: "cannot read the checkpoint (\(error.localizedDescription))", fix: "check the file's permissions")
            }
        }
        var model = ResolvedModel(
            spec: spec, index: index, checkpointURL: url, checkpointSHA256: checkpointSHA256, network: network,
            settings: [:])
        if spec.kind == .sr3 {
            let sampling: SamplingSettings
            do {
                sampling = try SamplingSettings.resolved(
                    sampler: spec.samplerOrDefault, steps: spec.steps, projection: spec.projectionOrDefault,
                    source: spec.schedule, betaStart: spec.betaStart, betaEnd: spec.betaEnd,
                    checkpointSchedule: network.checkpoint.inferenceSchedule)
            } catch {
                throw file.error(
                    field: "models[\(index)]", problem: "model `\(spec.id)`: \(error.description)", fix: "change the model's sampler settings")
            }
            model.sampling = sampling
            model.settings = [
                "sampler": spec.samplerOrDefault.rawValue,
                "steps": String(sampling.steps),
                "projection": String(sampling.projection),
                "seed": String(spec.effectiveSeed(in: definition)),
                "schedule": sampling.schedule == nil ? sampling.scheduleSummary : "checkpoint's own: \(sampling.scheduleSummary)",
            ]
            // Only a non-default upsampler enters the settings, so existing studies keep their cache keys.
            if network.checkpoint.conditioning != .torchBicubic { model.settings["conditioning"] = network.checkpoint.conditioning.rawValue }
        } else {
            model.settings = ["noise_level": String(network.checkpoint.noiseLevel)]
            if network.checkpoint.conditioning != .torchBicubic { model.settings["conditioning"] = network.checkpoint.conditioning.rawValue }
        }
        return model
    }

    private static func resolveExternal(_ file: StudyDefinitionFile, spec: ModelSpec, index: Int, images: [SourceImage]) throws -> ResolvedModel {
        let field = "models[\(index)].folder"
        let folder = file.resolve(spec.folder ?? "")
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw file.error(
                field: field, problem: "model `\(spec.id)`: the output folder \(StudyError.displayPath(folder)) does not exist",
                fix: "correct the path (relative to study.yaml) or create the folder with one PNG per source image, named like the source")
        }
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
        var byID: [String: String] = [:]
        for name in names where (name as NSString).pathExtension.lowercased() == "png" {
            byID[(name as NSString).deletingPathExtension] = name
        }
        let missing = images.filter { byID[$0.id] == nil }
        guard missing.isEmpty else {
            let list = missing.prefix(5).map { "\($0.id).png" }.joined(separator: ", ") + (missing.count > 5 ? ", ..." : "")
            throw file.error(
                field: field,
                problem:
                    "model `\(spec.id)`: \(StudyError.displayPath(folder)) lacks outputs for \(missing.count) of \(images.count) source images (\(list))",
                fix: "add one PNG per source image, named like the source image, made from its LR input")
        }
        let size = file.definition.hrSize
        var outputs: [String: RGBImage] = [:]
        var fingerprint = ""
        for image in images {
            guard let name = byID[image.id] else { continue }
            let url = folder.appendingPathComponent(name)
            let output = try ImageFiles.read(url)
            guard output.width == size, output.height == size else {
                throw StudyError(
                    file: url, problem: "model `\(spec.id)`: the output is \(output.width)x\(output.height), but hr_size is \(size)",
                    fix: "make every output of this model \(size)x\(size) pixels")
            }
            outputs[image.id] = output
            fingerprint += "\(image.id):\(ContentHash.sha256Hex(Data(output.pixels)))\n"
        }
        return ResolvedModel(
            spec: spec, index: index, externalOutputs: outputs,
            settings: ["folder": spec.folder ?? "", "outputs_sha256": ContentHash.sha256Hex(fingerprint)])
    }
}
