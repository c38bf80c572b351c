import Foundation
import SeededRandom
import StudyKit

/// What a study will look like, for planning: the population fool rate and the logit-scale standard
/// deviations of participant and image effects, and the image design.
public struct PlanScenario: Codable, Sendable, Equatable {
    public var foolRate: Double
    public var sdParticipant: Double
    public var sdImage: Double
    public var images: Int
    public var imagesPerParticipant: Int

    public init(foolRate: Double, sdParticipant: Double, sdImage: Double, images: Int, imagesPerParticipant: Int) {
        self.foolRate = foolRate
        self.sdParticipant = sdParticipant
        self.sdImage = sdImage
        self.images = images
        self.imagesPerParticipant = imagesPerParticipant
    }

    /// Moment estimates from pilot main trials of one model: between-participant and between-image
    /// variance of the rates beyond binomial noise, moved to the logit scale by the delta method
    /// (divided by p(1-p)). Approximate, and printed so a reader can restate them.
    public static func estimate(fromPilot trials: [AnsweredTrial], images: Int, imagesPerParticipant: Int) -> PlanScenario? {
        guard !trials.isEmpty else { return nil }
        let p = Double(trials.filter(\.fooled).count) / Double(trials.count)
        guard p > 0, p < 1 else { return nil }
        func between(_ key: (AnsweredTrial) -> String) -> Double {
            var tally: [String: (fooled: Int, trials: Int)] = [:]
            for t in trials {
                var c = tally[key(t)] ?? (0, 0)
                c.trials += 1
                if t.fooled { c.fooled += 1 }
                tally[key(t)] = c
            }
            let units = tally.keys.sorted().compactMap { tally[$0] }
            guard units.count >= 2 else { return 0 }
            let rates = units.map { Double($0.fooled) / Double($0.trials) }
            let observed = rates.reduce(0) { $0 + ($1 - p) * ($1 - p) } / Double(units.count - 1)
            let noise = units.reduce(0) { $0 + p * (1 - p) / Double($1.trials) } / Double(units.count)
            return max(0, observed - noise).squareRoot() / (p * (1 - p))
        }
        return PlanScenario(
            foolRate: p, sdParticipant: between(\.participant), sdImage: between(\.image),
            images: images, imagesPerParticipant: imagesPerParticipant)
    }
}

public struct PlanPoint: Codable, Sendable, Equatable {
    public var participants: Int
    /// Mean half-width of the primary interval over the simulated studies.
    public var meanHalfWidth: Double
}

public struct PlanResult: Codable, Sendable, Equatable {
    public var scenario: PlanScenario
    public var targetHalfWidth: Double
    public var level: Double
    public var studiesPerPoint: Int
    public var bootstrapSamples: Int
    /// Smallest number of participants whose mean half-width is at most the target; nil if not reached
    /// by `maxParticipants` (image variability alone can put the target out of reach: add images).
    public var participantsNeeded: Int?
    public var maxParticipants: Int
    public var points: [PlanPoint]
}

/// Participants needed for a target interval half-width, by simulating whole studies and computing
/// the primary interval of each, as the report would.
public enum SamplePlanner {
    public static func plan(
        _ scenario: PlanScenario, targetHalfWidth: Double, level: Double = AnalysisSettings.defaultConfidenceLevel,
        studies: Int = 200, bootstrapSamples: Int = 200, maxParticipants: Int = 1000,
        seed: UInt64 = 1
    ) async -> PlanResult {
        var points: [Int: Double] = [:]
        func halfWidth(_ participants: Int) async -> Double {
            if let known = points[participants] { return known }
            let value = await meanHalfWidth(
                scenario, participants: participants, level: level, studies: studies,
                bootstrapSamples: bootstrapSamples, seed: seed)
            points[participants] = value
            return value
        }
        var low = 1
        var high = 4
        var needed: Int?
        while true {
            let capped = min(high, maxParticipants)
            if await halfWidth(capped) <= targetHalfWidth {
                high = capped
                needed = capped
                break
            }
            if capped >= maxParticipants { break }
            low = capped
            high = capped * 2
        }
        if needed != nil {
            while high - low > 1 {
                let mid = (low + high) / 2
                if await halfWidth(mid) <= targetHalfWidth { high = mid } else { low = mid }
            }
            needed = high
        }
        return PlanResult(
            scenario: scenario, targetHalfWidth: targetHalfWidth, level: level, studiesPerPoint: studies,
            bootstrapSamples: bootstrapSamples, participantsNeeded: needed, maxParticipants: maxParticipants,
            points: points.keys.sorted().map { PlanPoint(participants: $0, meanHalfWidth: points[$0] ?? .nan) })
    }

    /// Mean half-width of the primary interval over `studies` simulated studies with `participants`
    /// participants (the same random streams for every size, so the curve is smooth).
    public static func meanHalfWidth(
        _ scenario: PlanScenario, participants: Int, level: Double, studies: Int,
        bootstrapSamples: Int, seed: UInt64
    ) async -> Double {
        let setting = SimulationSetting(
            name: "plan", participants: max(participants, 2), images: scenario.images,
            imagesPerParticipant: scenario.imagesPerParticipant,
            sdParticipant: scenario.sdParticipant, sdImage: scenario.sdImage,
            populationFoolRate: scenario.foolRate)
        let mu = setting.intercept
        let widths = await orderedParallelMap(count: max(studies, 0)) { study -> Double? in
            var rng = SeededGenerator(seed: seed, stream: UInt64(study))
            let counts = CrossedSimulation.simulateStudy(setting, intercept: mu, using: &rng)
            let estimate = FoolRateIntervals.estimate(
                counts, level: level, samples: bootstrapSamples,
                schemes: [.participants, .images], using: &rng)
            return estimate.primary.map { $0.width / 2 }
        }.compactMap { $0 }
        return widths.isEmpty ? .infinity : widths.reduce(0, +) / Double(widths.count)
    }
}
