import Foundation
import SeededRandom
import StudyKit

/// One simulated-study setting: participants each see `imagesPerParticipant` of `images` images once
/// (balanced: every image is seen equally often), answers are Bernoulli with logit
/// mu + u_participant + v_image, u ~ N(0, sdParticipant^2), v ~ N(0, sdImage^2).
public struct SimulationSetting: Codable, Sendable, Equatable {
    public var name: String
    public var participants: Int
    public var images: Int
    public var imagesPerParticipant: Int
    public var sdParticipant: Double
    public var sdImage: Double
    /// The population fool rate: the mean of logistic(mu + u + v) over the random effects.
    public var populationFoolRate: Double

    enum CodingKeys: String, CodingKey {
        case name, participants, images
        case imagesPerParticipant = "images_per_participant"
        case sdParticipant = "sd_participant"
        case sdImage = "sd_image"
        case populationFoolRate = "population_fool_rate"
    }

    public init(
        name: String, participants: Int, images: Int, imagesPerParticipant: Int,
        sdParticipant: Double, sdImage: Double, populationFoolRate: Double
    ) {
        self.name = name
        self.participants = participants
        self.images = images
        self.imagesPerParticipant = imagesPerParticipant
        self.sdParticipant = sdParticipant
        self.sdImage = sdImage
        self.populationFoolRate = populationFoolRate
    }

    /// The paper's design (50 participants x 50 of 100 images) and a small pilot (30 x 20 of 40), each
    /// with weak and strong effects. Strong image effects (sd 1) spread per-image fool rates over about
    /// 15%-85%, as the paper's SR3 per-image rates (14%-88%).
    public static let standard: [SimulationSetting] = [
        SimulationSetting(
            name: "paper-weak", participants: 50, images: 100, imagesPerParticipant: 50,
            sdParticipant: 0.3, sdImage: 0.3, populationFoolRate: 0.4),
        SimulationSetting(
            name: "paper-strong", participants: 50, images: 100, imagesPerParticipant: 50,
            sdParticipant: 0.8, sdImage: 1.0, populationFoolRate: 0.4),
        SimulationSetting(
            name: "pilot-weak", participants: 30, images: 40, imagesPerParticipant: 20,
            sdParticipant: 0.3, sdImage: 0.3, populationFoolRate: 0.3),
        SimulationSetting(
            name: "pilot-strong", participants: 30, images: 40, imagesPerParticipant: 20,
            sdParticipant: 0.8, sdImage: 1.0, populationFoolRate: 0.3),
        SimulationSetting(
            name: "paper-no-effects", participants: 50, images: 100, imagesPerParticipant: 50,
            sdParticipant: 0, sdImage: 0, populationFoolRate: 0.45),
    ]

    /// The logit-scale intercept mu whose marginal fool rate is `populationFoolRate`.
    public var intercept: Double {
        MarginalFoolRate.intercept(
            forMean: populationFoolRate,
            sd: (sdParticipant * sdParticipant + sdImage * sdImage).squareRoot())
    }
}

/// E[logistic(mu + sd * Z)], Z standard normal, by composite Simpson's rule on [-10, 10].
public enum MarginalFoolRate {
    public static func mean(intercept mu: Double, sd: Double) -> Double {
        guard sd > 0 else { return Logistic.value(mu) }
        let intervals = 800
        let a = -10.0
        let h = 20.0 / Double(intervals)
        var sum = 0.0
        for k in 0...intervals {
            let z = a + Double(k) * h
            let weight: Double = (k == 0 || k == intervals) ? 1 : (k % 2 == 1 ? 4 : 2)
            sum += weight * Logistic.value(mu + sd * z) * exp(-0.5 * z * z)
        }
        return sum * h / 3 / (2 * Double.pi).squareRoot()
    }

    /// The intercept whose marginal mean is `target` (0 < target < 1), by bisection.
    public static func intercept(forMean target: Double, sd: Double) -> Double {
        var low = -30.0
        var high = 30.0
        for _ in 0..<200 {
            let mid = 0.5 * (low + high)
            if mean(intercept: mid, sd: sd) < target { low = mid } else { high = mid }
        }
        return 0.5 * (low + high)
    }
}

public struct MethodCoverage: Codable, Sendable, Equatable {
    public var method: IntervalMethod
    /// Studies where the method produced an interval.
    public var intervals: Int
    public var covered: Int
    /// Intervals entirely below / above the population fool rate.
    public var missedLow: Int = 0
    public var missedHigh: Int = 0
    public var meanWidth: Double

    public var coverage: Double { intervals > 0 ? Double(covered) / Double(intervals) : .nan }

    enum CodingKeys: String, CodingKey {
        case method, intervals, covered, coverage
        case meanWidth = "mean_width"
        case missedLow = "missed_low"
        case missedHigh = "missed_high"
    }

    public init(method: IntervalMethod, intervals: Int, covered: Int, meanWidth: Double) {
        self.method = method
        self.intervals = intervals
        self.covered = covered
        self.meanWidth = meanWidth
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        method = try c.decode(IntervalMethod.self, forKey: .method)
        intervals = try c.decode(Int.self, forKey: .intervals)
        covered = try c.decode(Int.self, forKey: .covered)
        meanWidth = try c.decode(Double.self, forKey: .meanWidth)
        missedLow = try c.decodeIfPresent(Int.self, forKey: .missedLow) ?? 0
        missedHigh = try c.decodeIfPresent(Int.self, forKey: .missedHigh) ?? 0
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(method, forKey: .method)
        try c.encode(intervals, forKey: .intervals)
        try c.encode(covered, forKey: .covered)
        try c.encode(coverage, forKey: .coverage)
        try c.encode(meanWidth, forKey: .meanWidth)
        try c.encode(missedLow, forKey: .missedLow)
        try c.encode(missedHigh, forKey: .missedHigh)
    }
}

public struct SimulationResult: Codable, Sendable, Equatable {
    public var setting: SimulationSetting
    public var studies: Int
    public var bootstrapSamples: Int
    public var level: Double
    public var methods: [MethodCoverage]
    /// Studies where the primary variance combination was floored.
    public var floored: Int
    public var meanFoolRate: Double
    /// Standard deviation of the fool rate over the simulated studies: what a standard error should estimate.
    public var empiricalSD: Double
    /// Root mean of the primary (combined) variance estimates.
    public var primarySE: Double
    /// Coverage of the mixed model's intervals in the same studies; nil when it was not fitted.
    public var mixedModel: [MixedModelCoverage]?

    enum CodingKeys: String, CodingKey {
        case setting, studies, level, methods, floored
        case mixedModel = "mixed_model"
        case bootstrapSamples = "bootstrap_samples"
        case meanFoolRate = "mean_fool_rate"
        case empiricalSD = "empirical_sd"
        case primarySE = "primary_se"
    }
}

/// Coverage of every interval method over simulated studies with known population fool rate.
public enum CrossedSimulation {
    /// One simulated study's main trials, drawn from `rng` (the same generator state gives the same study).
    public static func simulateStudy(
        _ setting: SimulationSetting, intercept mu: Double,
        using rng: inout SeededGenerator
    ) -> CrossedCounts {
        CrossedCounts(
            participantCount: setting.participants, imageCount: setting.images,
            observations: simulateObservations(setting, intercept: mu, using: &rng))
    }

    /// The trials of `simulateStudy`, one observation per answer.
    static func simulateObservations(
        _ setting: SimulationSetting, intercept mu: Double,
        using rng: inout SeededGenerator
    ) -> [CrossedCounts.Observation] {
        let p = setting.participants
        let n = setting.images
        let m = min(setting.imagesPerParticipant, setting.images)
        let u = (0..<p).map { _ in setting.sdParticipant * rng.standardNormal() }
        let v = (0..<n).map { _ in setting.sdImage * rng.standardNormal() }
        let order = rng.stableShuffled(Array(0..<n))
        var observations: [CrossedCounts.Observation] = []
        observations.reserveCapacity(p * m)
        for participant in 0..<p {
            for k in 0..<m {
                let image = order[(participant * m + k) % n]
                let probability = Logistic.value(mu + u[participant] + v[image])
                observations.append(
                    .init(
                        participant: participant, image: image,
                        fooled: rng.unitInterval() < probability))
            }
        }
        return observations
    }

    /// Runs `studies` simulated studies of `setting` on all cores; deterministic for a given seed
    /// (study k always draws from stream k, whichever core runs it).
    /// With `mixedModel`, every simulated study is also fitted by the logistic mixed model
    /// (`fooled ~ 1 + (1 | participant) + (1 | image)`); it draws no random numbers, so the bootstrap
    /// results are the same with or without it.
    public static func run(
        _ setting: SimulationSetting, studies: Int, bootstrapSamples: Int,
        level: Double = AnalysisSettings.defaultConfidenceLevel, seed: UInt64, mixedModel: Bool = false
    ) async -> SimulationResult {
        let mu = setting.intercept
        let target = setting.populationFoolRate
        let outcomes = await orderedParallelMap(count: max(studies, 0)) { study in
            var rng = SeededGenerator(seed: seed, stream: UInt64(study))
            let observations = simulateObservations(setting, intercept: mu, using: &rng)
            let counts = CrossedCounts(participantCount: setting.participants, imageCount: setting.images, observations: observations)
            let estimate = FoolRateIntervals.estimate(counts, level: level, samples: bootstrapSamples, using: &rng)
            let glmm = mixedModel ? MixedModelSimulation.fit(observations, setting: setting, level: level) : nil
            return StudyOutcome(index: study, estimate: estimate, mixedModel: glmm)
        }
        let methods = IntervalMethod.allCases.map { method -> MethodCoverage in
            let intervals = outcomes.compactMap { $0.estimate.interval(method) }
            let covered = intervals.filter { $0.contains(target) }.count
            let width = intervals.isEmpty ? .nan : intervals.reduce(0) { $0 + $1.width } / Double(intervals.count)
            var coverage = MethodCoverage(method: method, intervals: intervals.count, covered: covered, meanWidth: width)
            coverage.missedLow = intervals.filter { $0.high < target }.count
            coverage.missedHigh = intervals.filter { $0.low > target }.count
            return coverage
        }
        let rates = outcomes.compactMap(\.estimate.rate)
        let meanRate = rates.isEmpty ? .nan : rates.reduce(0, +) / Double(rates.count)
        let spread = rates.count > 1 ? rates.reduce(0) { $0 + ($1 - meanRate) * ($1 - meanRate) } / Double(rates.count - 1) : .nan
        let variances = outcomes.compactMap { $0.estimate.variance?.combined }
        let meanVariance = variances.isEmpty ? .nan : variances.reduce(0, +) / Double(variances.count)
        var result = SimulationResult(
            setting: setting, studies: studies, bootstrapSamples: bootstrapSamples, level: level,
            methods: methods, floored: outcomes.filter { $0.estimate.variance?.floored == true }.count,
            meanFoolRate: meanRate, empiricalSD: spread.squareRoot(), primarySE: meanVariance.squareRoot())
        if mixedModel {
            result.mixedModel = MixedModelSimulation.coverage(outcomes.compactMap(\.mixedModel), setting: setting, studies: studies)
        }
        return result
    }

    private struct StudyOutcome: Sendable {
        var index: Int
        var estimate: FoolRateEstimate
        var mixedModel: MixedModelSimulation.Outcome?
    }
}
