import ArgumentParser
import Foundation
import StudyBuilder
import StudyFiles
import StudyKit

struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate a study definition and its inputs (images, checkpoints, external folders) without building.")

    @Argument(help: "A study name (studies/<name>), a study folder or a study.yaml file. Default: \(StudyPaths.defaultStudy).")
    var study: String?

    func run() async throws {
        do {
            print(try StudyCheck.check(StudyPaths(argument: study)))
            print("  OpenBLAS kernels: \(BLASKernels.describe())")
        } catch let error as StudyError {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}
