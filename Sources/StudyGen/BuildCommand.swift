import ArgumentParser
import Foundation
import StudyBuilder
import StudyKit

struct BuildCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Build a study: HR/LR stimuli, every model's outputs, metrics, the trial design and manifest.json.",
        discussion: """
            Writes studies/<name>/build/ (stimuli/<sha256>.png and manifest.json). Model outputs are cached in \
            studies/<name>/.cache, so a rebuild only runs what changed. A failed build leaves the previous build intact.
            """)

    @Argument(help: "A study name (studies/<name>), a study folder or a study.yaml file. Default: \(StudyPaths.defaultStudy).")
    var study: String?

    @Flag(name: .customLong("no-progress-bar"), help: "Log progress as plain lines even on a terminal.")
    var noProgressBar = false

    func run() async throws {
        let paths = StudyPaths(argument: study)
        let logger = StudyBuild.logger("studygen.build")
        let report: StudyBuild.Report
        do {
            report = try StudyBuild.build(paths, logger: logger, progress: BuildProgress(logger: logger, bar: noProgressBar ? false : nil))
        } catch let error as StudyError {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode.failure
        }
        print(BuildCommand.summary(report))
    }

    static func summary(_ report: StudyBuild.Report) -> String {
        var lines = ["built \(StudyError.displayPath(report.buildFolder)) in \(String(format: "%.1f", report.seconds)) s: "
            + "\(report.manifest.images.count) images, \(report.manifest.outputs.count) model outputs, \(report.stimuli) stimuli"]
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
