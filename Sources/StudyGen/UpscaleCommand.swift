import ArgumentParser

struct UpscaleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "upscale", abstract: "Not implemented yet.")

    func run() async throws {
        throw ValidationError("'upscale' is not implemented yet")
    }
}
