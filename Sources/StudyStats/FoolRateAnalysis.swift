import SeededRandom
import StudyKit

/// Builds the fool-rate report from answered trials and the manifest. Pure: the same trials,
/// manifest and settings always give the same report. The bootstraps run on all cores.
public enum FoolRateAnalysis {
    /// `mixedModel: false` leaves out the per-task mixed models (the live dashboard, which polls, shows none).
    public static func report(
        trials: [AnsweredTrial], manifest: Manifest, settings: ReportSettings, mixedModel: Bool = true
    ) async -> FoolRateReport {
        let definition = manifest.definition
        let outcome = Exclusions.apply(trials, rules: definition.exclusions, exposureMs: definition.exposureMs)
        let kept = outcome.keptMain
        let level = settings.level

        var taskIDs = definition.tasks.map(\.id)
        for task in Set(trials.map(\.task)).sorted() where !taskIDs.contains(task) { taskIDs.append(task) }
        var models = manifest.models.map { ReportModel(id: $0.id, label: $0.label, available: $0.available) }
        let mainModels = Set(trials.filter { $0.kind == .main }.map(\.model))
        for model in mainModels.sorted() where !models.contains(where: { $0.id == model }) {
            models.append(ReportModel(id: model, label: model, available: true))
        }
        var notes: [String] = []
        if trials.isEmpty {
            notes.append("no answers recorded yet: every fool rate is empty")
        } else if kept.isEmpty {
            notes.append("no main trials left after exclusions")
        }
        for model in models where !manifest.models.contains(where: { $0.id == model.id }) {
            notes.append("model \(model.id) has answers but is not in the manifest")
        }

        // Every (task, model) row and every pair is an independent job with its own random stream, so the
        // report is the same whichever core computes what.
        var rowJobs: [(task: String, model: ReportModel, trials: [AnsweredTrial])] = []
        var unexcludedJobs: [(task: String, model: ReportModel, trials: [AnsweredTrial])] = []
        var pairJobs: [(task: String, a: String, b: String, trials: [AnsweredTrial])] = []
        let allMain = trials.filter { $0.kind == .main }
        for task in taskIDs {
            let inTask = kept.filter { $0.task == task }
            for model in models { rowJobs.append((task, model, inTask.filter { $0.model == model.id })) }
            for model in models {
                unexcludedJobs.append((task, model, allMain.filter { $0.task == task && $0.model == model.id }))
            }
            let seen = models.map(\.id).filter { id in inTask.contains { $0.model == id } }
            for a in 0..<seen.count {
                for b in (a + 1)..<seen.count {
                    pairJobs.append((task, seen[a], seen[b], inTask.filter { $0.model == seen[a] || $0.model == seen[b] }))
                }
            }
        }
        let rows = await orderedParallelMap(count: rowJobs.count) { [rowJobs] index in
            let job = rowJobs[index]
            var rng = SeededGenerator(seed: settings.seed, stream: UInt64(index + 1))
            return row(task: job.task, model: job.model, trials: job.trials, settings: settings, using: &rng)
        }
        let unexcludedRows = await orderedParallelMap(count: unexcludedJobs.count) { [unexcludedJobs] index in
            let job = unexcludedJobs[index]
            var rng = SeededGenerator(seed: settings.seed, stream: 2_000_000 + UInt64(index))
            return row(task: job.task, model: job.model, trials: job.trials, settings: settings, using: &rng)
        }
        let comparisons = await orderedParallelMap(count: pairJobs.count) { [pairJobs] index in
            let job = pairJobs[index]
            var rng = SeededGenerator(seed: settings.seed, stream: 1_000_000 + UInt64(index))
            return PairwiseComparisons.compare(
                task: job.task, modelA: job.a, modelB: job.b, trials: job.trials,
                level: level, samples: settings.bootstrapSamples, using: &rng)
        }
        let pairwise = PairwiseComparisons.holmWithinTasks(comparisons)
        var images: [ImageFoolRate] = []
        var extremes: [ImageExtremes] = []
        for job in rowJobs {
            let perImage = ImageRates.rates(task: job.task, model: job.model.id, trials: job.trials, level: level)
            images.append(contentsOf: perImage.rates)
            if !perImage.rates.isEmpty {
                extremes.append(
                    ImageRates.extremes(
                        task: job.task, model: job.model.id, rates: perImage.rates,
                        prior: perImage.prior, count: settings.extremeImages))
            }
        }
        let mixedModels = await orderedParallelMap(count: mixedModel ? taskIDs.count : 0) { [taskIDs, models] index in
            MixedModelAnalysis.task(
                taskIDs[index], trials: kept.filter { $0.task == taskIDs[index] }, models: models.map(\.id), level: level)
        }
        var report = FoolRateReport(
            study: definition.name, title: definition.title, settings: settings, tasks: taskIDs, models: models,
            foolRates: rows, images: images, extremes: extremes, pairwise: pairwise,
            positionBias: taskIDs.map { PositionBias.measure(task: $0, trials: kept, level: level) },
            catchAccuracy: outcome.catchAccuracy, exclusions: outcome.summary,
            flaggedParticipants: outcome.participants.filter { !$0.reasons.isEmpty },
            foolRatesWithoutExclusions: unexcludedRows, notes: notes,
            screening: ScreeningSensitivity.measure(
                trials, rules: definition.exclusions, exposureMs: definition.exposureMs, kept: kept, screens: outcome.participants))
        (report.screens, report.screenTests) = ScreenClasses.compare(kept, level: level)
        report.mixedModel = mixedModels
        return report
    }

    static func row<G: RandomNumberGenerator>(
        task: String, model: ReportModel, trials: [AnsweredTrial],
        settings: ReportSettings, using rng: inout G
    ) -> FoolRateRow {
        let participantIndex = index(trials.map(\.participant))
        let imageIndex = index(trials.map(\.image))
        let observations = trials.compactMap { t -> CrossedCounts.Observation? in
            guard let p = participantIndex[t.participant], let i = imageIndex[t.image] else { return nil }
            return .init(participant: p, image: i, fooled: t.fooled)
        }
        let counts = CrossedCounts(
            participantCount: participantIndex.count, imageCount: imageIndex.count,
            observations: observations)
        let estimate = FoolRateIntervals.estimate(counts, level: settings.level, samples: settings.bootstrapSamples, using: &rng)
        var notes = estimate.notes
        if trials.isEmpty {
            notes = [model.available ? "nobody saw this model in \(task)" : "model unavailable in this build: no trials"]
        }
        let versusHalf: HalfTest? = {
            guard let rate = estimate.rate, let variance = estimate.variance else { return nil }
            return HalfTest(rate: rate, variance: variance, margin: settings.equivalenceMargin, level: settings.level)
        }()
        return FoolRateRow(
            task: task, model: model.id, label: model.label, foolRate: estimate.rate,
            fooled: estimate.fooled, trials: estimate.trials, participants: estimate.participants,
            images: estimate.images, ci: estimate.intervals, variance: estimate.variance,
            versusHalf: versusHalf, notes: notes)
    }

    static func index(_ ids: [String]) -> [String: Int] {
        Dictionary(uniqueKeysWithValues: Set(ids).sorted().enumerated().map { ($1, $0) })
    }
}
