import Foundation
import Imaging
import Logging
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

    /// Builds the study. On any error the previous build is left as it was.
    public static func build(_ paths: StudyPaths, logger: Logger = StudyBuild.silentLogger, progress: BuildProgress? = nil) throws -> Report {
        let started = Date()
        var hashes: FileHashCache? = FileHashCache(cacheFolder: paths.cacheFolder)
        let inputs = try StudyInputs.load(paths, hashes: &hashes)
        hashes?.save()
        let definition = inputs.definition
        logger.info("\(inputs.images.count) images, \(inputs.models.count) models: \(inputs.models.map(\.id).joined(separator: ", "))")

        let cache = OutputCache(cacheFolder: paths.cacheFolder)
        let works = inputs.models.map { ModelRunner.plan($0, images: inputs.images, definition: definition, cache: cache) }
        for work in works where work.model.spec.kind != .external {
            logger.info("\(work.model.id): \(work.cached.count) outputs cached, \(work.missing.count) to compute")
        }
        let progress = progress ?? BuildProgress(logger: logger, bar: false)
        progress.start(total: works.map(\.passes).reduce(0, +))
        var results: [ModelOutputs] = []
        var passesBefore = 0
        for work in works {
            results.append(try ModelRunner.run(work, images: inputs.images, definition: definition, cache: cache,
                                               progress: progress, passesBefore: passesBefore, logger: logger))
            passesBefore += work.passes
            progress.update(done: passesBefore)
        }
        progress.finish()

        let folder = try BuildFolder(target: paths.buildFolder)
        do {
            let (manifest, stimuli) = try writeBuild(inputs: inputs, results: results, into: folder.temporary)
            try folder.commit()
            let reports = results.map {
                ModelReport(id: $0.model.id, available: $0.available, unavailableReason: $0.unavailableReason,
                            computed: $0.computed, reused: $0.reused)
            }
            let plan = try StudyInputs.designPlan(inputs.file, imageCount: inputs.images.count,
                                                  modelCount: results.filter(\.available).count)
            return Report(manifest: manifest, buildFolder: paths.buildFolder, models: reports, stimuli: stimuli,
                          plan: plan, seconds: Date().timeIntervalSince(started))
        } catch {
            folder.discard()
            throw error
        }
    }

    private static func writeBuild(inputs: StudyInputs, results: [ModelOutputs], into folder: URL) throws -> (Manifest, Int) {
        let definition = inputs.definition
        var store = try StimulusStore(buildFolder: folder)
        var images: [ManifestImage] = []
        for image in inputs.images {
            images.append(ManifestImage(id: image.id, source: image.source.fileName, sourceSHA256: image.sourceSHA256,
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
            ManifestModel(id: result.model.id, kind: result.model.spec.kind, label: result.model.spec.displayLabel,
                          available: result.available, unavailableReason: result.unavailableReason,
                          checkpoint: result.model.spec.checkpoint, checkpointSHA256: result.model.checkpointSHA256,
                          settings: result.model.settings)
        }
        var rng = StudySeededGenerator(seed: definition.seed, stream: "design")
        let design: TrialDesign
        do {
            design = try TrialDesigner.makeDesign(definition: definition, images: inputs.images.map(\.id),
                                                  models: results.filter(\.available).map(\.model.id), using: &rng)
        } catch let error as DesignError {
            throw inputs.file.error(field: error.field, problem: error.problem, fix: error.fix)
        }
        let manifest = Manifest(definition: definition, definitionSHA256: inputs.file.sha256, builtAt: Date().ISO8601Format(),
                                images: images, models: models, outputs: outputs, metrics: metrics, design: design)
        let url = folder.appendingPathComponent(StudyPaths.manifestFileName)
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            try encoder.encode(manifest).write(to: url)
        } catch {
            throw StudyError(file: url, problem: "cannot write the manifest (\(error))", fix: "check the permissions and free space of the study folder")
        }
        return (manifest, store.count)
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
