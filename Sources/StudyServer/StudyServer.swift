import ArgumentParser

@main
struct StudyServer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "studyserver",
        abstract: "Run a built 2AFC study for participants and analyse what they answered.",
        subcommands: [
            ServeCommand.self, StatusCommand.self, BackupCommand.self, ReportCommand.self, ExportCommand.self, PlanCommand.self, SimulateCommand.self,
        ]
    )
}
