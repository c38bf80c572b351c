import ArgumentParser

struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "export", abstract: "Not implemented yet.")

    func run() async throws {
        throw ValidationError("'export' is not implemented yet")
    }
}
