import ArgumentParser

struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "plan", abstract: "Not implemented yet.")

    func run() async throws {
        throw ValidationError("'plan' is not implemented yet")
    }
}
