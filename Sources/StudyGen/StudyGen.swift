import ArgumentParser
import Foundation
import StudyBuilder

@main
struct StudyGen: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "studygen",
        abstract: "Prepare 2AFC super-resolution studies and run SR3 checkpoints.",
        subcommands: [
            BuildCommand.self, CheckCommand.self, InspectCommand.self,
            UpscaleCommand.self, UNetCommand.self, ImportCommand.self, BenchCommand.self,
        ]
    )

    /// ArgumentParser's own entry point, after making OpenBLAS use the kernels this CPU runs (a relaunch when it
    /// fell back to older ones) and checking that this CPU can run the SR3Core it was built with.
    static func main() async {
        BLASKernels.relaunchIfOpenBLASFellBack()
        if let problem = CPUCompatibility.sr3CoreProblem() {
            FileHandle.standardError.write(Data("Error: \(problem)\n".utf8))
            Foundation.exit(70)
        }
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
