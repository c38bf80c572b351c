import ArgumentParser
import Foundation
import Logging
import StudyKit
import StudyStats
import StudyStore

struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Fool rates per task and model with intervals that account for participants and images.",
        discussion: """
            Reads the study's manifest and database (by default the ones `studyserver serve` uses), applies the \
            exclusions the study declares, and reports fool rates with naive, bootstrap and primary intervals, \
            per-image rates, pairwise model differences, tests against 50%, position bias and catch accuracy.
            """)

    @Flag(name: .customLong("fool-rates"), help: "The fool-rate report (the default, and at present the only, report).")
    var foolRates = false

    @OptionGroup var inputs: StudyDataOptions

    @Option(help: "text (default), json, csv or html (one self-contained file with the figure and image galleries).")
    var format: ReportFormat = .text

    @Option(help: "With --format csv: fool-rates (default; one row per task, model and interval method), images or pairwise.")
    var table: ReportCSVTable = .foolRates

    @Option(help: "Write here instead of standard output.")
    var output: String?

    @Option(help: "Seed of the bootstrap resampling (default: the study's seed).")
    var seed: UInt64?

    @Option(name: .customLong("bootstrap"), help: "Bootstrap replicates per interval (default: analysis.bootstrap_samples).")
    var bootstrap: Int?

    @Option(help: "Images in each lowest/highest list.")
    var extremeImages = 3

    func validate() throws {
        if let bootstrap, bootstrap < 2 { throw ValidationError("--bootstrap must be at least 2 (it is \(bootstrap))") }
        if extremeImages < 0 { throw ValidationError("--extreme-images must not be negative") }
    }

    func run() async throws {
        let logger = Logger(label: "studyserver.report")
        let data = try await inputs.load()
        logger.info("read \(data.trials.count) answered trials from \(data.databasePath)")
        let definition = data.manifest.definition
        let settings = ReportSettings(
            analysis: definition.analysis, seed: seed ?? definition.seed,
            bootstrapSamples: bootstrap, extremeImages: extremeImages)
        let start = Date()
        let report = await FoolRateAnalysis.report(trials: data.trials, manifest: data.manifest, settings: settings)
        logger.info("report computed in \(String(format: "%.2f", Date().timeIntervalSince(start))) s")
        let text: String
        switch format {
        case .text: text = ReportText.render(report)
        case .json: text = try ReportJSON.render(report)
        case .csv:
            switch table {
            case .foolRates: text = ReportCSV.render(report)
            case .images: text = ReportCSV.images(report)
            case .pairwise: text = ReportCSV.pairwise(report)
            }
        case .html:
            let build = data.paths.buildFolder
            text = ReportHTML.render(report, manifest: data.manifest) { ref in
                try? Data(contentsOf: build.appendingPathComponent(ref.file))
            }
        }
        try OutputDestination.write(text, to: output)
    }
}

enum ReportFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json, csv, html
}

enum ReportCSVTable: String, ExpressibleByArgument, CaseIterable {
    case foolRates = "fool-rates"
    case images, pairwise
}

enum OutputDestination {
    /// Writes to `path`, or standard output when nil or "-".
    static func write(_ text: String, to path: String?) throws {
        let data = Data(text.utf8)
        guard let path, path != "-" else {
            FileHandle.standardOutput.write(data)
            return
        }
        do {
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw ServerCommandError("cannot write \(path): \(error.localizedDescription); choose another --output")
        }
    }
}
