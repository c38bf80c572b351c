import Foundation

/// Intervals for a binomial proportion, matching statsmodels' `proportion_confint`
/// (`method="wilson"` and `method="beta"`).
public enum BinomialIntervals {
    /// Wilson score interval; nil when there are no trials.
    public static func wilson(successes: Int, trials: Int, level: Double) -> ConfidenceInterval? {
        guard trials > 0, successes >= 0, successes <= trials else { return nil }
        let n = Double(trials)
        let p = Double(successes) / n
        let z = SpecialFunctions.twoSidedCritical(level: level)
        let z2 = z * z
        let denominator = 1 + z2 / n
        let center = (p + z2 / (2 * n)) / denominator
        let half = z * (p * (1 - p) / n + z2 / (4 * n * n)).squareRoot() / denominator
        return ConfidenceInterval(method: .wilsonNaive, level: level, low: center - half, high: center + half)
    }

    /// Clopper-Pearson ("exact") interval from beta quantiles; nil when there are no trials.
    public static func clopperPearson(successes: Int, trials: Int, level: Double) -> ConfidenceInterval? {
        guard trials > 0, successes >= 0, successes <= trials else { return nil }
        let alpha = 1 - level
        let k = Double(successes)
        let n = Double(trials)
        let low = successes == 0 ? 0 : SpecialFunctions.inverseRegularizedIncompleteBeta(alpha / 2, a: k, b: n - k + 1)
        let high = successes == trials ? 1 : SpecialFunctions.inverseRegularizedIncompleteBeta(1 - alpha / 2, a: k + 1, b: n - k)
        return ConfidenceInterval(method: .clopperPearsonNaive, level: level, low: low, high: high)
    }
}
