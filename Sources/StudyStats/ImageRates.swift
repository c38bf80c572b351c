import StudyKit

/// One image's fool rate for one model in one task.
public struct ImageFoolRate: Codable, Sendable, Equatable {
    public var task: String
    public var model: String
    public var image: String
    public var trials: Int
    public var fooled: Int
    public var foolRate: Double
    /// Naive Wilson interval over this image's trials.
    public var ci: [ConfidenceInterval]
    /// Empirical-Bayes (beta-binomial) estimate, shrunk toward the model's mean by how much images
    /// really differ; what the lowest/highest image lists are ranked by.
    public var shrunken: Double
}

/// The beta prior fitted to a model's per-image counts by the method of moments.
public struct BetaBinomialPrior: Codable, Sendable, Equatable {
    public var mean: Double
    /// alpha + beta: how many trials' worth of weight the prior carries; nil means complete pooling
    /// (no detectable variation between images beyond binomial noise).
    public var strength: Double?

    /// mean = sum fooled / sum trials; between-image variance tau^2 = var(rates) - mean(mean(1-mean)/n_i).
    public init(counts: [(fooled: Int, trials: Int)]) {
        let used = counts.filter { $0.trials > 0 }
        let totalTrials = used.reduce(0) { $0 + $1.trials }
        mean = totalTrials > 0 ? Double(used.reduce(0) { $0 + $1.fooled }) / Double(totalTrials) : 0
        guard used.count >= 2, mean > 0, mean < 1 else {
            strength = nil
            return
        }
        let rates = used.map { Double($0.fooled) / Double($0.trials) }
        let observed = rates.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(used.count - 1)
        let noise = used.reduce(0) { $0 + mean * (1 - mean) / Double($1.trials) } / Double(used.count)
        let between = observed - noise
        guard between > 0 else {
            strength = nil
            return
        }
        strength = max(0, mean * (1 - mean) / between - 1)
    }

    public func shrink(fooled: Int, trials: Int) -> Double {
        guard let strength else { return mean }
        let denominator = Double(trials) + strength
        return denominator > 0 ? (Double(fooled) + mean * strength) / denominator : mean
    }
}

/// The lowest and highest images of one model in one task (the paper's Figure D.1).
public struct ImageExtremes: Codable, Sendable, Equatable {
    public var task: String
    public var model: String
    public var prior: BetaBinomialPrior
    public var lowest: [ImageFoolRate]
    public var highest: [ImageFoolRate]
}

public enum ImageRates {
    /// Per-image rates of one (task, model), in image order, with the fitted prior.
    public static func rates(task: String, model: String, trials: [AnsweredTrial], level: Double)
        -> (rates: [ImageFoolRate], prior: BetaBinomialPrior)
    {
        var tally: [String: (fooled: Int, trials: Int)] = [:]
        for t in trials where t.task == task && t.model == model {
            var c = tally[t.image] ?? (0, 0)
            c.trials += 1
            if t.fooled { c.fooled += 1 }
            tally[t.image] = c
        }
        // Sorted, so sums run in the same order every time and the report is reproducible to the bit.
        let prior = BetaBinomialPrior(counts: tally.keys.sorted().compactMap { tally[$0] })
        let rows = tally.keys.sorted().compactMap { image -> ImageFoolRate? in
            guard let c = tally[image], c.trials > 0 else { return nil }
            let wilson = BinomialIntervals.wilson(successes: c.fooled, trials: c.trials, level: level)
            return ImageFoolRate(
                task: task, model: model, image: image, trials: c.trials, fooled: c.fooled,
                foolRate: Double(c.fooled) / Double(c.trials), ci: wilson.map { [$0] } ?? [],
                shrunken: prior.shrink(fooled: c.fooled, trials: c.trials))
        }
        return (rows, prior)
    }

    /// The `count` lowest and `count` highest images by shrunken estimate (ties: raw rate, then id);
    /// with fewer than 2 x count images the two lists split them without overlap.
    public static func extremes(
        task: String, model: String, rates: [ImageFoolRate], prior: BetaBinomialPrior,
        count: Int
    ) -> ImageExtremes {
        let sorted = rates.sorted {
            ($0.shrunken, $0.foolRate, $0.image) < ($1.shrunken, $1.foolRate, $1.image)
        }
        let low = min(count, sorted.count / 2 + sorted.count % 2)
        let high = min(count, sorted.count - low)
        return ImageExtremes(
            task: task, model: model, prior: prior, lowest: Array(sorted.prefix(low)),
            highest: Array(sorted.suffix(high).reversed()))
    }
}
