import ArgumentParser
import Foundation
import StudyKit
import StudyStore

struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy the study database with SQLite's online backup: consistent while the server records answers.")

    @Argument(help: "The backup file to write (must not exist).")
    var destination: String

    @OptionGroup var inputs: StudyDataOptions

    func run() async throws {
        let path = inputs.databasePath
        do {
            let database = try StudyDatabase(path: path, mustExist: true)
            let check = try await database.backup(to: destination)
            let answers = try await StudyDatabase(path: destination, mustExist: true).answerCount()
            print("backed up \(path) to \(destination): integrity \(check), \(answers) answers")
        } catch {
            throw ServerCommandError("\(error)")
        }
    }
}
