import Foundation
import Imaging
import Logging
import SeededRandom
import StudyFiles
import StudyKit

/// `studygen build`: from a definition to `build/` (stimuli named by content hash and manifest.json).
public enum StudyBuild {
    public struct ModelReport: Sendable, Equatable {
        public var id: String
        public var available: Bool
        public var unavailableReason: String?
        /// Outputs computed in this build.
        public var computed: Int
        /// Outputs taken from the cache.
        public var reused: Int
    }

    public struct Report: Sendable {
        public var manifest: Manifest
        public var buildFolder: URL
        public var models: [ModelReport]
        public var stimuli: Int
        public var plan: DesignPlan
        public var seconds: Double
    }

    /// What one shard did (`buildShard`).
    public struct ShardReport: Sendable {
        public struct Model: Sendable, Equatable {
            public var id: String
            public var available: Bool
            public var unavailableReason: String?
            /// This shard's outputs computed now.
            public var computed: Int
            /// This shard's outputs that were already in the cache.
            public var cached: Int
            /// Outputs of the model that other shards compute.
            public var otherShards: Int
        }

        public var shard: BuildShard
        public var cacheFolder: URL
        public var models: [Model]
        public var seconds: Double
    }

    /// Builds the study. On any error the previous build is left as it was.
    public static func build(
        _ paths: StudyPaths, options: BuildOptions = BuildOptions(), logger: Logger = StudyBuild.silentLogger,
        progress: BuildProgress? = nil
    ) throws -> Report {
        let started = Date()
        let plan = try prepare(paths, options: options, logger: logger)
        let inputs = plan.inputs
        if options.assembleOnly {
            let missing = plan.works.filter(\.runnable).flatMap { work in work.missing.map { _ in work.model.id } }
            if !missing.isEmpty {
                let perModel = Dictionary(grouping: missing, by: { $0 }).map { "\($0.key): \($0.value.count)" }.sorted()
                throw StudyError(
                    file: plan.cache.folder,
                    problem: "\(missing.count) model output(s) are not in the cache (\(perModel.joined(separator: ", ")))",
                    fix:
                        "run the shards that failed (studygen build --shard K/N with the same --cache), or build without --assemble-only to compute them here"
                )
            }
        }
        let results = try run(plan.works, inputs: inputs, cache: plan.cache, logger: logger, progress: progress)

        let folder = try BuildFolder(target: paths.buildFolder)
        do {
            let (manifest, stimuli) = try writeBuild(inputs: inputs, results: results, builtAt: options.builtAt ?? Date(), into: folder.temporary)
            try folder.commit()
            let reports = results.map {
                ModelReport(
                    id: $0.model.id, available: $0.available, unavailableReason: $0.unavailableReason,
                    computed: $0.computed, reused: $0.reused)
            }
            let plan = try StudyInputs.designPlan(
                inputs.file, imageCount: inputs.images.count,
                modelCount: results.filter(\.available).count)
            return Report(
                manifest: manifest, buildFolder: paths.buildFolder, models: reports, stimuli: stimuli,
                plan: plan, seconds: Date().timeIntervalSince(started))
        } catch {
            folder.discard()
            throw error
        }
    }

    /// Computes this shard's share of the model outputs (see `BuildShard`) into the cache and writes no
    /// build; `build` with the same cache folder then assembles the study from the cache.
    public static func buildShard(
        _ paths: StudyPaths, shard: BuildShard, options: BuildOptions = BuildOptions(),
        logger: Logger = StudyBuild.silentLogger, progress: BuildProgress? = nil
    ) throws -> ShardReport {
        let started = Date()
        let plan = try prepare(paths, options: options, logger: logger)
        var works: [ModelWork] = []
        var others: [Int] = []
        var position = 0
        for var work in plan.works {
            guard work.model.spec.kind != .external else {
                works.append(work)
                others.append(0)
                continue
            }
            let images = plan.inputs.images
            let owned = Set(images.indices.filter { shard.owns(position: position + $0) }.map { images[$0].id })
            position += images.count
            work.cached = work.cached.filter { owned.contains($0.key) }
            work.missing = work.missing.filter { owned.contains($0.image.id) }
            others.append(images.count - owned.count)
            works.append(work)
        }
        for work in works where work.model.spec.kind != .external {
            logger.info("shard \(shard): \(work.model.id): \(work.cached.count) of its outputs cached, \(work.missing.count) to compute")
        }
        let results = try run(works, inputs: plan.inputs, cache: plan.cache, logger: logger, progress: progress)
        let models = zip(results, others).filter { $0.0.model.spec.kind != .external }.map { result, other in
            ShardReport.Model(
                id: result.model.id, available: result.available, unavailableReason: result.unavailableReason,
                computed: result.computed, cached: result.reused, otherShards: other)
        }
        return ShardReport(
            shard: shard, cacheFolder: plan.cache.folder.deletingLastPathComponent(), models: models,
            seconds: Date().timeIntervalSince(started))
    }

    private struct Plan {
        var inputs: StudyInputs
        var cache: OutputCache
        var works: [ModelWork]
    }

    /// Reads the inputs and finds which outputs are cached.
    private static func prepare(_ paths: StudyPaths, options: BuildOptions, logger: Logger) throws -> Plan {
        let cacheFolder = options.cacheFolder ?? paths.cacheFolder
        var hashes: FileHashCache? = FileHashCache(cacheFolder: cacheFolder)
        let inputs = try StudyInputs.load(paths, hashes: &hashes)
        hashes?.save()
        logger.info("\(inputs.images.count) images, \(inputs.models.count) models: \(inputs.models.map(\.id).joined(separator: ", "))")
        let cache = OutputCache(cacheFolder: cacheFolder)
        let works = inputs.models.map { ModelRunner.plan($0, images: inputs.images, definition: inputs.definition, cache: cache) }
        for work in works where work.model.spec.kind != .external {
            logger.info("\(work.model.id): \(work.cached.count) outputs cached, \(work.missing.count) to compute")
        }
        return Plan(inputs: inputs, cache: cache, works: works)
    }

    /// Runs every model's missing outputs, with one progress bar over all of them.
    private static func run(
        _ works: [ModelWork], inputs: StudyInputs, cache: OutputCache, logger: Logger,
        progress: BuildProgress?
    ) throws -> [ModelOutputs] {
        let progress = progress ?? BuildProgress(logger: logger, bar: false)
        progress.start(total: works.map(\.passes).reduce(0, +))
        var results: [ModelOutputs] = []
        var passesBefore = 0
        for work in works {
            results.append(
                try ModelRunner.run(
                    work, images: inputs.images, definition: inputs.definition, cache: cache,
                    progress: progress, passesBefore: passesBefore, logger: logger))
            passesBefore += work.passes
            progress.update(done: passesBefore)
        }
        progress.finish()
        return results
    }

    private static func writeBuild(inputs: StudyInputs, results: [ModelOutputs], builtAt: Date, into folder: URL) throws -> (Manifest, Int) {
        let definition = inputs.definition
        var store = try StimulusStore(buildFolder: folder)
        var images: [ManifestImage] = []
        for image in inputs.images {
            images.append(
                ManifestImage(
                    id: image.id, source: image.source.fileName, sourceSHA256: image.sourceSHA256,
                    hr: try store.add(image.hr), lr: try store.add(image.lr), catchFoil: try store.add(image.catchFoil)))
        }
        var outputs: [ManifestOutput] = []
        var metrics: [ModelMetrics] = []
        for result in results where result.available {
            for image in inputs.images {
                guard let output = result.outputs[image.id] else { continue }
                outputs.append(ManifestOutput(image: image.id, model: result.model.id, stimulus: try store.add(png: output.png)))
            }
            if let row = MetricsCalculator.metrics(model: result.model.id, outputs: result.outputs, images: inputs.images) {
                metrics.append(row)
            }
        }
        let models = results.map { result in
            ManifestModel(
                id: result.model.id, kind: result.model.spec.kind, label: result.model.spec.displayLabel,
                available: result.available, unavailableReason: result.unavailableReason,
                checkpoint: result.model.spec.checkpoint, checkpointSHA256: result.model.checkpointSHA256,
                settings: result.model.settings)
        }
        var rng = SeededGenerator(seed: definition.seed, stream: "design")
        let design: TrialDesign
        do {
            design = try TrialDesigner.makeDesign(
                definition: definition, images: inputs.images.map(\.id),
                models: results.filter(\.available).map(\.model.id), using: &rng)
        } catch let error as DesignError {
            throw inputs.file.error(field: error.field, problem: error.problem, fix: error.fix)
        }
        let manifest = Manifest(
            definition: definition, definitionSHA256: inputs.file.sha256, builtAt: builtAt.ISO8601Format(),
            images: images, models: models, outputs: outputs, metrics: metrics, design: design)
        let url = folder.appendingPathComponent(StudyPaths.manifestFileName)
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            try encoder.encode(manifest).write(to: url)
        } catch {
            throw StudyError(
                file: url, problem: "cannot write the manifest (\(error))", fix: "check the permissions and free space of the study folder")
        }
        return (manifest, store.count)
    }
}

extension ModelWork {
    /// Whether missing outputs would be computed (a checkpoint that loaded, or bicubic).
    var runnable: Bool {
        switch model.spec.kind {
        case .bicubic: return true
        case .sr3, .regression: return model.network != nil
        case .external: return false
        }
    }
}

extension StudyBuild {
    /// A logger that writes to stderr (stdout carries the commands' results).
    public static func logger(_ label: String) -> Logger {
        Logger(label: label) { StreamLogHandler.standardError(label: $0) }
    }

    /// A logger that drops everything (tests).
    public static let silentLogger = Logger(label: "silent") { _ in SwiftLogNoOpLogHandler() }
}
