import Foundation

/// Coverage of one mixed-model interval over simulated studies.
public struct MixedModelCoverage: Codable, Sendable, Equatable {
    /// `glmm_population_averaged` (target: the population fool rate, the same target as the bootstrap
    /// intervals) or `glmm_typical` (target: logistic(mu), the fool rate of a typical participant and image).
    public var name: String
    public var target: Double
    /// Studies where the fit produced this interval.
    public var intervals: Int
    public var covered: Int
    public var missedLow: Int
    public var missedHigh: Int
    public var meanWidth: Double?
    /// Studies whose fit did not converge, or was singular (a standard deviation at 0).
    public var notConverged: Int
    public var singular: Int

    public var coverage: Double? { intervals > 0 ? Double(covered) / Double(intervals) : nil }

    enum CodingKeys: String, CodingKey {
        case name, target, intervals, covered, coverage, singular
        case missedLow = "missed_low"
        case missedHigh = "missed_high"
        case meanWidth = "mean_width"
        case notConverged = "not_converged"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        target = try c.decode(Double.self, forKey: .target)
        intervals = try c.decode(Int.self, forKey: .intervals)
        covered = try c.decode(Int.self, forKey: .covered)
        missedLow = try c.decode(Int.self, forKey: .missedLow)
        missedHigh = try c.decode(Int.self, forKey: .missedHigh)
        meanWidth = try c.decodeIfPresent(Double.self, forKey: .meanWidth)
        notConverged = try c.decode(Int.self, forKey: .notConverged)
        singular = try c.decode(Int.self, forKey: .singular)
    }

    init(name: String, target: Double, intervals: [Bounds], notConverged: Int, singular: Int) {
        self.name = name
        self.target = target
        self.intervals = intervals.count
        covered = intervals.filter { $0.contains(target) }.count
        missedLow = intervals.filter { $0.high < target }.count
        missedHigh = intervals.filter { $0.low > target }.count
        meanWidth = intervals.isEmpty ? nil : intervals.reduce(0) { $0 + $1.width } / Double(intervals.count)
        self.notConverged = notConverged
        self.singular = singular
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(target, forKey: .target)
        try c.encode(intervals, forKey: .intervals)
        try c.encode(covered, forKey: .covered)
        try c.encode(coverage, forKey: .coverage)
        try c.encode(missedLow, forKey: .missedLow)
        try c.encode(missedHigh, forKey: .missedHigh)
        try c.encode(meanWidth, forKey: .meanWidth)
        try c.encode(notConverged, forKey: .notConverged)
        try c.encode(singular, forKey: .singular)
    }
}

/// The mixed model inside `studyserver simulate`: one intercept, crossed participant and image intercepts.
enum MixedModelSimulation {
    struct Outcome: Sendable {
        var populationAveraged: Bounds?
        var typical: Bounds?
        var converged: Bool
        var singular: Bool
    }

    static func fit(_ observations: [CrossedCounts.Observation], setting: SimulationSetting, level: Double) -> Outcome {
        var design = FixedEffectsDesign(rows: observations.count)
        try? design.addColumn("intercept", values: [Double](repeating: 1, count: observations.count))
        let data = CrossedBinaryData(
            fooled: observations.map(\.fooled), participant: observations.map(\.participant), image: observations.map(\.image),
            participantCount: setting.participants, imageCount: setting.images, design: design)
        var task = MixedModelTask(
            task: setting.name, formula: "fooled ~ 1 + (1 | participant) + (1 | image)", method: MixedModelTask.method, level: level,
            fitted: false, fixedEffects: ["intercept": MixedFixedEffect(trials: observations.count, fooled: observations.filter(\.fooled).count)],
            participantSD: nil, imageSD: nil, varianceShares: nil, logLikelihood: nil, trials: observations.count,
            participants: setting.participants, images: setting.images, converged: false, singular: false, standardErrors: nil,
            pairwise: [], notes: [])
        guard let fit = try? LogisticGLMM.fit(data) else { return Outcome(populationAveraged: nil, typical: nil, converged: false, singular: false) }
        task.apply(fit, level: level)
        let effect = task.fixedEffects["intercept"]
        return Outcome(
            populationAveraged: effect?.populationAveragedFoolRateCI, typical: effect?.typicalFoolRateCI, converged: fit.converged,
            singular: task.singular)
    }

    static func coverage(_ outcomes: [Outcome], setting: SimulationSetting, studies: Int) -> [MixedModelCoverage] {
        let notConverged = studies - outcomes.filter(\.converged).count
        let singular = outcomes.filter(\.singular).count
        return [
            MixedModelCoverage(
                name: "glmm_population_averaged", target: setting.populationFoolRate,
                intervals: outcomes.compactMap(\.populationAveraged), notConverged: notConverged, singular: singular),
            MixedModelCoverage(
                name: "glmm_typical", target: Logistic.value(setting.intercept), intervals: outcomes.compactMap(\.typical),
                notConverged: notConverged, singular: singular),
        ]
    }
}
