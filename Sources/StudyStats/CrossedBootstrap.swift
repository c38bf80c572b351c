import SeededRandom

/// Bootstraps over a crossed participants x images design, with multinomial weights on the units
/// resampled, computed from precomputed sums.
public enum CrossedBootstrap {
    public enum Scheme: String, Sendable, CaseIterable {
        /// Resample participants, keep images: captures participant variability (as in HYPE).
        case participants
        /// Resample images, keep participants: captures image variability.
        case images
        /// Resample participants and images independently (Owen 2007): conservative.
        case pigeonhole
    }

    /// Replicate estimates of every series, flattened as replicate * seriesCount + series.
    /// A series with no trials in a replicate gets NaN there.
    public static func replicates<G: RandomNumberGenerator>(
        _ counts: CrossedCounts, scheme: Scheme, samples: Int, using rng: inout G
    ) -> [Double] {
        let s = counts.seriesCount
        let pCount = counts.participantCount
        let iCount = counts.imageCount
        var out = [Double](repeating: .nan, count: max(0, samples) * s)
        guard samples > 0, pCount > 0, iCount > 0 else { return out }
        var participantWeight = [Double](repeating: 0, count: pCount)
        var imageWeight = [Double](repeating: 0, count: iCount)
        var fooled = [Double](repeating: 0, count: s)
        var trials = [Double](repeating: 0, count: s)
        for b in 0..<samples {
            for k in 0..<s {
                fooled[k] = 0
                trials[k] = 0
            }
            switch scheme {
            case .participants:
                drawWeights(&participantWeight, using: &rng)
                accumulate(
                    weights: participantWeight, fooledSums: counts.participantFooled,
                    trialSums: counts.participantTrials, series: s, fooled: &fooled, trials: &trials)
            case .images:
                drawWeights(&imageWeight, using: &rng)
                accumulate(
                    weights: imageWeight, fooledSums: counts.imageFooled,
                    trialSums: counts.imageTrials, series: s, fooled: &fooled, trials: &trials)
            case .pigeonhole:
                drawWeights(&participantWeight, using: &rng)
                drawWeights(&imageWeight, using: &rng)
                pigeonhole(
                    counts, participantWeight: participantWeight, imageWeight: imageWeight,
                    fooled: &fooled, trials: &trials)
            }
            for k in 0..<s where trials[k] > 0 { out[b * s + k] = fooled[k] / trials[k] }
        }
        return out
    }

    /// Sums over cells weighted by participant weight x image weight: the hot loop of the report.
    @inline(__always)
    private static func pigeonhole(
        _ counts: CrossedCounts, participantWeight: [Double], imageWeight: [Double],
        fooled: inout [Double], trials: inout [Double]
    ) {
        let s = counts.seriesCount
        counts.cellParticipant.withUnsafeBufferPointer { cp in
            counts.cellImage.withUnsafeBufferPointer { ci in
                counts.cellFooled.withUnsafeBufferPointer { cf in
                    counts.cellTrials.withUnsafeBufferPointer { ct in
                        participantWeight.withUnsafeBufferPointer { wp in
                            imageWeight.withUnsafeBufferPointer { wi in
                                if s == 1 {
                                    var f = 0.0
                                    var n = 0.0
                                    for c in 0..<cp.count {
                                        let w = wp[Int(cp[c])] * wi[Int(ci[c])]
                                        f += w * cf[c]
                                        n += w * ct[c]
                                    }
                                    fooled[0] = f
                                    trials[0] = n
                                    return
                                }
                                if s == 2 {
                                    var f0 = 0.0
                                    var n0 = 0.0
                                    var f1 = 0.0
                                    var n1 = 0.0
                                    for c in 0..<cp.count {
                                        let w = wp[Int(cp[c])] * wi[Int(ci[c])]
                                        f0 += w * cf[2 * c]
                                        n0 += w * ct[2 * c]
                                        f1 += w * cf[2 * c + 1]
                                        n1 += w * ct[2 * c + 1]
                                    }
                                    fooled[0] = f0
                                    trials[0] = n0
                                    fooled[1] = f1
                                    trials[1] = n1
                                    return
                                }
                                for c in 0..<cp.count {
                                    let w = wp[Int(cp[c])] * wi[Int(ci[c])]
                                    if w == 0 { continue }
                                    for k in 0..<s {
                                        fooled[k] += w * cf[c * s + k]
                                        trials[k] += w * ct[c * s + k]
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Multinomial(n; 1/n, ..., 1/n) counts: how often each unit is drawn in a resample of size n.
    @inline(__always)
    static func drawWeights<G: RandomNumberGenerator>(_ weights: inout [Double], using rng: inout G) {
        let n = weights.count
        for i in 0..<n { weights[i] = 0 }
        for _ in 0..<n { weights[rng.multiplyHighIndex(below: n)] += 1 }
    }

    @inline(__always)
    private static func accumulate(
        weights: [Double], fooledSums: [Double], trialSums: [Double], series s: Int,
        fooled: inout [Double], trials: inout [Double]
    ) {
        for u in 0..<weights.count {
            let w = weights[u]
            if w == 0 { continue }
            for k in 0..<s {
                fooled[k] += w * fooledSums[u * s + k]
                trials[k] += w * trialSums[u * s + k]
            }
        }
    }
}

/// The spread of bootstrap replicates of one scalar statistic.
public struct ReplicateSummary: Sendable, Equatable {
    /// Replicates where the statistic was defined.
    public var valid: Int
    public var variance: Double
    public var low: Double
    public var high: Double

    /// Percentile interval at `level` and the variance of the finite values in `values`.
    public init?(values: [Double], level: Double) {
        var finite = values.filter { $0.isFinite }
        guard finite.count >= 2 else { return nil }
        finite.sort()
        valid = finite.count
        let mean = finite.reduce(0, +) / Double(finite.count)
        variance = finite.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(finite.count - 1)
        let alpha = 1 - level
        low = ReplicateSummary.quantile(finite, alpha / 2)
        high = ReplicateSummary.quantile(finite, 1 - alpha / 2)
    }

    /// Linear interpolation between order statistics (type 7).
    static func quantile(_ sorted: [Double], _ q: Double) -> Double {
        let h = Double(sorted.count - 1) * q
        let lo = Int(h.rounded(.down))
        let hi = min(lo + 1, sorted.count - 1)
        return sorted[lo] + (h - Double(lo)) * (sorted[hi] - sorted[lo])
    }
}
