import ArgumentParser
import Foundation
import SeededRandom
import StudyKit
import StudyStats

struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Coverage and width of every interval method over simulated studies with a known fool rate.",
        discussion: """
            Each simulated study draws participant and image effects on the logit scale; the population fool \
            rate is the mean of logistic(mu + u + v) over those effects (numerical integration), the target every \
            interval should cover. Settings: \(SimulationSetting.standard.map(\.name).joined(separator: ", ")). \
            With --mixed-model, glmm_population_averaged is the mixed model's interval for that same target and \
            glmm_typical its interval for logistic(mu), the fool rate of a typical participant on a typical image.
            """)

    @Option(help: "Simulated studies per setting.")
    var studies = 2000

    @Option(
        name: .customLong("bootstrap"),
        help: "Bootstrap replicates per interval inside each simulated study (default 1000; 10000 with --time-report).")
    var bootstrap: Int?

    @Option(help: "Confidence level.")
    var level = AnalysisSettings.defaultConfidenceLevel

    @Option(help: "Seed; study k of a setting always uses random stream k.")
    var seed: UInt64 = 2021

    @Option(help: "Run only this setting (repeatable).")
    var setting: [String] = []

    @Flag(
        help:
            "Also fit the logistic mixed model (crossed participant and image intercepts, Laplace) in every simulated study and report the coverage of its population-averaged and typical-participant intervals beside the bootstrap ones."
    )
    var mixedModel = false

    @Option(help: "text (default) or json.")
    var format: SimulateFormat = .text

    @Flag(
        help:
            "Instead: time a full report (computation and text + JSON rendering) of a synthetic study of the paper's size: 50 participants per task x 50 of 100 images x 4 models x 2 tasks, then the mixed model of one task alone."
    )
    var timeReport = false

    @Option(help: "With --time-report: how many times to run it (the median is printed).")
    var runs = 5

    func validate() throws {
        if studies < 1 || (bootstrap ?? 2) < 2 { throw ValidationError("--studies must be at least 1 and --bootstrap at least 2") }
        guard level > 0, level < 1 else { throw ValidationError("--level must be in (0, 1)") }
        let known = Set(SimulationSetting.standard.map(\.name))
        if let unknown = setting.first(where: { !known.contains($0) }) {
            throw ValidationError("unknown setting '\(unknown)'; choose from \(known.sorted().joined(separator: ", "))")
        }
    }

    func run() async throws {
        if timeReport { return try await runReportTiming() }
        let chosen = SimulationSetting.standard.filter { setting.isEmpty || setting.contains($0.name) }
        var results: [SimulationResult] = []
        var lines: [String] = []
        let started = Date()
        for s in chosen {
            let t0 = Date()
            let result = await CrossedSimulation.run(
                s, studies: studies, bootstrapSamples: bootstrap ?? 1000, level: level, seed: seed, mixedModel: mixedModel)
            results.append(result)
            lines.append(contentsOf: SimulationTable.render(result, seconds: Date().timeIntervalSince(t0)))
            lines.append("")
        }
        lines.append(String(format: "total %.1f s", Date().timeIntervalSince(started)))
        switch format {
        case .text: print(lines.joined(separator: "\n"))
        case .json: try OutputDestination.write(try jsonText(results), to: nil)
        }
    }

    private func runReportTiming() async throws {
        let study = SyntheticStudy()
        let manifest = try study.manifest()
        let trials = study.trials(seed: seed)
        let samples = bootstrap ?? AnalysisSettings.defaultBootstrapSamples
        let settings = ReportSettings(analysis: manifest.definition.analysis, seed: seed, bootstrapSamples: samples)
        var times: [Double] = []
        var anchors: [Double] = []
        for _ in 0..<max(1, runs) {
            anchors.append(anchorSeconds())
            let t0 = Date()
            let report = await FoolRateAnalysis.report(trials: trials, manifest: manifest, settings: settings)
            _ = ReportText.render(report)
            _ = try ReportJSON.render(report)
            times.append(Date().timeIntervalSince(t0))
        }
        let median = times.sorted()[times.count / 2]
        let anchor = anchors.sorted()[anchors.count / 2]
        print(
            String(
                format: "report of %d answered trials (%d main), B = %d: median %.3f s over %d runs (min %.3f, max %.3f); "
                    + "anchor (sort 1e6 doubles) median %.3f s", trials.count, trials.filter { $0.kind == .main }.count,
                samples, median, times.count, times.min() ?? 0, times.max() ?? 0, anchor))
        let task = study.tasks[0]
        let mainTrials = trials.filter { $0.kind == .main && $0.task == task }
        var fits: [Double] = []
        for _ in 0..<max(1, runs) {
            let t0 = Date()
            _ = MixedModelAnalysis.task(task, trials: mainTrials, models: study.models.map(\.id), level: settings.level)
            fits.append(Date().timeIntervalSince(t0))
        }
        print(
            String(
                format: "mixed model of one task alone (%d participants x %d of %d images x %d models, %d trials): median %.3f s "
                    + "over %d runs (min %.3f, max %.3f)", study.participantsPerTask, study.imagesPerParticipant, study.images,
                study.models.count, mainTrials.count, fits.sorted()[fits.count / 2], fits.count, fits.min() ?? 0, fits.max() ?? 0))
    }

    /// A fixed reference workload measured in the same run, so timings from different machines compare.
    private func anchorSeconds() -> Double {
        var rng = SeededGenerator(seed: 1)
        var values = (0..<1_000_000).map { _ in Double(rng.next() >> 11) }
        let t0 = Date()
        values.sort()
        let elapsed = Date().timeIntervalSince(t0)
        return values.isEmpty ? 0 : elapsed
    }

    private func jsonText(_ results: [SimulationResult]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return String(decoding: try encoder.encode(results), as: UTF8.self) + "\n"
    }
}

enum SimulateFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

enum SimulationTable {
    static func render(_ r: SimulationResult, seconds: Double) -> [String] {
        let s = r.setting
        var lines = [
            String(
                format: "%@: %d participants x %d of %d images, sd participant %.2f, sd image %.2f (logit), "
                    + "population fool rate %.3f (mu %.3f); %d studies, B = %d, %.1f s",
                s.name, s.participants, s.imagesPerParticipant, s.images, s.sdParticipant, s.sdImage,
                s.populationFoolRate, s.intercept, r.studies, r.bootstrapSamples, seconds)
        ]
        lines.append("  method                    coverage  mean width  below  above")
        for m in r.methods {
            lines.append(
                String(
                    format: "  %@  %7.1f%%  %10.4f  %5d  %5d", m.method.rawValue.padding(toLength: 24, withPad: " ", startingAt: 0),
                    m.coverage * 100, m.meanWidth, m.missedLow, m.missedHigh))
        }
        for m in r.mixedModel ?? [] {
            let coverage = m.coverage.map { String(format: "%7.1f%%", $0 * 100) } ?? "       -"
            let width = m.meanWidth.map { String(format: "%10.4f", $0) } ?? "         -"
            lines.append(
                String(
                    format: "  %@  %@  %@  %5d  %5d  (target %.3f; %d not converged, %d singular)",
                    m.name.padding(toLength: 24, withPad: " ", startingAt: 0), coverage, width,
                    m.missedLow, m.missedHigh, m.target, m.notConverged, m.singular))
        }
        lines.append(
            String(
                format: "  mean fool rate %.4f; its sd over studies %.4f; primary standard error (rms) %.4f; "
                    + "primary variance floored in %d of %d studies", r.meanFoolRate, r.empiricalSD, r.primarySE,
                r.floored, r.studies))
        return lines
    }
}
