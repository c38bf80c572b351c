import ArgumentParser

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
}
