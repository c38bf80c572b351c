/// Tests of a fool rate against 50% (a model whose outputs are indistinguishable from photos).
public struct HalfTest: Codable, Sendable, Equatable {
    /// (rate - 0.5) / se, with se from the primary (crossed) variance on the probability scale.
    public var statistic: Double
    public var degreesOfFreedom: Double?
    /// Two-sided p-value of H0: fool rate = 50%.
    public var pValue: Double
    /// Equivalence margin: TOST tests H0: |rate - 0.5| >= margin.
    public var margin: Double
    /// max of the two one-sided p-values.
    public var equivalencePValue: Double
    /// TOST rejects non-equivalence at 1 - confidence level.
    public var equivalent: Bool

    public init?(rate: Double, variance: CrossedVariance, margin: Double, level: Double) {
        let se = variance.standardError
        guard se > 0, se.isFinite else { return nil }
        let df = variance.degreesOfFreedom
        degreesOfFreedom = df.isFinite ? df : nil
        statistic = (rate - 0.5) / se
        pValue = 2 * SpecialFunctions.studentTCDF(-abs(statistic), df: df)
        self.margin = margin
        let pAboveLower = 1 - SpecialFunctions.studentTCDF((rate - (0.5 - margin)) / se, df: df)
        let pBelowUpper = SpecialFunctions.studentTCDF((rate - (0.5 + margin)) / se, df: df)
        equivalencePValue = max(pAboveLower, pBelowUpper)
        equivalent = equivalencePValue < 1 - level
    }
}

public enum MultipleComparisons {
    /// Holm's step-down adjustment; the result is in the input order.
    public static func holm(_ pValues: [Double]) -> [Double] {
        let m = pValues.count
        let order = pValues.indices.sorted { pValues[$0] < pValues[$1] }
        var adjusted = [Double](repeating: 1, count: m)
        var running = 0.0
        for (rank, index) in order.enumerated() {
            running = max(running, min(1, Double(m - rank) * pValues[index]))
            adjusted[index] = running
        }
        return adjusted
    }
}
