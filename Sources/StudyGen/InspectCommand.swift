import ArgumentParser
import Foundation
import StudyBuilder
import StudyFiles
import StudyKit

struct InspectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Print a built study's models, metrics, trial design and the design's balance.")

    @Argument(help: "A study name (studies/<name>), a study folder, a study.yaml file or a build folder. Default: \(StudyPaths.defaultStudy).")
    var study: String?

    @Option(help: "Sequences of each task to print trial by trial.")
    var sequences = 1

    func run() async throws {
        let paths = StudyPaths(argument: study)
        do {
            print(InspectReport.text(try Manifest.load(buildFolder: paths.buildFolder), sequences: sequences))
        } catch let error as ManifestError {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}
