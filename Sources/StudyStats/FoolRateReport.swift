import StudyKit

/// One model's fool rate in one task with every interval.
public struct FoolRateRow: Codable, Sendable, Equatable {
    public var task: String
    public var model: String
    public var label: String
    /// nil when nobody saw the model in this task.
    public var foolRate: Double?
    public var fooled: Int
    public var trials: Int
    public var participants: Int
    public var images: Int
    public var ci: [ConfidenceInterval]
    public var variance: CrossedVariance?
    /// Test against 50% and equivalence (TOST) with the study's margin; nil without a primary variance.
    public var versusHalf: HalfTest?
    public var notes: [String]

    public func interval(_ method: IntervalMethod) -> ConfidenceInterval? { ci.first { $0.method == method } }

    enum CodingKeys: String, CodingKey {
        case task, model, label, fooled, trials, participants, images, ci, variance, notes
        case foolRate = "fool_rate"
        case versusHalf = "versus_half"
    }

    public init(
        task: String, model: String, label: String, foolRate: Double?, fooled: Int, trials: Int,
        participants: Int, images: Int, ci: [ConfidenceInterval], variance: CrossedVariance?,
        versusHalf: HalfTest?, notes: [String]
    ) {
        self.task = task
        self.model = model
        self.label = label
        self.foolRate = foolRate
        self.fooled = fooled
        self.trials = trials
        self.participants = participants
        self.images = images
        self.ci = ci
        self.variance = variance
        self.versusHalf = versusHalf
        self.notes = notes
    }

    /// `fool_rate` is always present (null when there are no trials), as the JSON contract promises.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(task, forKey: .task)
        try c.encode(model, forKey: .model)
        try c.encode(label, forKey: .label)
        try c.encode(foolRate, forKey: .foolRate)
        try c.encode(fooled, forKey: .fooled)
        try c.encode(trials, forKey: .trials)
        try c.encode(participants, forKey: .participants)
        try c.encode(images, forKey: .images)
        try c.encode(ci, forKey: .ci)
        try c.encode(variance, forKey: .variance)
        try c.encode(versusHalf, forKey: .versusHalf)
        try c.encode(notes, forKey: .notes)
    }
}

public struct ReportSettings: Codable, Sendable, Equatable {
    public var level: Double
    public var bootstrapSamples: Int
    public var seed: UInt64
    public var equivalenceMargin: Double
    /// Images in each lowest/highest list.
    public var extremeImages: Int
    public var primaryMethod: IntervalMethod
    public var primaryDescription: String

    public init(
        level: Double = AnalysisSettings.defaultConfidenceLevel, bootstrapSamples: Int = AnalysisSettings.defaultBootstrapSamples,
        seed: UInt64 = 0, equivalenceMargin: Double = AnalysisSettings.defaultEquivalenceMargin,
        extremeImages: Int = 3
    ) {
        self.level = level
        self.bootstrapSamples = bootstrapSamples
        self.seed = seed
        self.equivalenceMargin = equivalenceMargin
        self.extremeImages = extremeImages
        primaryMethod = .primary
        primaryDescription = FoolRateReport.primaryDescription
    }

    /// The study's analysis settings, with a seed (the study seed unless given) and optionally another B.
    public init(analysis: AnalysisSettings, seed: UInt64, bootstrapSamples: Int? = nil, extremeImages: Int = 3) {
        self.init(
            level: analysis.confidenceLevel, bootstrapSamples: bootstrapSamples ?? analysis.bootstrapSamples,
            seed: seed, equivalenceMargin: analysis.equivalenceMargin, extremeImages: extremeImages)
    }
}

/// Everything `studyserver report --fool-rates` shows; the renderers only format this value.
public struct FoolRateReport: Codable, Sendable, Equatable {
    public static let primaryDescription =
        "crossed_combined: V_participants + V_images - V_naive from the two one-way bootstraps (each scaled by n/(n-1)), "
        + "floored at the naive binomial variance, as a t interval (df = 2/3 (min(participants, images) - 1)) on the logit scale. "
        + "Near-nominal coverage in simulation (see BENCHMARKS.md, Statistics); the pigeonhole bootstrap is conservative "
        + "and the naive intervals are far too narrow."

    public var study: String
    public var title: String
    public var settings: ReportSettings
    public var tasks: [String]
    public var models: [ReportModel]
    public var foolRates: [FoolRateRow]
    public var images: [ImageFoolRate]
    public var extremes: [ImageExtremes]
    public var pairwise: [PairwiseComparison]
    public var positionBias: [PositionBias]
    public var catchAccuracy: [ParticipantCatchAccuracy]
    public var exclusions: ExclusionSummary
    /// Every participant with at least one flag, excluded or not, with the reasons.
    public var flaggedParticipants: [ParticipantScreen]
    /// The fool rates over every main trial, before any exclusion: how much the exclusions move them.
    public var foolRatesWithoutExclusions: [FoolRateRow]
    /// Per task: the logistic mixed model with crossed participant and image intercepts (MixedModelAnalysis).
    public var mixedModel: [MixedModelTask] = []
    /// Fool rates per class of screen (devicePixelRatio and drawn CSS size), and whether they differ.
    public var screens: [ScreenClassRate] = []
    public var screenTests: [ScreenHomogeneity] = []
    public var notes: [String]
    /// Rates with and without the participants the fool-rate screening flagged, and leave-one-out ranges.
    public var screening: ScreeningSensitivity? = nil

    enum CodingKeys: String, CodingKey {
        case study, title, settings, tasks, models, images, extremes, pairwise, exclusions, notes, screening
        case foolRates = "fool_rates"
        case positionBias = "position_bias"
        case catchAccuracy = "catch_accuracy"
        case flaggedParticipants = "flagged_participants"
        case foolRatesWithoutExclusions = "fool_rates_without_exclusions"
        case mixedModel = "mixed_model"
        case screens
        case screenTests = "screen_tests"
    }

    public func row(task: String, model: String) -> FoolRateRow? { foolRates.first { $0.task == task && $0.model == model } }

    /// Every task and model with trials, its fool rate with the exclusions beside the one without them.
    public var exclusionComparison: [(with: FoolRateRow, without: FoolRateRow)] {
        foolRates.compactMap { row in
            guard let raw = foolRatesWithoutExclusions.first(where: { $0.task == row.task && $0.model == row.model }),
                raw.trials > 0 || row.trials > 0
            else { return nil }
            return (row, raw)
        }
    }
}

extension FoolRateRow {
    /// Fewer participants or images than an interval needs (IntervalMinimum).
    public var tooFewForInterval: Bool { IntervalMinimum.shortfall(participants: participants, images: images) != nil }

    /// "48.2% [41.0%, 55.5%]": the rate and its primary interval, for tables.
    public var rateWithPrimaryInterval: String {
        guard let c = interval(.crossedCombined) else {
            return tooFewForInterval && trials > 0
                ? "\(Format.percent(foolRate)) (\(IntervalMinimum.tooFewLabel))" : Format.percent(foolRate)
        }
        return "\(Format.percent(foolRate)) [\(Format.percent(c.low)), \(Format.percent(c.high))]"
    }
}

public struct ReportModel: Codable, Sendable, Equatable {
    public var id: String
    public var label: String
    public var available: Bool
}
