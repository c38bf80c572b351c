import ArgumentParser
import StudyStats

struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "One tidy row per answered trial (csv or jsonl), ready for R or pandas.",
        discussion: """
            Columns: participant, session, sequence, task, trial_index, kind, image, model, model_side, choice, \
            fooled, response_ms, exposure_ms, frames, flagged, flags, session_complete, answered_at, excluded_by \
            (the study's exclusion rule that removes the trial), counts (true for main trials the fool rates use), \
            hr_sha256, lr_sha256, stimulus_sha256 (the model output or catch foil shown).
            """)

    @OptionGroup var inputs: StudyDataOptions

    @Option(help: "csv (default) or jsonl.")
    var format: ExportFormat = .csv

    @Option(help: "Write here instead of standard output.")
    var output: String?

    func run() async throws {
        let data = try await inputs.load()
        let rows = TrialExport.rows(trials: data.trials, manifest: data.manifest)
        switch format {
        case .csv: try OutputDestination.write(TrialExport.csv(rows), to: output)
        case .jsonl: try OutputDestination.write(try TrialExport.jsonLines(rows), to: output)
        }
    }
}

enum ExportFormat: String, ExpressibleByArgument, CaseIterable {
    case csv, jsonl
}
