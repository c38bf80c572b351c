import Foundation
import Imaging
import Logging
import SR3Core
import SeededRandom
import StudyKit

/// One model's outputs for every image, from the cache where possible.
struct ModelOutputs {
    struct Output {
        var png: Data
        var image: RGBImage
    }

    var model: ResolvedModel
    var unavailableReason: String?
    var outputs: [String: Output] = [:]
    var computed = 0
    var reused = 0

    var available: Bool { unavailableReason == nil }
}

/// What a model still has to compute: the images missing from the cache, with their cache keys and seeds.
struct ModelWork {
    struct Item {
        var image: PreparedImage
        var key: String
        var seed: UInt64
    }

    var model: ResolvedModel
    var cached: [String: ModelOutputs.Output]
    var missing: [Item]

    /// Network passes the missing images cost (the progress bar's unit).
    var passes: Int {
        switch model.spec.kind {
        case .sr3: return missing.count * (model.sampling?.steps ?? 1)
        case .regression: return missing.count
        case .bicubic, .external: return 0
        }
    }
}

enum ModelRunner {
    /// Images per `superResolve` call; SR3Core spreads a batch over the cores.
    static let batchSize = 8

    /// The seed of one image's sampling noise: stable per (model seed, image id), so each image caches alone.
    static func imageSeed(modelSeed: UInt64, imageID: String) -> UInt64 {
        var generator = SeededGenerator(seed: modelSeed, stream: imageID)
        return generator.next()
    }

    static func plan(_ model: ResolvedModel, images: [PreparedImage], definition: StudyDefinition, cache: OutputCache) -> ModelWork {
        var work = ModelWork(model: model, cached: [:], missing: [])
        guard model.spec.kind != .external else { return work }
        let modelSeed = model.spec.effectiveSeed(in: definition)
        for image in images {
            let seed = imageSeed(modelSeed: modelSeed, imageID: image.id)
            let key = OutputCache.key(model: model, image: image, seed: model.spec.kind == .sr3 ? seed : nil, hrSize: definition.hrSize)
            if let hit = cache.load(key, size: definition.hrSize) {
                work.cached[image.id] = ModelOutputs.Output(png: hit.png, image: hit.image)
            } else {
                work.missing.append(ModelWork.Item(image: image, key: key, seed: seed))
            }
        }
        return work
    }

    /// Runs the missing images. `passesBefore`: progress units done by earlier models.
    static func run(
        _ work: ModelWork, images: [PreparedImage], definition: StudyDefinition, cache: OutputCache,
        progress: BuildProgress, passesBefore: Int, logger: Logger
    ) throws -> ModelOutputs {
        var result = ModelOutputs(model: work.model)
        result.outputs = work.cached
        result.reused = work.cached.count
        switch work.model.spec.kind {
        case .external:
            for image in images {
                guard let output = work.model.externalOutputs[image.id] else { continue }
                result.outputs[image.id] = ModelOutputs.Output(png: try StimulusStore.encode(output), image: output)
            }
            return result
        case .bicubic:
            for item in work.missing {
                let output = item.image.lr.bicubicUpsampled(to: definition.hrSize)
                let png = try StimulusStore.encode(output)
                try cache.store(item.key, png: png)
                result.outputs[item.image.id] = ModelOutputs.Output(png: png, image: output)
                result.computed += 1
            }
            return result
        case .sr3, .regression:
            guard let network = work.model.network else {
                result.unavailableReason = "the checkpoint was not loaded"
                return result
            }
            let passesPerImage = work.model.spec.kind == .sr3 ? (work.model.sampling?.steps ?? 1) : 1
            var start = 0
            while start < work.missing.count {
                let batch = Array(work.missing[start..<min(start + batchSize, work.missing.count)])
                progress.setLabel("\(work.model.id): images \(start + 1)-\(start + batch.count) of \(work.missing.count)")
                let offset = passesBefore + start * passesPerImage
                let lrSize = definition.lrSize
                let hrSize = definition.hrSize
                let outputs: [Float]
                do {
                    outputs = try network.superResolve(
                        lr: batch.flatMap { $0.image.lr.planarFloats() }, count: batch.count, height: lrSize, width: lrSize,
                        seeds: batch.map(\.seed), settings: work.model.sampling ?? SamplingSettings(),
                        progress: { done, _ in progress.update(done: offset + done) })
                } catch {
                    // SR3Core cannot run this model: say so in the manifest rather than show anything in its place.
                    let reason = "SR3Core could not run it: \(error)"
                    logger.warning("model \(work.model.id) is unavailable: \(reason)")
                    return ModelOutputs(model: work.model, unavailableReason: reason)
                }
                let floats = 3 * hrSize * hrSize
                guard outputs.count == batch.count * floats else {
                    let reason = "SR3Core returned \(outputs.count) values for \(batch.count) images of \(hrSize)x\(hrSize)"
                    logger.warning("model \(work.model.id) is unavailable: \(reason)")
                    return ModelOutputs(model: work.model, unavailableReason: reason)
                }
                for (index, item) in batch.enumerated() {
                    let planes = Array(outputs[(index * floats)..<((index + 1) * floats)])
                    let image = RGBImage(planarFloats: planes, width: hrSize, height: hrSize)
                    let png = try StimulusStore.encode(image)
                    try cache.store(item.key, png: png)
                    result.outputs[item.image.id] = ModelOutputs.Output(png: png, image: image)
                    result.computed += 1
                }
                start += batch.count
            }
            return result
        }
    }
}
