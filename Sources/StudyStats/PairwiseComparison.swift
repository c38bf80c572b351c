import StudyKit

/// The fool-rate difference of two models within one task, on the images both were shown on.
public struct PairwiseComparison: Codable, Sendable, Equatable {
    public var task: String
    public var modelA: String
    public var modelB: String
    /// Images with trials of both models: the difference is computed over these only.
    public var pairedImages: Int
    /// Participants with trials of either model on the paired images.
    public var participants: Int
    public var trialsA: Int
    public var trialsB: Int
    /// fool rate of A - fool rate of B on the paired images; nil when either has no trials there.
    public var difference: Double?
    /// crossed_combined (primary: V_P + V_I - V_naive of the difference, t interval) and the pigeonhole percentile.
    public var ci: [ConfidenceInterval]
    /// Two-sided p-value of H0: no difference, from the primary variance.
    public var pValue: Double?
    /// Holm-adjusted over all comparisons of the task.
    public var pHolm: Double?
    public var notes: [String]

    /// Fewer participants or paired images than an interval needs (IntervalMinimum).
    public var tooFewForInterval: Bool { IntervalMinimum.shortfall(participants: participants, images: pairedImages) != nil }
}

public enum PairwiseComparisons {
    /// All pairs of `models` in `task` (in list order), Holm-adjusted within the task.
    public static func compare<G: RandomNumberGenerator>(
        task: String, models: [String], trials: [AnsweredTrial], level: Double, samples: Int, using rng: inout G
    ) -> [PairwiseComparison] {
        var rows: [PairwiseComparison] = []
        for a in 0..<models.count {
            for b in (a + 1)..<models.count {
                rows.append(
                    compare(
                        task: task, modelA: models[a], modelB: models[b], trials: trials,
                        level: level, samples: samples, using: &rng))
            }
        }
        return holmWithinTasks(rows)
    }

    /// Sets `pHolm` over the comparisons of each task that have a p-value.
    public static func holmWithinTasks(_ comparisons: [PairwiseComparison]) -> [PairwiseComparison] {
        var rows = comparisons
        for task in Set(rows.map(\.task)) {
            let tested = rows.indices.filter { rows[$0].task == task && rows[$0].pValue != nil }
            let adjusted = MultipleComparisons.holm(tested.compactMap { rows[$0].pValue })
            for (k, index) in tested.enumerated() { rows[index].pHolm = adjusted[k] }
        }
        return rows
    }

    /// One pair. Participant and image resampling weights are shared by both models, so the bootstrap
    /// is paired.
    public static func compare<G: RandomNumberGenerator>(
        task: String, modelA: String, modelB: String, trials: [AnsweredTrial], level: Double, samples: Int,
        using rng: inout G
    ) -> PairwiseComparison {
        let inTask = trials.filter { $0.task == task && ($0.model == modelA || $0.model == modelB) }
        let imagesA = Set(inTask.filter { $0.model == modelA }.map(\.image))
        let imagesB = Set(inTask.filter { $0.model == modelB }.map(\.image))
        let paired = imagesA.intersection(imagesB)
        let used = inTask.filter { paired.contains($0.image) }
        var row = PairwiseComparison(
            task: task, modelA: modelA, modelB: modelB, pairedImages: paired.count,
            participants: Set(used.map(\.participant)).count,
            trialsA: used.filter { $0.model == modelA }.count,
            trialsB: used.filter { $0.model == modelB }.count,
            difference: nil, ci: [], pValue: nil, pHolm: nil, notes: [])
        guard row.trialsA > 0, row.trialsB > 0 else {
            row.notes.append("no images shown with both models: no comparison")
            return row
        }
        let participantIndex = Dictionary(uniqueKeysWithValues: Set(used.map(\.participant)).sorted().enumerated().map { ($1, $0) })
        let imageIndex = Dictionary(uniqueKeysWithValues: paired.sorted().enumerated().map { ($1, $0) })
        let observations = used.compactMap { t -> CrossedCounts.Observation? in
            guard let p = participantIndex[t.participant], let i = imageIndex[t.image] else { return nil }
            return .init(participant: p, image: i, series: t.model == modelA ? 0 : 1, fooled: t.fooled)
        }
        let counts = CrossedCounts(
            participantCount: participantIndex.count, imageCount: imageIndex.count,
            seriesCount: 2, observations: observations)
        let rates = counts.estimates
        let difference = rates[0] - rates[1]
        row.difference = difference

        func differences(_ scheme: CrossedBootstrap.Scheme) -> ReplicateSummary? {
            let values = CrossedBootstrap.replicates(counts, scheme: scheme, samples: samples, using: &rng)
            let diffs = stride(from: 0, to: values.count, by: 2).map { values[$0] - values[$0 + 1] }
            return ReplicateSummary(values: diffs, level: level)
        }
        let byParticipant = differences(.participants)
        let byImage = differences(.images)
        if let pigeonhole = differences(.pigeonhole) {
            row.ci.append(ConfidenceInterval(method: .bootstrapPigeonhole, level: level, low: pigeonhole.low, high: pigeonhole.high))
        }
        if let shortfall = IntervalMinimum.shortfall(participants: participantIndex.count, images: paired.count) {
            row.notes.append("primary interval and test: \(shortfall)")
            return row
        }
        guard let byParticipant, let byImage else {
            row.notes.append("primary interval unavailable: the one-way bootstraps gave no replicates")
            return row
        }
        let naive = rates[0] * (1 - rates[0]) / counts.totalTrials[0] + rates[1] * (1 - rates[1]) / counts.totalTrials[1]
        let variance = CrossedVariance(
            participants: byParticipant.variance, images: byImage.variance, naive: naive,
            participantUnits: participantIndex.count, imageUnits: paired.count)
        let se = variance.standardError
        let critical = variance.criticalValue(level: level)
        row.ci.insert(
            ConfidenceInterval(
                method: .crossedCombined, level: level,
                low: difference - critical * se, high: difference + critical * se
            ).clamped(to: -1...1), at: 0)
        if se > 0 {
            row.pValue = 2 * SpecialFunctions.studentTCDF(-abs(difference) / se, df: variance.degreesOfFreedom)
        } else {
            row.pValue = difference == 0 ? 1 : 0
            row.notes.append("no variability in either model's answers")
        }
        return row
    }
}
