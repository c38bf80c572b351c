import ArgumentParser

struct UNetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "unet", abstract: "Not implemented yet.")

    func run() async throws {
        throw ValidationError("'unet' is not implemented yet")
    }
}
