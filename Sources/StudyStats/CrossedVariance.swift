import Foundation

/// Variance of a fool rate under crossed participant and image effects, from the two one-way bootstraps.
///
/// Resampling participants captures participant variance plus trial noise; resampling images captures
/// image variance plus trial noise; the binomial variance p(1-p)/n is trial noise alone. So
/// V_participants + V_images - V_naive estimates participant + image + trial variance, the variance of
/// the fool rate when both participants and images are samples from larger populations. The pigeonhole
/// bootstrap counts trial noise (and part of each effect) more than once and is conservative.
///
/// The combination can come out below the binomial variance (even negative) when an effect is absent
/// and sampling noise pushes its bootstrap variance below the binomial one. The true variance,
/// s_P^2 / participants + s_I^2 / images + s_E^2 / trials, is never below the binomial variance
/// (s_P^2 + s_I^2 + s_E^2) / trials, so the combination is floored there, and `floored` records it.
public struct CrossedVariance: Codable, Sendable, Equatable {
    public var participants: Double
    public var images: Double
    public var naive: Double
    public var combined: Double
    public var floored: Bool
    /// Degrees of freedom of the t critical value: (min(participants, images) - 1) x 2/3. The combination
    /// adds two one-way variances and subtracts a third, so it is noisier than a variance estimated from
    /// min(participants, images) units. Calibrated by simulation (`studyserver simulate`, BENCHMARKS.md):
    /// with min - 1 the paper's design with weak effects covered 93-94%; with 2/3 of it every setting
    /// covers 94-97%. Infinite when built from raw variances.
    public var degreesOfFreedom: Double = .infinity

    /// `participants` and `images` are the raw one-way bootstrap variances over `participantUnits` and
    /// `imageUnits` units; each is scaled by n / (n - 1), the usual correction of the bootstrap's
    /// plug-in variance, which is biased low by that factor (3% for a 30-participant pilot).
    public init(participants: Double, images: Double, naive: Double, participantUnits: Int, imageUnits: Int) {
        let p = Double(max(participantUnits, 2))
        let i = Double(max(imageUnits, 2))
        self.init(participants: participants * p / (p - 1), images: images * i / (i - 1), naive: naive)
        degreesOfFreedom = (min(p, i) - 1) * 2 / 3
    }

    /// Combines one-way variances that are already corrected.
    public init(participants: Double, images: Double, naive: Double) {
        self.participants = participants
        self.images = images
        self.naive = naive
        let raw = participants + images - naive
        let floor = naive
        combined = max(raw, floor)
        floored = raw < floor
    }

    public var standardError: Double { combined.squareRoot() }

    public func criticalValue(level: Double) -> Double {
        SpecialFunctions.studentTQuantile(1 - (1 - level) / 2, df: degreesOfFreedom)
    }
}

extension CrossedVariance {
    /// The primary interval: on the logit scale (delta method), so it stays inside (0, 1) and is
    /// asymmetric near the boundaries like the sampling distribution, with a t critical value on
    /// `degreesOfFreedom` because the variance comes from a limited number of participants and images. Nil at a rate of exactly 0 or 1,
    /// where the logit is undefined (the caller falls back to Clopper-Pearson).
    public func primaryInterval(rate: Double, level: Double) -> ConfidenceInterval? {
        guard rate > 0, rate < 1, combined.isFinite else { return nil }
        let z = criticalValue(level: level)
        let center = log(rate / (1 - rate))
        let se = combined.squareRoot() / (rate * (1 - rate))
        return ConfidenceInterval(
            method: .crossedCombined, level: level,
            low: Logistic.value(center - z * se), high: Logistic.value(center + z * se))
    }
}

enum Logistic {
    static func value(_ x: Double) -> Double { x >= 0 ? 1 / (1 + exp(-x)) : exp(x) / (1 + exp(x)) }
    static func logit(_ p: Double) -> Double { log(p / (1 - p)) }
}
