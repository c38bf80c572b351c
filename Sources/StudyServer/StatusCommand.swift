import ArgumentParser
import Foundation
import StudyFiles
import StudyKit
import StudyStore

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show per task: sequences, hand-outs, active and complete sessions, answers.")

    @OptionGroup var inputs: StudyDataOptions

    @Option(help: "Sessions idle this long count as abandoned (default: the study's assignment.abandon_after_minutes).")
    var abandonAfterMinutes: Double?

    func run() async throws {
        let paths = inputs.paths
        let path = inputs.databasePath
        let progress: StudyProgress
        do {
            let manifest = try Manifest.load(buildFolder: paths.buildFolder)
            let database = try StudyDatabase(path: path, mustExist: true)
            let minutes = abandonAfterMinutes ?? manifest.definition.assignment.abandonAfterMinutes
            progress = try await database.progress(manifest: manifest, now: Date(), abandonAfter: minutes * 60)
        } catch {
            throw ServerCommandError("\(error)")
        }
        print("database: \(path)")
        print(StatusTable.render(progress.tasks))
    }
}

enum StatusTable {
    static func render(_ tasks: [TaskProgress]) -> String {
        let header = [
            "task", "sequences", "handed_out", "handouts", "active", "complete", "abandoned", "declined", "screen_refused",
            "dropped_out", "answers",
        ]
        let rows = tasks.map {
            [
                $0.task, "\($0.sequences)", "\($0.handedOut)", "\($0.handouts)", "\($0.active)", "\($0.complete)",
                "\($0.abandoned)", "\($0.declined)", "\($0.screenRefused)", "\($0.droppedOut)", "\($0.answers)",
            ]
        }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                index == 0
                    ? cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[index] - cell.count) + cell
            }.joined(separator: "  ")
        }
        return ([line(header)] + rows.map(line)).joined(separator: "\n")
    }
}
