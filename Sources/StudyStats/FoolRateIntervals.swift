/// Every interval for one fool rate, each naming its method.
public struct FoolRateEstimate: Sendable, Equatable {
    public var fooled: Int
    public var trials: Int
    public var participants: Int
    public var images: Int
    /// nil when there are no trials.
    public var rate: Double?
    public var intervals: [ConfidenceInterval]
    /// nil when there are no trials or too few units to bootstrap.
    public var variance: CrossedVariance?
    /// Why an interval is missing or how it fell back, in words.
    public var notes: [String]

    public func interval(_ method: IntervalMethod) -> ConfidenceInterval? { intervals.first { $0.method == method } }
    public var primary: ConfidenceInterval? { interval(.primary) }
}

public enum FoolRateIntervals {
    /// Naive, bootstrap and primary intervals for series 0 of `counts`, with `samples` bootstrap
    /// replicates per scheme. The primary interval needs the participants and images schemes.
    public static func estimate<G: RandomNumberGenerator>(
        _ counts: CrossedCounts, level: Double, samples: Int,
        schemes: [CrossedBootstrap.Scheme] = CrossedBootstrap.Scheme.allCases, using rng: inout G
    ) -> FoolRateEstimate {
        let fooled = Int(counts.totalFooled[0])
        let trials = Int(counts.totalTrials[0])
        var result = FoolRateEstimate(
            fooled: fooled, trials: trials, participants: counts.participantsSeen(series: 0),
            images: counts.imagesSeen(series: 0), rate: nil, intervals: [], variance: nil, notes: [])
        guard trials > 0 else {
            result.notes.append("no main trials: no fool rate")
            return result
        }
        let rate = Double(fooled) / Double(trials)
        result.rate = rate
        if let wilson = BinomialIntervals.wilson(successes: fooled, trials: trials, level: level) {
            result.intervals.append(wilson)
        }
        let exact = BinomialIntervals.clopperPearson(successes: fooled, trials: trials, level: level)
        if let exact { result.intervals.append(exact) }

        var summaries: [CrossedBootstrap.Scheme: ReplicateSummary] = [:]
        for scheme in schemes {
            // Resampling a single unit only reproduces the estimate: no interval rather than a zero-width one.
            let needsParticipants = scheme != .images
            let needsImages = scheme != .participants
            if (needsParticipants && result.participants < 2) || (needsImages && result.images < 2) { continue }
            let values = CrossedBootstrap.replicates(counts, scheme: scheme, samples: samples, using: &rng)
            guard let summary = ReplicateSummary(values: values, level: level) else { continue }
            summaries[scheme] = summary
            result.intervals.append(
                ConfidenceInterval(
                    method: method(for: scheme), level: level,
                    low: summary.low, high: summary.high))
        }
        if result.participants < 2 { result.notes.append("one participant: participant variability cannot be estimated") }
        if result.images < 2 { result.notes.append("one image: image variability cannot be estimated") }
        if let shortfall = IntervalMinimum.shortfall(participants: result.participants, images: result.images) {
            result.notes.append("primary interval: \(shortfall)")
            return result
        }
        guard let byParticipant = summaries[.participants], let byImage = summaries[.images] else {
            result.notes.append("primary interval unavailable: the one-way bootstraps gave no replicates")
            return result
        }
        let variance = CrossedVariance(
            participants: byParticipant.variance, images: byImage.variance,
            naive: rate * (1 - rate) / Double(trials),
            participantUnits: result.participants, imageUnits: result.images)
        result.variance = variance
        if variance.floored {
            result.notes.append("V_P + V_I - V_naive fell below the naive binomial variance; floored at it")
        }
        if let primary = variance.primaryInterval(rate: rate, level: level) {
            result.intervals.append(primary)
        } else if let exact {
            result.intervals.append(ConfidenceInterval(method: .crossedCombined, level: level, low: exact.low, high: exact.high))
            result.notes.append("fool rate is \(fooled == 0 ? 0 : 1): primary interval falls back to Clopper-Pearson")
        }
        return result
    }

    static func method(for scheme: CrossedBootstrap.Scheme) -> IntervalMethod {
        switch scheme {
        case .participants: return .bootstrapParticipants
        case .images: return .bootstrapImages
        case .pigeonhole: return .bootstrapPigeonhole
        }
    }
}
