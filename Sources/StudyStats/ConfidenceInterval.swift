/// How an interval was computed. Raw values are the names used in JSON, CSV and the text report.
public enum IntervalMethod: String, Codable, Sendable, CaseIterable {
    /// Wilson score interval treating every trial as independent: too narrow under crossed effects.
    case wilsonNaive = "wilson_naive"
    /// Exact binomial (Clopper-Pearson) interval treating every trial as independent: too narrow likewise.
    case clopperPearsonNaive = "clopper_pearson_naive"
    /// Percentile bootstrap resampling participants only (as in HYPE): ignores image variability.
    case bootstrapParticipants = "bootstrap_participants"
    /// Percentile bootstrap resampling images only: ignores participant variability.
    case bootstrapImages = "bootstrap_images"
    /// Two-way "pigeonhole" bootstrap (Owen 2007) resampling participants and images independently: conservative.
    case bootstrapPigeonhole = "bootstrap_pigeonhole"
    /// Variance combination V_participants + V_images - V_naive from the two one-way bootstraps,
    /// on the logit scale: the primary interval (see CrossedVariance).
    case crossedCombined = "crossed_combined"

    public var label: String {
        switch self {
        case .wilsonNaive: return "Wilson (naive, trials independent)"
        case .clopperPearsonNaive: return "Clopper-Pearson (naive, trials independent)"
        case .bootstrapParticipants: return "Bootstrap over participants only"
        case .bootstrapImages: return "Bootstrap over images only"
        case .bootstrapPigeonhole: return "Pigeonhole bootstrap, participants x images (conservative)"
        case .crossedCombined: return "Crossed variance combination V_P + V_I - V_naive (primary)"
        }
    }

    /// The method a reader should quote.
    public static let primary: IntervalMethod = .crossedCombined
}

public struct ConfidenceInterval: Codable, Sendable, Equatable {
    public var method: IntervalMethod
    public var level: Double
    public var low: Double
    public var high: Double

    public init(method: IntervalMethod, level: Double, low: Double, high: Double) {
        self.method = method
        self.level = level
        self.low = low
        self.high = high
    }

    public var width: Double { high - low }
    public func contains(_ value: Double) -> Bool { low <= value && value <= high }
}
