import ArgumentParser
import Foundation
import StudyBuilder
import StudyFiles
import StudyKit

struct BuildCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Build a study: HR/LR stimuli, every model's outputs, metrics, the trial design and manifest.json.",
        discussion: """
            Writes studies/<name>/build/ (stimuli/<sha256>.png and manifest.json). Model outputs are cached in \
            studies/<name>/.cache, so a rebuild only runs what changed. A failed build leaves the previous build intact.

            On a cluster: `studygen build STUDY --shard K/N --cache DIR` for K = 0 ... N-1 (e.g. a Slurm job array or \
            a Kubernetes Indexed Job, see deploy/) computes each shard's share of the model outputs into DIR on shared \
            storage; then `studygen build STUDY --cache DIR --assemble-only` writes the build from the cache without \
            computing anything.
            """)

    @Argument(help: "A study name (studies/<name>), a study folder or a study.yaml file. Default: \(StudyPaths.defaultStudy).")
    var study: String?

    @Flag(name: .customLong("no-progress-bar"), help: "Log progress as plain lines even on a terminal.")
    var noProgressBar = false

    @Option(
        name: .customLong("shard"),
        help: ArgumentHelp(
            "Compute only shard K of N (K = 0 ... N-1) of the model outputs into the cache and write no build.",
            valueName: "K/N"))
    var shard: String?

    @Option(
        name: .customLong("cache"),
        help: ArgumentHelp(
            "The model-output cache folder (default: the study's .cache). Shards and the assembly must share it.",
            valueName: "DIR"))
    var cache: String?

    @Flag(name: .customLong("assemble-only"), help: "Fail instead of computing when a model output is not in the cache (the step after the shards).")
    var assembleOnly = false

    func validate() throws {
        if let shard {
            do { _ = try BuildShard(parsing: shard) } catch { throw ValidationError(error.description) }
            if assembleOnly { throw ValidationError("--shard computes outputs and --assemble-only assembles them: give one of them") }
        }
        do { _ = try BuildOptions.builtAt() } catch { throw ValidationError("\(error)") }
    }

    func run() async throws {
        let paths = StudyPaths(argument: study)
        let logger = StudyBuild.logger("studygen.build")
        let progress = BuildProgress(logger: logger, bar: noProgressBar ? false : nil)
        logger.info("OpenBLAS kernels: \(BLASKernels.describe())")
        let cacheFolder = cache.map {
            URL(fileURLWithPath: $0, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath)).standardizedFileURL
        }
        do {
            let options = BuildOptions(cacheFolder: cacheFolder, assembleOnly: assembleOnly, builtAt: try BuildOptions.builtAt())
            if let shard {
                let report = try StudyBuild.buildShard(
                    paths, shard: try BuildShard(parsing: shard), options: options,
                    logger: logger, progress: progress)
                print(BuildCommand.summary(report))
            } else {
                print(BuildCommand.summary(try StudyBuild.build(paths, options: options, logger: logger, progress: progress)))
            }
        } catch let error as StudyError {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }

    static func summary(_ report: StudyBuild.ShardReport) -> String {
        var lines = [
            "shard \(report.shard) done in \(String(format: "%.1f", report.seconds)) s, outputs in \(StudyError.displayPath(report.cacheFolder))"
        ]
        for model in report.models {
            if model.available {
                lines.append("  \(model.id): \(model.computed) computed, \(model.cached) already cached, \(model.otherShards) left to other shards")
            } else {
                lines.append("  \(model.id): UNAVAILABLE (\(model.unavailableReason ?? "no reason"))")
            }
        }
        lines.append("when every shard is done: studygen build <study> --cache <the same folder> --assemble-only")
        return lines.joined(separator: "\n")
    }

    static func summary(_ report: StudyBuild.Report) -> String {
        var lines = [
            "built \(StudyError.displayPath(report.buildFolder)) in \(String(format: "%.1f", report.seconds)) s: "
                + "\(report.manifest.images.count) images, \(report.manifest.outputs.count) model outputs, \(report.stimuli) stimuli"
        ]
        for model in report.models {
            if model.available {
                lines.append("  \(model.id): \(model.computed) computed, \(model.reused) from the cache")
            } else {
                lines.append("  \(model.id): UNAVAILABLE (\(model.unavailableReason ?? "no reason")); it has no trials")
            }
        }
        lines.append("  design: \(report.plan.summary)")
        lines.append("run `studygen inspect \(report.manifest.definition.name)` for the metrics and the design's balance")
        return lines.joined(separator: "\n")
    }
}
