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
        let manifest: Manifest
        do {
            manifest = try Manifest.load(buildFolder: paths.buildFolder)
            let database = try StudyDatabase(path: path, mustExist: true)
            let minutes = abandonAfterMinutes ?? manifest.definition.assignment.abandonAfterMinutes
            progress = try await database.progress(manifest: manifest, now: Date(), abandonAfter: minutes * 60)
        } catch {
            throw ServerCommandError("\(error)")
        }
        print("database: \(path)")
        print(StatusTable.render(progress.tasks))
        for task in progress.tasks {
            guard let trials = manifest.design.sequences(task: task.task).first?.trials.count else { continue }
            let definition = manifest.definition
            let expected = SessionTextFacts.expectedMinutes(
                trials: trials, fixationMs: definition.display.fixationMs, exposureMs: definition.exposureMs)
            let measured = task.medianSessionMinutes.map { String(format: "%.1f minutes measured (median of %d)", $0, task.complete) }
            print(
                "\(task.task): a session is expected to take about \(expected) minutes (what {minutes} in the texts says); \(measured ?? "none complete yet")"
            )
        }
    }
}

enum StatusTable {
    static func render(_ tasks: [TaskProgress]) -> String {
        let header = [
            "task", "sequences", "handed_out", "handouts", "active", "complete", "abandoned", "declined", "screen_refused",
            "dropped_out", "answers", "median_minutes",
        ]
        let rows = tasks.map {
            [
                $0.task, "\($0.sequences)", "\($0.handedOut)", "\($0.handouts)", "\($0.active)", "\($0.complete)",
                "\($0.abandoned)", "\($0.declined)", "\($0.screenRefused)", "\($0.droppedOut)", "\($0.answers)",
                $0.medianSessionMinutes.map { String(format: "%.1f", $0) } ?? "-",
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
